"""Read a REDCap project XML (CDISC ODM 1.3.1 with REDCap's ``redcap:`` extensions): its
dictionary rows, forms, events, repeating settings, surveys and missing-data codes.

The rows follow REDCap's own reader (``ODM::parseOdm``): a line break in the file is kept as a
line break, even inside an attribute; a field's rows come from the forms' item groups in order,
one per ``redcap:Variable`` (a checkbox has one ItemDef per option); the form-status field
``<form>_complete`` and the pseudo-fields (``redcap_survey_identifier``, ``<form>_timestamp``,
``redcap_data_access_group``: no ``redcap:FieldType``) are not fields; a field is required when
its ItemRef is ``Mandatory="Yes"`` unless ``redcap:RequiredField`` says otherwise; the label is
the HTML ``redcap:FormattedTranslatedText`` when there is one; choices come from
``redcap:CheckboxChoices`` or the code list, written ``"code, label | ..."``; a ``RangeCheck``
``GE``/``GT`` is the min and ``LE``/``LT`` the max. Legacy names are given as REDCap's
dictionary export gives them (``select`` as dropdown, ``int`` as integer: redcap-api.md §4.1).
"""

from __future__ import annotations

import xml.etree.ElementTree as ET
from dataclasses import dataclass, field
from typing import Any

from instruments.dictionary.choices import format_choices, parse_choices
from instruments.dictionary.columns import API_COLUMNS, LEGACY_FIELD_TYPES
from instruments.naming import complete_field
from instruments.validation_types import LEGACY_NAMES

ODM = "{http://www.cdisc.org/ns/odm/v1.3}"
RC = "{https://projectredcap.org}"
ITEM_ATTRIBUTES = {
    "SectionHeader": "section_header",
    "FieldNote": "field_note",
    "Identifier": "identifier",
    "BranchingLogic": "branching_logic",
    "CustomAlignment": "custom_alignment",
    "QuestionNumber": "question_number",
    "MatrixGroupName": "matrix_group_name",
    "MatrixRanking": "matrix_ranking",
    "FieldAnnotation": "field_annotation",
}


class ProjectXmlError(ValueError):
    """The file is not a REDCap project XML that holds a study's metadata."""


@dataclass
class Survey:
    """A form's survey settings, as the project XML's ``redcap:Surveys`` holds them."""

    title: str
    instructions: str
    acknowledgement: str
    expiration: str


@dataclass
class ProjectXml:
    """What a project XML says about the project's instruments."""

    name: str
    record_id: str
    rows: list[dict[str, str]]  # the 18 dictionary columns, and _where
    forms: dict[str, str]  # name -> label, in order
    events: list[dict[str, Any]] = field(default_factory=list)
    repeating_events: list[str] = field(default_factory=list)
    repeating_forms: list[tuple[str, str, str]] = field(default_factory=list)  # event, form, label
    surveys: dict[str, Survey] = field(default_factory=dict)
    missing_data_codes: str = ""
    other_content: list[str] = field(default_factory=list)  # records, DAGs, ... it also holds

    @property
    def longitudinal(self) -> bool:
        """REDCap makes a project longitudinal from its XML only when it has several events."""
        return len(self.events) > 1


def read_project_xml(text: str, *, file: str = "<memory>") -> ProjectXml:
    """The project ``text`` describes (raises ProjectXmlError when it is not a project XML)."""
    try:
        root = ET.fromstring(_keep_line_breaks(text))
    except ET.ParseError as exc:
        raise ProjectXmlError(f"[{file}] is not well-formed XML: {exc}") from None
    study = root.find(f"{ODM}Study")
    version = study.find(f"{ODM}MetaDataVersion") if study is not None else None
    if root.tag != f"{ODM}ODM" or study is None or version is None:
        raise ProjectXmlError(
            f"[{file}] is not a REDCap project XML: it has no ODM Study with a MetaDataVersion"
        )
    glob = study.find(f"{ODM}GlobalVariables")
    glob = glob if glob is not None else ET.Element("GlobalVariables")
    forms = {
        _attr(form, "FormName") or form.get("OID", "").removeprefix("Form."): form.get("Name", "")
        for form in version.findall(f"{ODM}FormDef")
    }
    rows = _rows(version, file)
    if not rows:
        raise ProjectXmlError(f"[{file}] holds no fields")
    project = ProjectXml(
        name=glob.findtext(f"{ODM}StudyName", "").strip(),
        record_id=version.get(f"{RC}RecordIdField") or rows[0]["field_name"],
        rows=rows,
        forms=forms,
        events=read_events(version),
        missing_data_codes=(glob.findtext(f"{RC}MissingDataCodes") or "").strip(),
    )
    for event, form, label in read_repeating(glob):
        if form:
            project.repeating_forms.append((event, form, label))
        else:
            project.repeating_events.append(event)
    for survey in glob.iter(f"{RC}Surveys"):
        if survey.get("survey_enabled", "1") == "1":
            project.surveys[survey.get("form_name", "")] = Survey(
                survey.get("title", ""),
                survey.get("instructions", ""),
                survey.get("acknowledgement", ""),
                survey.get("survey_expiration", ""),
            )
    project.other_content = _other_content(root, glob)
    return project


def metadata_rows(text: str) -> list[dict[str, str]]:
    """The dictionary rows (the 18 columns of redcap-api.md §4.1) of the project XML ``text``.

    Read as REDCap's ``ODM::parseOdm`` reads them, as described above; no rows when the file
    has no fields. Raises ProjectXmlError when it is not a project XML.
    """
    try:
        root = ET.fromstring(_keep_line_breaks(text))
    except ET.ParseError as exc:
        raise ProjectXmlError(f"not well-formed XML: {exc}") from None
    version = root.find(f"{ODM}Study/{ODM}MetaDataVersion")
    if version is None:
        raise ProjectXmlError("not a REDCap project XML: it has no Study with a MetaDataVersion")
    return [{column: row[column] for column in API_COLUMNS} for row in _rows(version, "<memory>")]


def _keep_line_breaks(text: str) -> str:
    # REDCap's reader does this before parsing, so a line break inside an attribute (survey
    # instructions, a label) survives instead of becoming a space as XML would make it.
    text = text.strip().replace("\t", "").replace("\r", "\n").replace("\n\n", "\n")
    return text.replace("\n", "&#10;").replace(">&#10;<", ">\n<")


def _attr(element: ET.Element, name: str, default: str = "") -> str:
    return element.get(f"{RC}{name}", default)


def _rows(version: ET.Element, file: str) -> list[dict[str, str]]:
    groups = {group.get("OID", ""): group for group in version.findall(f"{ODM}ItemGroupDef")}
    items = {item.get("OID", ""): item for item in version.findall(f"{ODM}ItemDef")}
    code_lists = {code.get("OID", ""): code for code in version.findall(f"{ODM}CodeList")}
    rows: list[dict[str, str]] = []
    seen: set[str] = set()
    for form in version.findall(f"{ODM}FormDef"):
        form_name = _attr(form, "FormName") or form.get("OID", "").removeprefix("Form.")
        for ref in form.findall(f"{ODM}ItemGroupRef"):
            group = groups.get(ref.get("ItemGroupOID", ""))
            for item_ref in group.findall(f"{ODM}ItemRef") if group is not None else []:
                item = items.get(item_ref.get("ItemOID", ""))
                variable = _attr(item_ref, "Variable") or item_ref.get("ItemOID", "")
                if item is None or variable in seen or variable == complete_field(form_name):
                    continue
                if not _attr(item, "FieldType"):
                    continue  # a pseudo-field: survey identifier, timestamp, DAG
                seen.add(variable)
                mandatory = item_ref.get("Mandatory", "").lower() == "yes"
                row = _row(item, variable, form_name, mandatory, code_lists)
                row["_where"] = f"[{file} ItemDef {item.get('OID', variable)}]"
                rows.append(row)
    return rows


def _row(
    item: ET.Element,
    variable: str,
    form: str,
    mandatory: bool,
    code_lists: dict[str, ET.Element],
) -> dict[str, str]:
    row = dict.fromkeys(API_COLUMNS, "")
    field_type = LEGACY_FIELD_TYPES.get(_attr(item, "FieldType"), _attr(item, "FieldType"))
    row.update(field_name=variable, form_name=form, field_type=field_type)
    question = item.find(f"{ODM}Question")
    if question is not None:
        formatted = question.find(f"{RC}FormattedTranslatedText")
        plain = question.findtext(f"{ODM}TranslatedText", "")
        row["field_label"] = formatted.text or "" if formatted is not None else plain
    for attribute, column in ITEM_ATTRIBUTES.items():
        row[column] = _attr(item, attribute)
    row["required_field"] = _attr(item, "RequiredField", "y" if mandatory else "")
    validation = _attr(item, "TextValidationType")
    row["text_validation_type_or_show_slider_number"] = LEGACY_NAMES.get(validation, validation)
    for check in item.findall(f"{ODM}RangeCheck"):
        comparator = check.get("Comparator", "")
        if comparator in ("GE", "GT", "LE", "LT"):
            bound = "text_validation_max" if comparator[0] == "L" else "text_validation_min"
            row[bound] = check.findtext(f"{ODM}CheckValue", "")
    if field_type == "calc":
        row["select_choices_or_calculations"] = _attr(item, "Calculation")
    elif field_type == "slider":
        row["select_choices_or_calculations"] = _attr(item, "SliderLabels")
    elif field_type in ("radio", "dropdown", "checkbox", "sql"):
        ref = item.find(f"{ODM}CodeListRef")
        code_list = code_lists.get(ref.get("CodeListOID", "")) if ref is not None else None
        if code_list is not None:
            row["select_choices_or_calculations"] = _choices(code_list)
    return row


def _choices(code_list: ET.Element) -> str:
    checkbox = _attr(code_list, "CheckboxChoices")
    if checkbox:
        # REDCap stores the options one per line and its dictionary export joins them " | "
        return format_choices(parse_choices(checkbox))
    pairs = []
    for item in code_list.findall(f"{ODM}CodeListItem"):
        decode = item.find(f"{ODM}Decode")
        formatted = decode.find(f"{RC}FormattedTranslatedText") if decode is not None else None
        label = (
            formatted.text or ""
            if formatted is not None
            else item.findtext(f"{ODM}Decode/{ODM}TranslatedText", "")
        )
        pairs.append(f"{item.get('CodedValue', '')}, {label}")
    return " | ".join(pairs)


def read_events(version: ET.Element) -> list[dict[str, Any]]:
    """The events of a MetaDataVersion in the file's order (its StudyEventRefs, else its
    definitions): each one's arm and arm name, label, unique name, day offset and window, custom
    label and forms."""
    order = [ref.get("StudyEventOID", "") for ref in version.iter(f"{ODM}StudyEventRef")]
    defs = {event.get("OID", ""): event for event in version.findall(f"{ODM}StudyEventDef")}
    events = []
    for oid in order or list(defs):
        event = defs.get(oid)
        if event is None:
            continue
        arm = int(_attr(event, "ArmNum", "1") or 1)
        events.append(
            {
                "arm": arm,
                "arm_name": _attr(event, "ArmName", f"Arm {arm}"),
                "label": _attr(event, "EventName", event.get("Name", "")),
                "unique": _attr(event, "UniqueEventName") or oid.removeprefix("Event."),
                "day_offset": float(_attr(event, "DayOffset", "0") or 0),
                "offset_min": float(_attr(event, "OffsetMin", "0") or 0),
                "offset_max": float(_attr(event, "OffsetMax", "0") or 0),
                "custom_label": _attr(event, "CustomEventLabel"),
                "forms": [_attr(ref, "FormName") for ref in event.findall(f"{ODM}FormRef")],
            }
        )
    return events


def read_repeating(glob: ET.Element) -> list[tuple[str, str, str]]:
    """The repeating settings of GlobalVariables as (unique event name, form, custom label):
    repeating forms first, then repeating events, whose form is ""."""
    settings = [
        (
            _attr(repeat, "UniqueEventName"),
            _attr(repeat, "RepeatInstrument"),
            _attr(repeat, "CustomLabel"),
        )
        for repeat in glob.iter(f"{RC}RepeatingInstrument")
    ]
    settings += [
        (_attr(repeat, "UniqueEventName"), "", "") for repeat in glob.iter(f"{RC}RepeatingEvent")
    ]
    return settings


def _other_content(root: ET.Element, glob: ET.Element) -> list[str]:
    found = []
    records = {s.get("SubjectKey") for s in root.iter(f"{ODM}SubjectData")}
    if records:
        found.append(f"{len(records)} record(s)")
    for tag, what in (
        ("DataAccessGroups", "data access groups"),
        ("UserRoles", "user roles"),
        ("Reports", "reports"),
        ("SurveysQueue", "a survey queue"),
    ):
        if glob.find(f".//{RC}{tag}") is not None:
            found.append(what)
    return found
