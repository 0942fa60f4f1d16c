"""REDCap's action tags on localcap's survey pages: which questions a respondent sees and may
change, what a new response starts with, and which answers the tags refuse.

The tags are read by ``instruments.action_tags`` (REDCap's syntax and quirks, written once) and
applied here as REDCap's survey page applies them, per field type:

- ``@HIDDEN`` and ``@HIDDEN-SURVEY`` hide a question on the survey page, whatever branching
  logic says; ``@READONLY`` and ``@READONLY-SURVEY`` show it without letting it change. The
  server keeps the stored value of every such question (``kept_readonly``): a value posted for a
  question the respondent cannot see or change is not theirs to give.
- ``@DEFAULT`` fills a question when the page opens on a response with nothing stored yet
  (REDCap: "a survey page [that] has not had any data entered yet"); a checkbox default lists
  codes (``'1,3'`` ticks ``name___1`` and ``name___3``). Piping inside a default is not done.
- ``@NONEOFTHEABOVE`` (checkbox only) refuses a "none" option ticked with any other option;
  ``@CHARLIMIT`` (text and notes only) refuses a longer answer. REDCap's page enforces both in
  the browser; here the server does, as it must. An answer the respondent left as it was stored
  (an invitation's value, an import) is not refused: REDCap applies neither tag to imports.
- ``@PLACEHOLDER`` (text and notes only) is the hint shown inside an empty box.

Values are the page's flat row: every field's raw value as text, each checkbox option a column
``name___code`` holding "1" or "0" (``instruments.naming.checkbox_column``).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import replace

from instruments.action_tags import Tags, parse
from instruments.labels import plain_text
from instruments.naming import checkbox_column
from plugin.localcap.project import Field
from plugin.localcap.survey_checks import ANSWERED_TYPES
from plugin.localcap.survey_words import words

__all__ = ["Tags", "defaults", "kept_readonly", "on_survey", "tag_errors", "tags"]

TYPED = frozenset({"text", "notes"})  # the boxes @CHARLIMIT and @PLACEHOLDER apply to


def tags(field: Field) -> Tags:
    """The action tags REDCap applies to ``field`` on a survey page: those of its annotation,
    less the ones its type does not take (a limit on a radio, "none" codes on a dropdown)."""
    found = parse(field.row.get("field_annotation", ""))
    if not found.charlimit and not found.placeholder and not found.none_of_above:
        return found
    typed = field.field_type in TYPED
    return replace(
        found,
        charlimit=found.charlimit if typed else None,
        placeholder=found.placeholder if typed else "",
        none_of_above=tuple(code for code in found.none_of_above if code in field.labels)
        if field.is_checkbox
        else (),
    )


def on_survey(field: Field) -> bool:
    """Whether the survey page shows ``field`` at all (branching logic aside)."""
    found = tags(field)
    return not (found.hidden or found.hidden_survey)


def changeable(field: Field) -> bool:
    """Whether a respondent can give ``field`` a value on the survey page."""
    return on_survey(field) and not tags(field).readonly


def answered(field: Field, values: dict[str, str]) -> bool:
    """Whether ``values`` answer ``field``: an option ticked, or a value that is not blank."""
    if field.is_checkbox:
        return any(values.get(column) == "1" for column in field.export_columns())
    return bool(values.get(field.name, "").strip())


def defaults(fields: Iterable[Field], stored_values: dict[str, str]) -> dict[str, str]:
    """The ``@DEFAULT`` values to put on a new response's page: column -> value, for a response
    with nothing stored yet among ``fields`` (the page's questions); empty once anything is.

    A choice default that is not one of the field's codes is left out (REDCap's page has no
    option to select for it). Only the ticked columns of a checkbox default are given.
    """
    fields = list(fields)
    if any(answered(item, stored_values) for item in fields if not item.status):
        return {}
    found: dict[str, str] = {}
    for item in fields:
        default = tags(item).default
        if not default or item.status or item.field_type not in ANSWERED_TYPES:
            continue
        if item.is_checkbox:
            for code in (code.strip() for code in default.split(",")):
                if code in item.labels:
                    found[checkbox_column(item.name, code)] = "1"
        elif not item.labels or default in item.labels:
            found[item.name] = default
    return found


def kept_readonly(
    fields: Iterable[Field], values: dict[str, str], stored: dict[str, str]
) -> dict[str, str]:
    """``values`` with each question the respondent cannot change (``@READONLY``,
    ``@READONLY-SURVEY``) or cannot see (``@HIDDEN``, ``@HIDDEN-SURVEY``) reset to what the page
    started from: its stored value, or its ``@DEFAULT`` on a response with nothing stored yet."""
    fields = list(fields)
    start = {**stored, **defaults(fields, stored)}
    kept = dict(values)
    for item in fields:
        if item.status or changeable(item):
            continue
        for column in item.export_columns():
            if item.is_checkbox:
                kept[column] = "1" if start.get(column) == "1" else "0"
            else:
                kept[column] = start.get(column, "")
    return kept


def tag_errors(
    fields: Iterable[Field],
    values: dict[str, str],
    stored: dict[str, str],
    say: Mapping[str, str] | None = None,
) -> dict[str, str]:
    """Field name -> message for each answer ``@CHARLIMIT`` or ``@NONEOFTHEABOVE`` refuses, in
    the page's words ``say`` (``survey_words.words(language)``; English when not given).
    Questions the respondent cannot change are not checked, nor an answer left as stored."""
    said = say if say is not None else words("en")
    errors: dict[str, str] = {}
    for item in fields:
        if item.status or not changeable(item):
            continue
        found = tags(item)
        if found.charlimit is not None and item.name in values:
            value = values[item.name]
            count = characters(value)
            if count > found.charlimit and value != stored.get(item.name, ""):
                errors[item.name] = said["charlimit"].format(limit=found.charlimit, count=count)
        if found.none_of_above:
            ticked = [
                code
                for code, _ in item.choices
                if values.get(checkbox_column(item.name, code)) == "1"
            ]
            nones = [code for code in ticked if code in found.none_of_above]
            before = [
                code
                for code, _ in item.choices
                if stored.get(checkbox_column(item.name, code)) == "1"
            ]
            if nones and len(ticked) > 1 and ticked != before:
                label = plain_text(item.labels[nones[0]])
                errors[item.name] = said["none_of_above"].format(label=label)
    return errors


def characters(value: str) -> int:
    """An answer's length as the page counts it: a line break is one character (a browser
    posts a textarea's breaks as CR LF, and counts each as one)."""
    return len(value.replace("\r\n", "\n"))
