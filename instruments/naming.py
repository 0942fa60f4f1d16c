"""REDCap's naming rules, written once: field and form names, checkbox columns, unique event names.

Every rule here mirrors what REDCap itself does on metadata import or data export, so that the
compiler, the logic engine and localcap agree on the names REDCap produces.
"""

from __future__ import annotations

import hashlib
import re

NAME_PATTERN = re.compile(r"^[a-z][a-z0-9_]*$")
FIELD_NAME_MAX = 100
FIELD_NAME_SOFT_MAX = 26
FORM_NAME_MAX = 64
FORM_NAME_SOFT_MAX = 50
MATRIX_GROUP_MAX = 60
EVENT_LABEL_MAX = 30
CHOICE_CODE_PATTERN = re.compile(r"^-?\d+(\.\d+)?$|^[A-Za-z0-9._-]+$")

RESERVED_FIELD_NAMES = frozenset(
    """redcap_event_name redcap_csrf_token redcap_survey_timestamp redcap_survey_identifier
    redcap_survey_return_code redcap_data_access_group hidden_edit_flag instance
    redcap_repeat_instance redcap_repeat_instrument submit new return continue case switch class
    enum catch throw document super focus elements action event_id target field_label""".split()
)


def checkbox_column(field: str, code: str) -> str:
    """The export column REDCap writes for one checkbox option: ``field___code``.

    REDCap lowercases the code, turns ``-`` and ``.`` into ``_`` and drops anything outside
    ``[a-z0-9_]``, so code ``-1`` becomes ``field____1``.
    """
    suffix = code.lower().replace("-", "_").replace(".", "_")
    suffix = re.sub(r"[^a-z0-9_]", "", suffix)
    return f"{field}___{suffix}"


def complete_field(form: str) -> str:
    """The implicit form-status field REDCap adds after the last field of every form."""
    return f"{form}_complete"


def survey_timestamp(form: str) -> str:
    """The survey pseudo-field REDCap exports (``exportSurveyFields``) before a survey form's
    first field: the completion time, or ``[not completed]`` for a partial response."""
    return f"{form}_timestamp"


def unique_event_name(label: str, arm: int, taken: set[str] | frozenset[str] = frozenset()) -> str:
    """The unique event name REDCap derives from an event label in an arm.

    Keep ``[0-9A-Za-z_ ]``, spaces to ``_``, the first 18 characters lowercased, strip ``_`` at
    both ends (md5 of the label when nothing is left), append ``_arm_<n>``, and on a clash append
    ``b``, ``c``, ... before the arm suffix.
    """
    stem = re.sub(r"[^0-9A-Za-z_ ]", "", label).replace(" ", "_")[:18].lower().strip("_")
    if not stem:
        stem = hashlib.md5(label.encode("utf-8")).hexdigest()[:10]  # noqa: S324 - REDCap's own rule
    name = f"{stem}_arm_{arm}"
    for suffix in _clash_suffixes():
        if name not in taken:
            return name
        name = f"{stem}{suffix}_arm_{arm}"
    raise AssertionError("unreachable: clash suffixes are unbounded")


def _clash_suffixes():
    letters = "bcdefghijklmnopqrstuvwxyz"
    yield from letters
    for first in letters:
        for second in "abcdefghijklmnopqrstuvwxyz":
            yield first + second
