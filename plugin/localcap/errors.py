"""REDCap's API error texts, kept in one catalogue, and the exception that carries one.

The texts are REDCap's own wording where it is known (see ``shared/redcap-api.md``), because
clients match on them; where REDCap's exact wording is not known, the text says what was wrong
and how to fix it. A handler raises :class:`ApiError`; the app renders it in the request's
``returnFormat`` with the status it carries.
"""

from __future__ import annotations

from collections.abc import Iterable


class ApiError(Exception):
    """An answer REDCap would give instead of data: a status code and a message."""

    def __init__(self, message: str, status: int = 400) -> None:
        super().__init__(message)
        self.message = message
        self.status = status


NO_PERMISSION = "You do not have permissions to use the API"
BAD_CONTENT = 'The value of the parameter "content" is not valid'
BAD_ACTION = 'The value of the parameter "action" is not valid'
NOT_IMPLEMENTED = "The requested method is not implemented."
PRODUCTION_METADATA = "This method cannot be used while the project is in Production status."
PRODUCTION_ONLY_DEVELOPMENT = (
    "This action can only be performed while the project is in Development status."
)
INVALID_FIELD = "Invalid field"
INTERNAL_ERROR = (
    "localcap could not complete this request because of an internal error; see its log."
)
BODY_TOO_LARGE = (
    "The request is larger than this server accepts (at most {limit:,} bytes): send the data in "
    "smaller batches, fewer records in each call."
)

CLASSIC_ARMS_EXPORT = "You cannot export arms for classic projects"
CLASSIC_ARMS_IMPORT = "You cannot import arms for classic projects"
CLASSIC_ARMS_DELETE = "You cannot delete arms for classic projects"
CLASSIC_EVENTS_EXPORT = "You cannot export events for classic projects"
CLASSIC_EVENTS_IMPORT = "You cannot import events for classic projects"
CLASSIC_EVENTS_DELETE = "You cannot delete events for classic projects"
CLASSIC_MAPPING_EXPORT = "You cannot export form/event mappings for classic projects"
CLASSIC_MAPPING_IMPORT = "You cannot import form/event mappings for classic projects"
NO_REPEATING = (
    "You cannot export repeating instruments and events because the project does not contain "
    "any repeating instruments and events"
)
ARMS_MISSING_KEYS = (
    "One or more components are missing in your input data. "
    "The following attributes are required: arm_num, name"
)
EVENTS_MISSING_KEYS = (
    "One or more components are missing in your input data. "
    "The following attributes are required: event_name, arm_num"
)
MAPPING_MISSING_KEYS = (
    "One or more components are missing in your input data. "
    "The following attributes are required: arm_num, unique_event_name, form"
)

RECORDS_NOT_ARRAY = (
    "Incorrect format for 'records' parameter. It must be passed as an array, even if it only "
    "contains a single record name."
)
RECORDS_EMPTY = "The 'records' parameter is missing or empty: list at least one record name."
RECORDS_MISSING = (
    "One or more of the records provided cannot be deleted because they do not exist in the "
    "project. The following records do not exist: {records}"
)
BAD_ARM = "The arm provided is not correct for the project."
BAD_EVENT_PARAM = "The event provided is not correct for the project."
BAD_INSTRUMENT_PARAM = "The instrument provided is not correct for the project."
EVENT_REQUIRED = (
    "The 'event' parameter is required when 'instrument' is given in a longitudinal project."
)
BAD_REPEAT_INSTANCE = "The 'repeat_instance' parameter must be a positive integer."

JSON_DATA = (
    "The data being imported is not formatted correctly. PHP error from JSON decoder: {detail}. "
    "The JSON must be in an array, as in [{{ ... }}]."
)
XML_DATA = (
    "The data being imported is not formatted correctly. The XML could not be parsed ({detail}); "
    "it must be in the form <records><item>...</item></records>."
)
CSV_DATA = "The data being imported is not formatted correctly: {detail}."
NO_DATA = "No data was provided: send the 'data' parameter."

BAD_FILTER_LOGIC = "The value of the parameter filterLogic is not valid: {detail}"
BAD_DATE_RANGE = (
    "The value of the parameter {name} is not a valid date/time: use YYYY-MM-DD HH:MM:SS."
)
ONLY_DESCRIPTIVE = (
    "The fields requested are all descriptive fields, which hold no data: request at least one "
    "field that can hold data."
)


def invalid_values(parameter: str, values: Iterable[str]) -> str:
    """REDCap's message for unknown ``fields``, ``forms``, ``events`` or ``arms``.

    REDCap joins the offending values with ``prep_implode``: each quoted, comma-separated.
    """
    listed = ", ".join(f"'{value}'" for value in values)
    return f'The following values in the parameter "{parameter}" are not valid: {listed}'


def import_line(record: str, field: str, value: str, message: str) -> str:
    """One problem in a record import, as REDCap reports it: a CSV-style line."""
    cells = (record, field, value, message)
    return ",".join('"' + cell.replace('"', '""') + '"' for cell in cells)
