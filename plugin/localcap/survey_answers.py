"""What is wrong with a respondent's answers, in the respondent's words.

The survey page checks each answer before anything is stored: a required question left blank,
a value that is not of its field's validation type, a value outside its minimum or maximum, an
answer longer than REDCap keeps, and the action tags' limits (``action_tags``). Each problem is
one sentence for the question's side, in the page's language ("Enter a whole number, for example
12."), never REDCap's API wording ("The value of qi_projects_3y must be an integer"). The
record import behind the page checks again and stays the authority; its refusals are read back
per field by ``survey_checks.by_field``.

A value outside its minimum or maximum is only a warning in REDCap's API import (and a pop-up
REDCap's own page lets the respondent dismiss); a survey page here refuses it, so a stored
answer is always one the question allows.
"""

from __future__ import annotations

import re

from instruments.model import SINGLE_CHOICE_TYPES
from instruments.validation_types import ValidationType, lookup, order_key, parse_value
from plugin.localcap.action_tags import answered, tag_errors
from plugin.localcap.import_values import EMAIL
from plugin.localcap.project import Field
from plugin.localcap.survey_guard import MAX_ANSWER_BYTES

_MDY_DMY = re.compile(r"^(\d{1,2})[-/.](\d{1,2})[-/.](\d{4})(.*)$")
_EXAMPLES = {1: "2.5", 2: "2.50", 3: "2.500", 4: "2.5000"}
_PLACES = re.compile(r"^number_(\d)dp")


def date_order(item: Field) -> str:
    """The order a date or date-time field shows its dates in (``ymd``, ``mdy``, ``dmy``);
    "" for any other field."""
    kind = lookup(item.validation)
    if kind is None or kind.family not in ("date", "datetime"):
        return ""
    return item.validation.rsplit("_", 1)[-1]


def normalised(item: Field, text: str) -> str:
    """An answer as stored: a browser's date-time (``2026-03-31T14:30``) with a space, a date
    typed in the field's own order (``03-31-2026`` on ``date_mdy``) as year-month-day."""
    text = text.strip()
    order = date_order(item)
    if not order:
        return text
    text = text.replace("T", " ", 1)
    typed = _MDY_DMY.match(text)
    if typed is None or order not in ("mdy", "dmy"):
        return text
    first, second, year, rest = typed.groups()
    month, day = (first, second) if order == "mdy" else (second, first)
    return f"{year}-{int(month):02d}-{int(day):02d}{rest}"


def value_problem(item: Field, value: str, say: dict[str, str]) -> str | None:
    """The sentence for a value its question does not allow; None when it is allowed."""
    if not value:
        return None
    if len(value.encode("utf-8", errors="surrogatepass")) > MAX_ANSWER_BYTES:
        return say["too_long"].format(limit=f"{MAX_ANSWER_BYTES:,}")
    if item.field_type in SINGLE_CHOICE_TYPES:
        return None if value in item.labels else say["choose_option"]
    if item.field_type == "slider":
        low = item.row.get("text_validation_min") or "0"
        high = item.row.get("text_validation_max") or "100"
        return _bounded(lookup("integer"), value, low, high, say, say["whole_number"])
    kind = lookup(item.validation) if item.field_type == "text" else None
    if kind is None:
        if item.validation == "email" and not EMAIL.match(value):
            return say["email"]
        return None
    low = item.row.get("text_validation_min", "")
    high = item.row.get("text_validation_max", "")
    return _bounded(kind, value, low, high, say, _type_message(kind.name, kind.family, say))


def _type_message(name: str, family: str, say: dict[str, str]) -> str:
    places = _PLACES.match(name)
    if places is not None:
        count = int(places.group(1))
        return say["decimals"].format(places=count, example=_EXAMPLES.get(count, "2.5"))
    if family == "time":
        return say.get(
            {"time_hh_mm_ss": "time_seconds", "time_mm_ss": "minutes_seconds"}.get(name, "time"),
            say["time"],
        )
    key = {"integer": "whole_number", "number": "number", "date": "date", "datetime": "datetime"}
    return say.get(key.get(family, ""), say["number"])


def _bounded(
    kind: ValidationType | None, value: str, low: str, high: str, say: dict[str, str], wrong: str
) -> str | None:
    if kind is None or kind.family == "text":
        return None
    parsed = parse_value(kind, value)
    places = _PLACES.match(kind.name)
    if parsed is None or (places and len(value.partition(".")[2]) != int(places.group(1))):
        return wrong
    lower = parse_value(kind, low) if low else None
    upper = parse_value(kind, high) if high else None
    at = order_key(parsed)
    if (lower is not None and at < order_key(lower)) or (
        upper is not None and at > order_key(upper)
    ):
        if lower is not None and upper is not None:
            return say["between"].format(low=low, high=high)
        if lower is not None:
            return say["at_least"].format(low=low)
        return say["at_most"].format(high=high)
    return None


def page_problems(
    questions: list[Field],
    values: dict[str, str],
    stored: dict[str, str],
    shown: set[str],
    say: dict[str, str],
    *,
    required: bool = True,
) -> dict[str, str]:
    """Field -> the sentence for each question of a page whose answer cannot be taken.

    Only questions branching shows are checked (a hidden one is erased anyway); with
    ``required`` false (Save & Return) a blank required answer is allowed.
    """
    problems: dict[str, str] = {}
    for item in questions:
        if item.name not in shown:
            continue
        if not answered(item, values):
            if required and item.required:
                problems[item.name] = say["needs_answer"]
            continue
        if not item.is_checkbox:
            found = value_problem(item, values.get(item.name, ""), say)
            if found:
                problems[item.name] = found
    for name, why in tag_errors(
        [item for item in questions if item.name in shown], values, stored, say
    ).items():
        problems.setdefault(name, why)
    return problems
