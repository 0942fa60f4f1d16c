"""Read a REDCap project XML (CDISC ODM 1.3.1 with REDCap's extensions) into a Definition.

What REDCap does with such a file when it creates a project from it, and therefore what this
reader does:

* the metadata rows are the instruments layer's reading of the file
  (``instruments.dictionary.odm_read.metadata_rows``, which follows REDCap's ``ODM::parseOdm``),
  with the first (record-ID) field's section header cleared as REDCap clears it (§4.4);
* calculated values in the file are not imported: REDCap never imports calc values, and PyCap's
  integration test counts 30 EAV rows for the simple project, which holds only once its four calc
  values are gone;
* a repeating event's instance is its StudyEventRepeatKey, a repeating form's its FormRepeatKey.
"""

from __future__ import annotations

import base64
import binascii
import xml.etree.ElementTree as ET

from instruments.dictionary.choices import parse_choices
from instruments.dictionary.odm_read import (
    ProjectXmlError,
    metadata_rows,
    read_events,
    read_repeating,
)
from instruments.naming import checkbox_column, complete_field
from plugin.localcap.creation import Definition, Document, EventDefinition
from plugin.localcap.errors import ApiError

ODM = "{http://www.cdisc.org/ns/odm/v1.3}"
RC = "{https://projectredcap.org}"
GLOBAL_SETTINGS = {
    "RecordAutonumberingEnabled": "record_autonumbering_enabled",
    "CustomRecordLabel": "custom_record_label",
    "SecondaryUniqueField": "secondary_unique_field",
    "SchedulingEnabled": "scheduling_enabled",
    "SurveysEnabled": "surveys_enabled",
    "RandomizationEnabled": "randomization_enabled",
    "DisplayTodayNowButton": "display_today_now_button",
    "Purpose": "purpose",
    "PurposeOther": "purpose_other",
    "ProjectNotes": "project_notes",
    "MissingDataCodes": "missing_data_codes",
}


def read_odm(text: str, title: str | None = None) -> Definition:
    """The project a REDCap project XML describes; ``title`` overrides the file's own."""
    try:
        root = ET.fromstring(text)
    except ET.ParseError as exc:
        raise ApiError(f"The project XML (odm) could not be parsed: {exc}.") from exc
    study = root.find(f"{ODM}Study")
    version = study.find(f"{ODM}MetaDataVersion") if study is not None else None
    if study is None or version is None:
        raise ApiError("The project XML (odm) has no Study with a MetaDataVersion in it.")
    glob = study.find(f"{ODM}GlobalVariables")
    name = glob.findtext(f"{ODM}StudyName", "") if glob is not None else ""
    definition = Definition(title or name or "New project")
    if glob is not None:
        _read_globals(glob, definition)
    _read_forms(version, text, definition)
    _read_events(version, definition)
    for clinical in root.findall(f"{ODM}ClinicalData"):
        _read_clinical(clinical, definition)
    return definition


def _attr(element: ET.Element, name: str, default: str = "") -> str:
    return element.get(f"{RC}{name}", default)


def _read_globals(glob: ET.Element, definition: Definition) -> None:
    for tag, setting in GLOBAL_SETTINGS.items():
        found = glob.find(f"{RC}{tag}")
        if found is not None:
            definition.settings[setting] = (found.text or "").strip()
    definition.repeating += read_repeating(glob)
    for group in glob.iter(f"{RC}DataAccessGroups"):
        definition.dags.append(group.get("group_name", ""))
    for survey in glob.iter(f"{RC}Surveys"):
        if survey.get("survey_enabled", "1") == "1":
            definition.surveys.append(
                (
                    survey.get("form_name", ""),
                    survey.get("title", ""),
                    int(survey.get("save_and_return", "0") == "1"),
                )
            )
            definition.survey_settings.append(
                (
                    survey.get("form_name", ""),
                    survey.get("instructions", ""),
                    survey.get("acknowledgement", ""),
                    survey.get("survey_expiration", ""),
                )
            )
    if any(queue.get("active") == "1" for queue in glob.iter(f"{RC}SurveysQueue")):
        definition.settings["survey_queue_enabled"] = "1"


def _read_forms(version: ET.Element, text: str, definition: Definition) -> None:
    for form in version.findall(f"{ODM}FormDef"):
        form_name = _attr(form, "FormName")
        definition.forms.append((form_name, form.get("Name", form_name)))
    try:
        definition.metadata = metadata_rows(text)
    except ProjectXmlError as exc:
        raise ApiError(f"The project XML (odm) could not be parsed: {exc}.") from exc
    if definition.metadata:
        # REDCap clears the record-ID field's section header (redcap-api.md §4.4).
        definition.metadata[0]["section_header"] = ""


def _read_events(version: ET.Element, definition: Definition) -> None:
    arms: dict[int, str] = {}
    for event in read_events(version):
        arms.setdefault(event["arm"], event["arm_name"])
        definition.events.append(
            EventDefinition(
                event["arm"],
                event["label"],
                event["unique"],
                event["day_offset"],
                event["offset_min"],
                event["offset_max"],
                event["custom_label"],
                event["forms"],
            )
        )
    definition.arms = sorted(arms.items())


class _ClinicalReader:
    """Turns SubjectData into stored values, keeping REDCap's record-id row per event."""

    def __init__(self, definition: Definition) -> None:
        self.definition = definition
        self.fields = {row["field_name"]: row for row in definition.metadata}
        self.record_id = definition.metadata[0]["field_name"] if definition.metadata else ""
        self.form_of_status = {complete_field(name): name for name, _ in definition.forms}
        self.checkbox = {
            checkbox_column(row["field_name"], choice.code): (row["field_name"], choice.code)
            for row in definition.metadata
            if row["field_type"] == "checkbox"
            for choice in parse_choices(row["select_choices_or_calculations"])
        }
        self.repeating_events = {event for event, form, _ in definition.repeating if form == ""}
        self.repeating_forms = {(event, form) for event, form, _ in definition.repeating if form}
        if not definition.events:
            # A classic project's repeating forms belong to its single hidden event.
            self.repeating_forms = {("", form) for _, form in self.repeating_forms}

    def read(self, subject: ET.Element) -> None:
        record = subject.get("SubjectKey", "")
        if record not in self.definition.records:
            self.definition.records.append(record)
        events = subject.findall(f"{ODM}StudyEventData")
        if not events:
            self.read_event(record, "", 1, subject)
        for event in events:
            name = _attr(event, "UniqueEventName")
            repeat = int(event.get("StudyEventRepeatKey", "1") or 1)
            self.read_event(record, name, repeat if name in self.repeating_events else 1, event)

    def read_event(self, record: str, event: str, base: int, parent: ET.Element) -> None:
        self.add(record, event, base, self.record_id, record)
        for form in parent.findall(f"{ODM}FormData"):
            form_name = form.get("FormOID", "").removeprefix("Form.")
            instance = base
            if (event, form_name) in self.repeating_forms:
                instance = int(form.get("FormRepeatKey", "1") or 1)
            for item in form.iter(f"{ODM}ItemData"):
                self.item(
                    record,
                    event,
                    instance,
                    form_name,
                    item.get("ItemOID", ""),
                    item.get("Value", ""),
                )
            for item in form.iter(f"{ODM}ItemDataBase64Binary"):
                self.document(record, event, instance, item)

    def item(self, record: str, event: str, instance: int, form: str, oid: str, value: str) -> None:
        if oid == "redcap_data_access_group":
            self.definition.record_dags[record] = value
        elif oid == "redcap_survey_identifier" or oid == f"{form}_timestamp":
            key = (record, event, form, instance)
            identifier, completed = self.definition.responses.get(key, ("", ""))
            if oid == "redcap_survey_identifier":
                identifier = value
            else:
                completed = value
            self.definition.responses[key] = (identifier, completed)
        elif oid in self.checkbox:
            name, code = self.checkbox[oid]
            if value == "1":
                self.add(record, event, instance, name, code)
        elif oid in self.form_of_status or (
            oid in self.fields and self.fields[oid]["field_type"] not in ("calc", "descriptive")
        ):
            if value != "":
                self.add(record, event, instance, oid, value)

    def document(self, record: str, event: str, instance: int, item: ET.Element) -> None:
        try:
            content = base64.b64decode((item.text or "").strip(), validate=False)
        except binascii.Error as exc:
            raise ApiError(f"The file in field {item.get('ItemOID')} is not valid base64.") from exc
        self.definition.documents.append(
            Document(
                record,
                event,
                instance,
                item.get("ItemOID", ""),
                _attr(item, "DocName"),
                _attr(item, "MimeType", "application/octet-stream"),
                content,
            )
        )

    def add(self, record: str, event: str, instance: int, name: str, value: str) -> None:
        self.definition.values.append((record, event, instance, name, value))


def _read_clinical(clinical: ET.Element, definition: Definition) -> None:
    reader = _ClinicalReader(definition)
    for subject in clinical.findall(f"{ODM}SubjectData"):
        reader.read(subject)
