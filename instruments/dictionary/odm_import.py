"""Import a whole REDCap project XML into the instrument JSON format.

The fields come through the same import as a data dictionary's rows, so both give the same
instrument for the same project. The project XML adds what a dictionary cannot say: form labels,
survey settings, arms and events with their forms, repeating settings (kept as the format's
``structure``, as REDCap holds them), arm 1's events as waves, and missing-data codes. A form
with no fields is left out with a warning, as REDCap's dictionary cannot hold it, and so is
project content that is no part of an instrument (records, user roles, reports).
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

from instruments import validation_types
from instruments.dictionary.events import event_waves, label_for
from instruments.dictionary.importer import (
    ImportResult,
    identifier,
    instrument_data,
    read_source,
)
from instruments.dictionary.odm_read import ProjectXml, ProjectXmlError, read_project_xml
from instruments.dictionary.structure import whole_days
from instruments.naming import unique_event_name

__all__ = ["ProjectXmlError", "import_project_xml", "is_project_xml"]

_EXPIRATION = re.compile(r"^(\d{4}-\d{2}-\d{2} \d{2}:\d{2})(:\d{2})?$")
# REDCap suggests HL7 null flavours as missing-data codes; what each stands for in qiscan
MEANINGS = {
    "NA": "not_applicable",
    "UNK": "dont_know",
    "ASKU": "dont_know",
    "NASK": "not_asked",
    "REF": "refused",
    "RF": "refused",
}
LABEL_MEANINGS = (
    ("refus", "refused"),
    ("declin", "refused"),
    ("not applicable", "not_applicable"),
    ("not asked", "not_asked"),
    ("know", "dont_know"),
    ("unknown", "dont_know"),
)


def is_project_xml(raw: bytes) -> bool:
    """Whether a file's bytes look like XML rather than a CSV dictionary."""
    head = raw[:512].lstrip(b"\xef\xbb\xbf \t\r\n")
    return head.startswith(b"<")


def import_project_xml(
    source: str | Path | bytes,
    *,
    instrument_id: str | None = None,
    title: str | None = None,
    kind: str = "survey",
    respondent: str = "",
    version: str = "0.1.0",
    file: str | None = None,
) -> ImportResult:
    """Convert a project XML (a path, or the file's bytes) into instrument data."""
    raw, file, stem = read_source(source, file)
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise ProjectXmlError(f"[{file}] is not UTF-8 text (byte {exc.start})") from None
    project = read_project_xml(text, file=file)
    where = f"[{file}]"
    warnings: list[str] = []
    ident = instrument_id or identifier(stem)
    result = instrument_data(
        project.rows,
        instrument_id=ident,
        title=title or project.name or ident.replace("_", " ").capitalize(),
        kind=kind,
        respondent=respondent,
        version=version,
        citation=f"Imported from the REDCap project XML {file}"
        + (f" ({project.name})" if project.name else ""),
        warnings=warnings,
        form_labels=project.forms,
    )
    data = result.data
    held = [form["name"] for form in data["forms"]]
    empty = [name for name in project.forms if name not in held]
    if empty:
        warnings.append(
            f"{where} forms {', '.join(empty)} have no fields; a form exists in REDCap's data "
            "dictionary only through its fields, so they are left out, with their surveys and "
            "event designations"
        )
    _surveys(project, data, where, warnings)
    structure = _structure(project, held, where, warnings)
    waves = _waves(project, structure, where, warnings)
    if waves is not None:
        data["waves"] = waves
    if structure is not None:
        data["structure"] = structure
    codes = _missing_codes(project.missing_data_codes, where, warnings)
    if codes:
        data["missing_codes"] = codes
    if project.other_content:
        warnings.append(
            f"{where} the project also holds {', '.join(project.other_content)}: project "
            "content, not part of an instrument, so not imported"
        )
    return result


def _surveys(project: ProjectXml, data: dict[str, Any], where: str, warnings: list[str]) -> None:
    for form in data["forms"]:
        survey = project.surveys.get(form["name"])
        if survey is None:
            continue
        form["survey"] = True
        settings = {
            "title": survey.title,
            "instructions": survey.instructions,
            "acknowledgement": survey.acknowledgement,
        }
        if survey.expiration:
            match = _EXPIRATION.match(survey.expiration)
            if match is None:
                warnings.append(
                    f"{where} survey '{form['name']}': expiration '{survey.expiration}' is not a "
                    "date and time; left out"
                )
            else:
                settings["end_date"] = match[1]
                if match[2] not in (None, ":00"):
                    warnings.append(
                        f"{where} survey '{form['name']}': expiration '{survey.expiration}' is "
                        f"kept to the minute, '{match[1]}'"
                    )
        form["survey_settings"] = {key: value for key, value in settings.items() if value}


def _structure(
    project: ProjectXml, forms: list[str], where: str, warnings: list[str]
) -> dict[str, Any] | None:
    """The project's arms, events and repeating settings as the format's ``structure`` states
    them, or None for a classic project that repeats nothing."""
    repeats: list[dict[str, str]] = []
    for on_event, form, label in project.repeating_forms:
        if form not in forms:
            continue
        repeat = {"event": on_event} if project.longitudinal else {}
        repeat["form"] = form
        if label:
            repeat["custom_label"] = label
        repeats.append(repeat)
    if project.longitudinal:
        repeats += [{"event": name} for name in project.repeating_events]
    if not project.longitudinal:
        return {"repeating": repeats} if repeats else None
    arms: dict[int, str] = {}
    events = []
    taken: set[str] = set()
    for event in project.events:
        arms.setdefault(event["arm"], event["arm_name"])
        unique, label = event["unique"], event["label"]
        if unique_event_name(label, event["arm"], taken) != unique:
            label = label_for(unique)
            warnings.append(
                f"{where} event [{unique}]: its label '{event['label']}' no longer gives that "
                f"unique name (REDCap keeps a name when an event is renamed in production); it is "
                f"labelled '{label}', which gives the name the logic and data use"
            )
        taken.add(unique)
        offset_min, offset_max = event["offset_min"], event["offset_max"]
        stated: dict[str, Any] = {
            "unique_name": unique,
            "label": label,
            "arm": event["arm"],
            "day_offset": whole_days(event["day_offset"]),
        }
        # what the format defaults (no window, no custom label) is left out, for readers
        if whole_days(offset_min) or whole_days(offset_max):
            stated["offset_min"] = whole_days(offset_min)
            stated["offset_max"] = whole_days(offset_max)
        if event["custom_label"]:
            stated["custom_label"] = event["custom_label"]
        stated["forms"] = [form for form in event["forms"] if form in forms]
        events.append(stated)
    return {
        "arms": [{"number": number, "name": name} for number, name in arms.items()],
        "events": events,
        "repeating": repeats,
    }


def _waves(
    project: ProjectXml,
    structure: dict[str, Any] | None,
    where: str,
    warnings: list[str],
) -> dict[str, Any] | None:
    """Arm 1's events as waves, or a classic project's first repeating form with a date field."""
    if project.longitudinal and structure is not None:
        return event_waves(structure, where, warnings)
    repeating = [repeat["form"] for repeat in (structure or {}).get("repeating", [])]
    if not repeating:
        return None
    form = repeating[0]
    date_field = _date_field(project, form)
    if date_field is None:
        warnings.append(
            f"{where} repeating form '{form}' is kept in /structure but not as waves: waves of a "
            "repeating form are dated by a date-validated text field on it, and it has none"
        )
        return None
    warnings.append(
        f"{where} repeating form '{form}' is the instrument's waves, dated by its first date "
        f"field, '{date_field}'"
    )
    return {"mode": "repeating", "form": form, "date_field": date_field}


def _date_field(project: ProjectXml, form: str) -> str | None:
    for row in project.rows:
        kind = validation_types.lookup(row["text_validation_type_or_show_slider_number"])
        if (
            row["form_name"] == form
            and row["field_type"] == "text"
            and kind is not None
            and kind.family in ("date", "datetime")
        ):
            return row["field_name"]
    return None


def _missing_codes(text: str, where: str, warnings: list[str]) -> list[dict[str, str]]:
    codes = []
    for item in text.replace("\n", "|").split("|"):
        code, comma, label = item.partition(",")
        code, label = code.strip(), label.strip()
        if not code:
            continue
        meaning = MEANINGS.get(code.upper()) or next(
            (meaning for word, meaning in LABEL_MEANINGS if word in label.lower()), "other"
        )
        codes.append({"code": code, "label": label if comma else code, "meaning": meaning})
    if codes:
        guessed = ", ".join(f"{c['code']} as {c['meaning']}" for c in codes)
        warnings.append(
            f"{where} the project's missing-data codes say nothing of what they mean; read "
            f"{guessed}: check /missing_codes"
        )
    return codes
