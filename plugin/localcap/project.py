"""A project's design as one request sees it: fields, forms, arms, events and their settings.

Loaded once per request from storage. It answers the questions every method asks: which form
holds a field, which export columns a field has, whether a form is designated for an event,
whether a form or an event repeats, and how REDCap orders events.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cached_property

from instruments.dictionary.choices import parse_choices
from instruments.dictionary.columns import API_COLUMNS
from instruments.model import LISTED_CHOICE_TYPES
from instruments.naming import checkbox_column, complete_field
from plugin.localcap.storage import Database

# Types whose choices the dictionary cell holds: the listed ones, and sql (its query's rows).
CHOICE_TYPES = LISTED_CHOICE_TYPES | {"sql"}
FIXED_CHOICES: dict[str, tuple[tuple[str, str], ...]] = {
    "yesno": (("1", "Yes"), ("0", "No")),
    "truefalse": (("1", "True"), ("0", "False")),
}
STATUS_CHOICES: tuple[tuple[str, str], ...] = (
    ("0", "Incomplete"),
    ("1", "Unverified"),
    ("2", "Complete"),
)


@dataclass(frozen=True)
class Field:
    """One data dictionary row, or (``status`` True) a form's implicit ``<form>_complete``."""

    name: str
    form: str
    field_type: str
    label: str
    row: dict[str, str]
    status: bool = False

    @cached_property
    def choices(self) -> tuple[tuple[str, str], ...]:
        """(code, label) pairs in order; empty for fields without fixed choices."""
        if self.status:
            return STATUS_CHOICES
        if self.field_type in FIXED_CHOICES:
            return FIXED_CHOICES[self.field_type]
        if self.field_type not in CHOICE_TYPES:
            return ()
        parsed = parse_choices(self.row["select_choices_or_calculations"])
        return tuple((choice.code, choice.shown) for choice in parsed)

    @cached_property
    def labels(self) -> dict[str, str]:
        """Each choice's label by its code."""
        return dict(self.choices)

    @property
    def validation(self) -> str:
        """The text validation type (a slider's: whether its number shows), "" for none."""
        return self.row.get("text_validation_type_or_show_slider_number", "")

    @property
    def required(self) -> bool:
        """REDCap's "Required?" column: ``y`` (a survey page refuses to finish without it)."""
        return self.row.get("required_field", "").strip().lower() == "y"

    @property
    def is_checkbox(self) -> bool:
        return self.field_type == "checkbox"

    @property
    def holds_data(self) -> bool:
        """Every field but a descriptive one holds a value."""
        return self.field_type != "descriptive"

    def export_columns(self) -> list[str]:
        """The field's export columns: one per option for a checkbox, else its name."""
        if self.is_checkbox:
            return [checkbox_column(self.name, code) for code, _ in self.choices]
        return [self.name]


@dataclass(frozen=True)
class Form:
    name: str
    label: str


@dataclass(frozen=True)
class Arm:
    num: int
    name: str


@dataclass(frozen=True)
class Event:
    """An event of arm ``arm_num``: ``name`` is its label, ``unique_name`` what the API calls it,
    and the offsets are in days."""

    event_id: int
    arm_num: int
    name: str
    unique_name: str
    day_offset: float
    offset_min: float
    offset_max: float
    custom_label: str


@dataclass(frozen=True)
class Survey:
    """A form enabled as a survey, with what its respondents read around the questions."""

    form: str
    title: str
    save_and_return: bool
    instructions: str = ""
    acknowledgement: str = ""
    expiration: str = ""  # "YYYY-MM-DD HH:MM" (or a date), "" when the survey never closes


@dataclass(frozen=True)
class Dag:
    """A Data Access Group: its id, its name, and the unique name derived from the names of all
    the project's DAGs."""

    group_id: int
    name: str
    unique_name: str


@dataclass
class Project:
    """A project's design and settings as :func:`load_project` reads them, events in REDCap's order
    (arm, day offset, name)."""

    project_id: int
    title: str
    creation_time: str
    production_time: str
    in_production: bool
    settings: dict[str, str]
    fields: list[Field]
    forms: list[Form]
    arms: list[Arm]
    events: list[Event]
    mappings: dict[int, set[str]]
    repeating: dict[tuple[int, str], str]
    surveys: dict[str, Survey]
    dags: list[Dag] = field(default_factory=list)

    @property
    def longitudinal(self) -> bool:
        return self.settings.get("is_longitudinal", "0") == "1"

    @property
    def record_id(self) -> str:
        """The record ID field: the dictionary's first field, ``record_id`` while the dictionary is
        empty."""
        return self.fields[0].name if self.fields else "record_id"

    @cached_property
    def field_map(self) -> dict[str, Field]:
        """Every field by name, ``<form>_complete`` included."""
        found = {item.name: item for item in self.fields}
        for form in self.forms:
            status = complete_field(form.name)
            found.setdefault(status, _status_field(form.name))
        return found

    @cached_property
    def data_fields(self) -> list[Field]:
        """Fields in export order: each form's fields, then its ``_complete``."""
        ordered: list[Field] = []
        for form in self.forms:
            ordered.extend(item for item in self.fields if item.form == form.name)
            ordered.append(self.field_map[complete_field(form.name)])
        return ordered

    @cached_property
    def checkbox_columns(self) -> dict[str, tuple[str, str]]:
        """``field___code`` -> (field, code) for every checkbox option."""
        found: dict[str, tuple[str, str]] = {}
        for item in self.fields:
            if item.is_checkbox:
                for code, _ in item.choices:
                    found[checkbox_column(item.name, code)] = (item.name, code)
        return found

    @cached_property
    def form_map(self) -> dict[str, Form]:
        return {form.name: form for form in self.forms}

    @cached_property
    def event_map(self) -> dict[str, Event]:
        """Each event by its unique name."""
        return {event.unique_name: event for event in self.events}

    @cached_property
    def event_by_id(self) -> dict[int, Event]:
        return {event.event_id: event for event in self.events}

    @cached_property
    def event_order(self) -> dict[int, int]:
        """Each event's position in REDCap's order, by event id."""
        return {event.event_id: position for position, event in enumerate(self.events)}

    @cached_property
    def form_order(self) -> dict[str, int]:
        """Each form's position in the project, by form name."""
        return {form.name: position for position, form in enumerate(self.forms)}

    def form_fields(self, form: str) -> list[Field]:
        """The form's fields in export order, its ``_complete`` last."""
        return [item for item in self.data_fields if item.form == form]

    def designated(self, event_id: int, form: str) -> bool:
        """Whether ``form`` is collected on the event (every form is, in a classic project)."""
        if not self.longitudinal:
            return True
        return form in self.mappings.get(event_id, set())

    def repeats_form(self, event_id: int, form: str) -> bool:
        """Whether ``form`` is a repeating instrument in the event (not the event repeating as a
        whole)."""
        return (event_id, form) in self.repeating

    def repeats_event(self, event_id: int) -> bool:
        """Whether the event repeats as a whole, all its forms together."""
        return (event_id, "") in self.repeating

    @property
    def has_repeating(self) -> bool:
        """Whether any form or event repeats, which gives exports their two repeat columns."""
        return bool(self.repeating)

    def event_label(self, event: Event) -> str:
        """The event as label-mode exports show it; several arms add ``(Arm n: name)``."""
        if len(self.arms) > 1:
            arm = next((arm.name for arm in self.arms if arm.num == event.arm_num), "")
            return f"{event.name} (Arm {event.arm_num}: {arm})"
        return event.name

    @property
    def survey_forms(self) -> list[str]:
        """The forms enabled as surveys, in form order (none while surveys are off)."""
        if self.settings.get("surveys_enabled", "0") != "1":
            return []
        return [form.name for form in self.forms if form.name in self.surveys]

    @property
    def survey_queue(self) -> bool:
        """Whether the survey queue is on and some form is a survey."""
        return bool(self.survey_forms) and self.settings.get("survey_queue_enabled") == "1"

    @cached_property
    def dag_by_id(self) -> dict[int, Dag]:
        return {dag.group_id: dag for dag in self.dags}


def _status_field(form: str) -> Field:
    row = dict.fromkeys(API_COLUMNS, "")
    row.update(field_name=complete_field(form), form_name=form, field_type="dropdown")
    row["field_label"] = "Complete?"
    return Field(complete_field(form), form, "dropdown", "Complete?", row, status=True)


def load_project(db: Database, project_id: int) -> Project:
    """The project's design and settings from storage, read once per request."""
    head = db.rows("SELECT * FROM projects WHERE project_id = ?", (project_id,))[0]
    settings = {
        row["name"]: row["value"]
        for row in db.rows("SELECT name, value FROM settings WHERE project_id = ?", (project_id,))
    }
    columns = ", ".join(API_COLUMNS)
    fields = [
        Field(
            row["field_name"],
            row["form_name"],
            row["field_type"],
            row["field_label"],
            {name: row[name] for name in API_COLUMNS},
        )
        for row in db.rows(
            f"SELECT {columns} FROM metadata WHERE project_id = ? ORDER BY position", (project_id,)
        )
    ]
    forms = [
        Form(row["form_name"], row["form_label"])
        for row in db.rows(
            "SELECT form_name, form_label FROM forms WHERE project_id = ? ORDER BY position",
            (project_id,),
        )
    ]
    arms = [
        Arm(row["arm_num"], row["name"])
        for row in db.rows(
            "SELECT arm_num, name FROM arms WHERE project_id = ? ORDER BY arm_num", (project_id,)
        )
    ]
    events = [
        Event(
            row["event_id"],
            row["arm_num"],
            row["event_name"],
            row["unique_event_name"],
            row["day_offset"],
            row["offset_min"],
            row["offset_max"],
            row["custom_event_label"],
        )
        for row in db.rows(
            "SELECT * FROM events WHERE project_id = ? "
            "ORDER BY arm_num, day_offset, event_name, event_id",
            (project_id,),
        )
    ]
    mappings: dict[int, set[str]] = {}
    for row in db.rows(
        "SELECT event_id, form_name FROM mappings WHERE project_id = ?", (project_id,)
    ):
        mappings.setdefault(row["event_id"], set()).add(row["form_name"])
    repeating = {
        (row["event_id"], row["form_name"]): row["custom_form_label"]
        for row in db.rows("SELECT * FROM repeating WHERE project_id = ?", (project_id,))
    }
    surveys = {
        row["form_name"]: Survey(
            row["form_name"],
            row["title"],
            bool(row["save_and_return"]),
            row["instructions"] or "",
            row["acknowledgement"] or "",
            row["expiration"] or "",
        )
        for row in db.rows(
            "SELECT s.*, t.instructions, t.acknowledgement, t.expiration FROM surveys s "
            "LEFT JOIN survey_settings t ON t.project_id = s.project_id "
            "AND t.form_name = s.form_name WHERE s.project_id = ?",
            (project_id,),
        )
    }
    dags = [
        Dag(row["group_id"], row["group_name"], row["unique_group_name"])
        for row in db.rows(
            "SELECT * FROM dags WHERE project_id = ? ORDER BY group_id", (project_id,)
        )
    ]
    return Project(
        project_id=project_id,
        title=head["title"],
        creation_time=head["creation_time"],
        production_time=head["production_time"],
        in_production=bool(head["in_production"]),
        settings=settings,
        fields=fields,
        forms=forms,
        arms=arms,
        events=events,
        mappings=mappings,
        repeating=repeating,
        surveys=surveys,
        dags=dags,
    )
