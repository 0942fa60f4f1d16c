"""The one catalogue of instrument problems, and the objects that carry them.

Every rule the loader and the checks enforce has an entry here: a stable code that tests assert
on, a severity, a message template and a hint that says how to fix it. A problem always names the
file, the JSON pointer and (when there is one) the field it is about.
"""

from __future__ import annotations

import difflib
from dataclasses import dataclass, field
from enum import Enum
from typing import TYPE_CHECKING, Any, Literal

if TYPE_CHECKING:
    from instruments.model import Instrument

Severity = Literal["error", "warning"]


class ErrorCode(Enum):
    """code, severity, message template, how to fix it."""

    def __init__(self, code: str, severity: Severity, template: str, hint: str) -> None:
        self.code = code
        self.severity = severity
        self.template = template
        self.hint = hint

    # -- reading the file ----------------------------------------------------------------------
    FILE_UNREADABLE = (
        "file-unreadable",
        "error",
        "cannot read the file: {detail}",
        "Check the path and its permissions.",
    )
    JSON_SYNTAX = ("json-syntax", "error", "not valid JSON: {detail}", "Fix the JSON syntax.")
    UNKNOWN_KEY = (
        "unknown-key",
        "error",
        "unknown key '{key}'{suggestion}",
        "Remove the key or correct its spelling; the format is closed.",
    )
    MISSING_KEY = ("missing-key", "error", "required key '{key}' is missing", "Add the key.")
    BAD_VALUE = ("bad-value", "error", "{detail}", "Use a value the format allows.")
    # -- names ---------------------------------------------------------------------------------
    NAME_PATTERN = (
        "name-pattern",
        "error",
        "{what} name '{name}' does not match ^[a-z][a-z0-9_]*$",
        "Use lower-case letters, digits and underscores, starting with a letter.",
    )
    NAME_UNDERSCORES = (
        "name-underscores",
        "error",
        "{what} name '{name}' ends with '_' or contains '___'",
        "REDCap reserves '___' for checkbox columns and rejects a trailing underscore.",
    )
    NAME_TOO_LONG = (
        "name-too-long",
        "error",
        "{what} name '{name}' has {length} characters; the limit is {limit}",
        "Shorten the name.",
    )
    NAME_LONG = (
        "name-long",
        "warning",
        "{what} name '{name}' has {length} characters (over {limit})",
        "REDCap accepts it but warns; shorter names read better in exports.",
    )
    NAME_RESERVED = (
        "name-reserved",
        "error",
        "field name '{name}' is reserved by REDCap",
        "Rename the field.",
    )
    NAME_DUPLICATE = (
        "name-duplicate",
        "error",
        "{what} name '{name}' is used more than once (first at {first})",
        "Names must be unique across the whole project.",
    )
    NAME_CLASHES_FORM = (
        "name-clashes-form",
        "error",
        "field name '{name}' clashes with REDCap's implicit field of form '{form}'",
        "REDCap adds '<form>_complete' and '<form>_timestamp' itself; rename the field.",
    )
    # -- forms and the record id ---------------------------------------------------------------
    FORM_UNKNOWN = (
        "form-unknown",
        "error",
        "form '{form}' is not declared{suggestion}",
        "Declare it under /forms or use a declared form.",
    )
    FORM_MISSING = (
        "form-missing",
        "error",
        "field has no form and the instrument declares {count} forms",
        "Give the field a 'form'; it may be left out only when there is exactly one form.",
    )
    FORM_EMPTY = (
        "form-empty",
        "error",
        "form '{form}' has no fields",
        "Add fields or drop the form.",
    )
    FORM_NOT_CONTIGUOUS = (
        "form-not-contiguous",
        "error",
        "form '{form}' reappears after form '{other}'; a form's fields must be contiguous",
        "Move the field next to the other fields of its form.",
    )
    RECORD_ID_NOT_FIRST = (
        "record-id-not-first",
        "error",
        "the record-id field '{name}' must be the first field, but the first is '{first}'",
        "REDCap takes the first field as the record id; move it to the top.",
    )
    RECORD_ID_TYPE = (
        "record-id-type",
        "error",
        "the record-id field must be a plain text field without {what}",
        "REDCap forces the record id to text; remove the setting.",
    )
    # -- choices -------------------------------------------------------------------------------
    CHOICES_MISSING = (
        "choices-missing",
        "error",
        "a {type} field needs choices",
        "Add 'choices'.",
    )
    CHOICES_NOT_ALLOWED = (
        "choices-not-allowed",
        "error",
        "a {type} field takes no choices",
        "Remove 'choices' or change the field type.",
    )
    CHOICE_CODE_DUPLICATE = (
        "choice-code-duplicate",
        "error",
        "choice code '{code}' is used more than once",
        "Give each choice its own code.",
    )
    CHOICE_CODE_INVALID = (
        "choice-code-invalid",
        "error",
        "choice code '{code}' is not a number and not made of letters, digits, '.', '_', '-'",
        "Use a numeric or plain alphanumeric code.",
    )
    CHOICE_COLUMN_CLASH = (
        "choice-column-clash",
        "error",
        "checkbox codes '{code}' and '{other}' both export as column '{column}'",
        "REDCap maps '-' and '.' to '_' in checkbox columns; make the codes distinct after that.",
    )
    CHOICE_LABEL_DUPLICATE = (
        "choice-label-duplicate",
        "warning",
        "choice label '{label}' is used more than once",
        "Respondents cannot tell the options apart; reword one.",
    )
    # -- text validation and sliders -----------------------------------------------------------
    VALIDATION_UNKNOWN = (
        "validation-unknown",
        "error",
        "unknown validation type '{type}'{suggestion}",
        "Use one of REDCap's validation types.",
    )
    VALIDATION_FIELD_TYPE = (
        "validation-field-type",
        "error",
        "validation type '{validation}' cannot be used on a {type} field",
        "Text fields take any validation type, dropdowns 'autocomplete', file fields "
        "'signature'; a slider's range and number display go under 'slider'.",
    )
    VALIDATION_BOUND_FORMAT = (
        "validation-bound-format",
        "error",
        "{bound} '{value}' is not a valid {validation} value",
        "Write the bound in the validation type's own format (dates as YYYY-MM-DD, or in the "
        "field's own order, which REDCap stores as YYYY-MM-DD).",
    )
    VALIDATION_BOUND_REWRITTEN = (
        "validation-bound-rewritten",
        "warning",
        "{bound} '{value}' is stored as REDCap stores it, '{stored}'",
        "REDCap stores a date bound as YYYY-MM-DD whatever the field's order (redcap-api.md "
        "§4.4); write it that way to keep the file as REDCap has it.",
    )
    VALIDATION_BOUND_WITHOUT_TYPE = (
        "validation-bound-without-type",
        "error",
        "min/max need a validation type that has an order ('{validation}' has none)",
        "Use a numeric, date or time validation type, or drop min/max.",
    )
    VALIDATION_MIN_ABOVE_MAX = (
        "validation-min-above-max",
        "error",
        "min '{min}' is greater than max '{max}'",
        "Swap or correct the bounds.",
    )
    SETTING_NOT_ALLOWED = (
        "setting-not-allowed",
        "error",
        "a {type} field takes no '{key}'",
        "Remove the key or change the field type.",
    )
    SLIDER_BOUND = (
        "slider-bound",
        "error",
        "slider {bound} '{value}' is not an integer",
        "REDCap accepts only integer slider bounds.",
    )
    # -- calculations --------------------------------------------------------------------------
    CALC_MISSING = (
        "calc-missing",
        "error",
        "a calc field needs a calculation",
        "Add 'calculation'.",
    )
    CALC_NOT_ALLOWED = (
        "calc-not-allowed",
        "error",
        "a {type} field takes no calculation",
        "Only calc fields have a calculation; use @CALCTEXT in 'annotation' for text.",
    )
    CALC_CYCLE = (
        "calc-cycle",
        "error",
        "calculated fields depend on each other in a cycle: {cycle}",
        "Break the cycle: a calculation cannot use its own result.",
    )
    CALC_TEXT_FUNCTION = (
        "calc-text-function",
        "error",
        "function {function}() cannot be used in a calc field",
        "REDCap allows text functions only in branching logic and @CALCTEXT.",
    )
    # -- logic ---------------------------------------------------------------------------------
    LOGIC_SYNTAX = ("logic-syntax", "error", "{where}: {detail}", "Correct the expression.")
    LOGIC_TOO_DEEP = (
        "logic-too-deep",
        "error",
        "{where}: {detail}",
        "Logic this deep is refused before anything evaluates it; simplify or split it.",
    )
    LOGIC_UNKNOWN_FUNCTION = (
        "logic-unknown-function",
        "error",
        "{where}: {detail}",
        "Use a function REDCap knows.",
    )
    LOGIC_SMART_VARIABLE = (
        "logic-smart-variable",
        "error",
        "{where}: {detail}",
        "qiscan evaluates logic itself and cannot resolve this smart variable; use field values.",
    )
    LOGIC_UNKNOWN_FIELD = (
        "logic-unknown-field",
        "error",
        "unknown field [{name}] in {where}.{suggestion}",
        "Reference a field that exists in the instrument.",
    )
    LOGIC_NOT_CHECKBOX = (
        "logic-not-checkbox",
        "error",
        "[{name}({code})] in {where}: '{name}' is not a checkbox",
        "Only checkbox fields take an option code in brackets; compare the value instead.",
    )
    LOGIC_UNKNOWN_CODE = (
        "logic-unknown-code",
        "error",
        "[{name}({code})] in {where}: checkbox '{name}' has no option '{code}'{suggestion}",
        "Use one of the checkbox's option codes.",
    )
    LOGIC_UNKNOWN_EVENT = (
        "logic-unknown-event",
        "error",
        "unknown event [{event}] in {where}{suggestion}",
        "Use the unique name of an event the instrument's waves or structure declare.",
    )
    # -- layout, matrices ----------------------------------------------------------------------
    MATRIX_FIELD_TYPE = (
        "matrix-field-type",
        "error",
        "matrix group '{group}' holds a {type} field",
        "Matrix groups hold only radio or checkbox fields.",
    )
    MATRIX_MIXED = (
        "matrix-mixed",
        "error",
        "matrix group '{group}' mixes {what} (first field '{first}')",
        "All fields of a matrix group share one field type, one set of choices and one ranking.",
    )
    MATRIX_NOT_CONTIGUOUS = (
        "matrix-not-contiguous",
        "error",
        "matrix group '{group}' is split by other fields",
        "Keep the fields of a matrix group together.",
    )
    REQUIRED_IGNORED = (
        "required-ignored",
        "warning",
        "'required' has no effect on a {type} field",
        "REDCap drops the flag on descriptive fields; remove it.",
    )
    # -- instrument-level declarations ----------------------------------------------------------
    REFERENCE_UNKNOWN_FIELD = (
        "reference-unknown-field",
        "error",
        "{what} names field '{name}', which does not exist{suggestion}",
        "Name a field of the instrument.",
    )
    DOMAIN_UNKNOWN = (
        "domain-unknown",
        "error",
        "domain '{domain}' is not declared{suggestion}",
        "Declare it under /domains.",
    )
    DOMAIN_DUPLICATE = (
        "domain-duplicate",
        "error",
        "domain '{domain}' is declared twice",
        "Merge them.",
    )
    MISSING_CODE_DUPLICATE = (
        "missing-code-duplicate",
        "error",
        "missing-data code '{code}' is declared twice",
        "Drop one.",
    )
    MISSING_CODE_INVALID = (
        "missing-code-invalid",
        "error",
        "missing-data code '{code}' must be letters, digits, '.', '_' or '-'",
        "REDCap stores missing-data codes as literal values; keep them plain.",
    )
    MISSING_CODE_CLASH = (
        "missing-code-clash",
        "error",
        "missing-data code '{code}' is also a choice code of this field",
        "A missing-data code must never be a real answer; change the choice code.",
    )
    # -- scales --------------------------------------------------------------------------------
    SCALE_DUPLICATE = (
        "scale-duplicate",
        "error",
        "scale name '{name}' is used twice",
        "Rename one.",
    )
    SCALE_ITEM_UNKNOWN = (
        "scale-item-unknown",
        "error",
        "scale '{scale}' lists item '{item}', which does not exist{suggestion}",
        "List fields of the instrument.",
    )
    SCALE_ITEM_DUPLICATE = (
        "scale-item-duplicate",
        "error",
        "scale '{scale}' lists item '{item}' twice",
        "List it once.",
    )
    SCALE_ITEM_NOT_NUMERIC = (
        "scale-item-not-numeric",
        "error",
        "item '{item}' of scale '{scale}' is not numerically coded ({why})",
        "Scale items need numeric choice codes, or integer/number validation.",
    )
    SCALE_REVERSE_NOT_ITEM = (
        "scale-reverse-not-item",
        "error",
        "reverse-keyed '{item}' is not an item of scale '{scale}'",
        "List the field under 'items' too, or drop it from 'reverse'.",
    )
    SCALE_RANGE_UNKNOWN = (
        "scale-range-unknown",
        "error",
        "scale '{scale}' needs the item range: {why}",
        "Give 'item_range': [min, max].",
    )
    SCALE_RANGE_MISMATCH = (
        "scale-range-mismatch",
        "warning",
        "item '{item}' of scale '{scale}' has codes {low}..{high} outside item_range {range}",
        "Make item_range match the items' codes.",
    )
    SCALE_MIN_ANSWERED = (
        "scale-min-answered",
        "error",
        "scale '{scale}' requires {required} answered items but has only {count}",
        "Lower 'min_answered'.",
    )
    SCALE_PART_UNKNOWN = (
        "scale-part-unknown",
        "error",
        "composite '{scale}' uses '{part}', which is not a scale{suggestion}",
        "Name scales or composites declared in the instrument.",
    )
    SCALE_CYCLE = (
        "scale-cycle",
        "error",
        "composites contain themselves: {cycle}",
        "Break the cycle.",
    )
    SCALE_EMPTY = (
        "scale-empty",
        "error",
        "scale '{scale}' has no {what}",
        "Give it items (or scales).",
    )
    SCORE_FIELD_TYPE = (
        "score-field-type",
        "error",
        "score field '{name}' of '{scale}' must be a text field with number validation",
        "Declare it as a text field with 'validation': {{'type': 'number'}}.",
    )
    SCORE_FIELD_SHARED = (
        "score-field-shared",
        "error",
        "score field '{name}' is used by both '{scale}' and '{other}'",
        "Give each scale its own score field.",
    )
    BANDS_ORDER = (
        "bands-order",
        "error",
        "band '{label}' has min {min} not below max {max}",
        "Each band runs from a lower min to a higher max.",
    )
    BANDS_GAP = (
        "bands-gap",
        "error",
        "bands leave a gap between {low} and {high}",
        "Let each band start where the previous one ends.",
    )
    BANDS_OVERLAP = (
        "bands-overlap",
        "error",
        "bands overlap between {low} and {high}",
        "Let each band start where the previous one ends.",
    )
    BANDS_COVERAGE = (
        "bands-coverage",
        "error",
        "bands cover {low}..{high} but the score runs {min}..{max}",
        "The first band starts at the score's minimum and the last ends at its maximum.",
    )
    # -- waves ---------------------------------------------------------------------------------
    WAVES_EVENTS = (
        "waves-events",
        "error",
        "{detail}",
        "Events mode lists events; repeating mode names 'form' and 'date_field'.",
    )
    WAVES_EVENT_DUPLICATE = (
        "waves-event-duplicate",
        "error",
        "wave {what} '{name}' is used twice",
        "Make it unique.",
    )
    WAVES_LABEL_TOO_LONG = (
        "waves-label-too-long",
        "error",
        "event label '{label}' has {length} characters; REDCap allows 30",
        "Shorten the label.",
    )
    WAVES_ORDER = (
        "waves-order",
        "error",
        "wave '{name}' at month {month} does not come after month {previous}",
        "List waves in time order with increasing months.",
    )
    WAVES_DATE_FIELD = (
        "waves-date-field",
        "error",
        "assessment-date field '{name}' {why}",
        "Use a date-validated text field on the repeating form.",
    )
    WAVES_UNKNOWN_EVENT = (
        "waves-unknown-event",
        "error",
        "wave '{name}' is event [{event}], which {where}{suggestion}",
        "Name an event of /structure, or give the wave a label REDCap turns into one.",
    )
    WAVES_FORM_NOT_ON_EVENT = (
        "waves-form-not-on-event",
        "error",
        "wave '{name}' lists form '{form}', which /structure does not designate for [{event}]",
        "List only forms the structure's event holds, or add the form to that event.",
    )
    WAVES_EVENT_REPEATS = (
        "waves-event-repeats",
        "error",
        "wave '{name}' is event [{event}], where {what}; a wave holds one assessment per record",
        "Make waves of events that do not repeat, list only the event's forms that do not "
        "repeat, or use repeating waves.",
    )
    WAVES_NOT_REPEATING = (
        "waves-not-repeating",
        "error",
        "waves are instances of form '{form}', which /structure does not make repeat",
        "Add the form to /structure/repeating, or drop /structure.",
    )
    # -- project structure (arms, events, repeating settings) ----------------------------------
    STRUCTURE_ARM_DUPLICATE = (
        "structure-arm-duplicate",
        "error",
        "arm {number} is listed twice",
        "Give each arm its own number.",
    )
    STRUCTURE_ARM_NAME = (
        "structure-arm-name",
        "error",
        "arm {number}'s name '{name}' {why}",
        "REDCap takes an arm name of 1 to 50 characters.",
    )
    STRUCTURE_ARM_UNKNOWN = (
        "structure-arm-unknown",
        "error",
        "event [{event}] is in arm {arm}, which /structure/arms does not list",
        "List the arm in /structure/arms, or put the event in one that is listed.",
    )
    STRUCTURE_ARM_EMPTY = (
        "structure-arm-empty",
        "error",
        "arm {number} has no event",
        "REDCap gives every arm at least one event: add one, or remove the arm.",
    )
    STRUCTURE_EVENT_DUPLICATE = (
        "structure-event-duplicate",
        "error",
        "unique event name '{name}' is used twice",
        "Give each event its own label, which gives it its own unique name.",
    )
    STRUCTURE_EVENT_NAME = (
        "structure-event-name",
        "error",
        "event [{name}] is labelled '{label}' in arm {arm}, which REDCap names [{expected}]",
        "REDCap names a new event from its label and arm: use the name it gives, or a label "
        "that gives this name.",
    )
    STRUCTURE_REPEAT = (
        "structure-repeat",
        "error",
        "{detail}",
        "A repeating form names an event it is designated for (none in a classic project); a "
        "repeating event names no form and holds no repeating form.",
    )
    STRUCTURE_FORM_UNPLACED = (
        "structure-form-unplaced",
        "warning",
        "form '{form}' is designated for no event of /structure",
        "In a longitudinal project a form collects data only on the events it is designated "
        "for; add it to an event's forms.",
    )
    CODING_MISSING = (
        "coding-missing",
        "error",
        "a coding instrument needs a 'coding' block",
        "Name the unit field, the coder field and the code fields coders are compared on.",
    )
    CODING_NOT_CATEGORICAL = (
        "coding-not-categorical",
        "error",
        "code field '{name}' is a {type} field; agreement needs categories",
        "Compare coders on radio, dropdown, checkbox, yes/no or true/false fields.",
    )
    # -- usefulness ----------------------------------------------------------------------------
    FIELD_UNUSED = (
        "field-unused",
        "warning",
        "field is used by no scale, domain or grouping key",
        "Give it a 'domain' so reports show it, or list it in a scale.",
    )
    # -- languages and survey settings ---------------------------------------------------------
    TRANSLATION_MISSING = (
        "translation-missing",
        "warning",
        "no '{language}' translation of {what}",
        "Add it under /translations; until then the primary-language text is shown.",
    )
    TRANSLATION_UNKNOWN = (
        "translation-unknown",
        "error",
        "the '{language}' translation names {what} '{name}', which does not exist{suggestion}",
        "Translate only what the instrument declares, under the same names and codes.",
    )
    TRANSLATION_EXTRA = (
        "translation-extra",
        "error",
        "the '{language}' translation gives {what}, which has no primary-language text",
        "Remove it, or write the primary-language text first.",
    )
    TRANSLATION_PRIMARY = (
        "translation-primary",
        "error",
        "'{language}' is the instrument's primary language and takes no translation",
        "Translate into other languages; the primary texts are the instrument's own.",
    )
    SURVEY_SETTINGS_NOT_SURVEY = (
        "survey-settings-not-survey",
        "error",
        "form '{form}' is not a survey but has {what}",
        'Set "survey": true on the form, or remove the survey texts.',
    )
    # -- several instruments in one project ----------------------------------------------------
    PROJECT_RECORD_ID = (
        "project-record-id",
        "error",
        "instrument '{instrument}' uses record id '{name}' but the project uses '{expected}'",
        "Instruments compiled into one project share one record-id field.",
    )
    PROJECT_STRUCTURE = (
        "project-structure",
        "error",
        "{what} differs from instrument '{other}''s: {mine} against {theirs}",
        "Instruments in one project state each arm, event and repeating setting alike.",
    )


@dataclass(frozen=True)
class Problem:
    """One broken rule: what, where, and how to fix it."""

    code: ErrorCode
    message: str
    file: str = "<memory>"
    pointer: str = ""
    field: str = ""

    @property
    def severity(self) -> Severity:
        return self.code.severity

    @property
    def hint(self) -> str:
        return self.code.hint

    def __str__(self) -> str:
        where = f"[{self.file} {self.pointer or '/'}]"
        about = f" field '{self.field}':" if self.field else ""
        stop = "" if self.message.endswith(("?", ".")) else "."
        return f"{where}{about} {self.message}{stop} {self.hint} ({self.code.code})"

    def as_dict(self) -> dict[str, Any]:
        """The problem as JSON for ``--json`` output and the API."""
        return {
            "code": self.code.code,
            "severity": self.severity,
            "file": self.file,
            "pointer": self.pointer,
            "field": self.field,
            "message": self.message,
            "hint": self.hint,
        }


def problem(
    rule: ErrorCode,
    /,
    *,
    file: str = "<memory>",
    pointer: str = "",
    field: str = "",
    **values: Any,
) -> Problem:
    """A problem breaking ``rule``, its message filled in from ``values``."""
    return Problem(rule, rule.template.format(**values), file, pointer, field)


def pointer_token(key: Any) -> str:
    """A name as one step of a JSON pointer (RFC 6901: ``~`` as ``~0``, ``/`` as ``~1``)."""
    return str(key).replace("~", "~0").replace("/", "~1")


def did_you_mean(word: str, candidates: Any, *, brackets: bool = False) -> str:
    """A ' Did you mean ...?' suffix for the closest candidate, or ''."""
    close = difflib.get_close_matches(word, list(candidates), n=1, cutoff=0.6)
    if not close:
        return ""
    shown = f"[{close[0]}]" if brackets else f"'{close[0]}'"
    return f". Did you mean {shown}?"


@dataclass
class ValidationResult:
    """The outcome of loading and checking an instrument: the instrument (when it could be read)
    and every problem found, errors and warnings alike."""

    instrument: Instrument | None
    problems: list[Problem] = field(default_factory=list)

    @property
    def errors(self) -> list[Problem]:
        return [p for p in self.problems if p.severity == "error"]

    @property
    def warnings(self) -> list[Problem]:
        return [p for p in self.problems if p.severity == "warning"]

    @property
    def ok(self) -> bool:
        """True when no problem is an error; warnings do not count."""
        return not self.errors

    def codes(self) -> list[str]:
        """The error codes of the problems, in order."""
        return [p.code.code for p in self.problems]

    def unwrap(self) -> Instrument:
        """The instrument, or InstrumentError listing every error."""
        if self.errors or self.instrument is None:
            raise InstrumentError(self.errors)
        return self.instrument


class InstrumentError(ValueError):
    """Raised once, after every problem has been collected."""

    def __init__(self, problems: list[Problem]) -> None:
        self.problems = problems
        lines = "\n".join(f"  {p}" for p in problems)
        super().__init__(f"{len(problems)} problem(s) in the instrument:\n{lines}")
