"""What a deploy compares: the project the instruments describe, the project REDCap holds now, and
how much data the project's records hold where a change could remove it.

The current project is read as REDCap's API exports it, which is looser than what we compile:
integers where we write strings, ``None`` for blanks, a placeholder mapping row in a project
without mappings, no ``event_name`` in a classic project's repeating rows. The ``clean_*``
functions turn each export into one plain shape so that the diff compares like with like.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from instruments.dictionary import API_COLUMNS, compile_dictionary
from instruments.dictionary.structure import ProjectStructure, project_structure
from instruments.model import Instrument
from instruments.naming import complete_field

Row = dict[str, str]
Export = list[dict[str, Any]]


@dataclass(frozen=True)
class DesiredProject:
    """The dictionary rows and structure that the instruments compile to."""

    metadata: list[Row]
    structure: ProjectStructure
    instruments: tuple[str, ...] = ()


def desired_project(instruments: Sequence[Instrument]) -> DesiredProject:
    """Compile ``instruments`` into one project (raises InstrumentError on a project conflict)."""
    listed = list(instruments)
    return DesiredProject(
        metadata=compile_dictionary(listed),
        structure=project_structure(listed),
        instruments=tuple(instrument.id for instrument in listed),
    )


@dataclass(frozen=True)
class CurrentProject:
    """The project as REDCap exports it now. A classic project has no arms, events or mappings
    (REDCap answers those exports with an error); a fresh project has no metadata either."""

    metadata: Export = field(default_factory=list)
    arms: Export = field(default_factory=list)
    events: Export = field(default_factory=list)
    mappings: Export = field(default_factory=list)
    repeating: Export = field(default_factory=list)
    in_production: bool = False
    # From the project-info export; None when it was not read, so it is not compared.
    missing_data_codes: str | None = None

    @property
    def longitudinal(self) -> bool:
        """Whether REDCap exported any event; a classic project's event export fails, which leaves
        none."""
        return bool(clean_events(self.events))


@dataclass(frozen=True)
class FieldUsage:
    """How many distinct records hold data in each place a deploy could remove it.

    A name absent from a mapping holds no data, so ``FieldUsage()`` describes a project without
    records. The counts come from a record export (raw values, every event and instance):

    - ``fields``: records with a non-blank value in the field (a checkbox: any option checked);
    - ``choices``: per choice field, records holding each code (a checkbox: that option checked);
    - ``events``: records with any data in the event (unique event name);
    - ``event_forms``: records with data in a form on an event, keyed ``(unique event, form)``;
    - ``repeat_instances``: records with more than one instance, keyed ``(unique event, form)``
      with ``""`` for the event of a classic project and for the form of a repeating event;
    - ``records``: records in the project (all of them sit in a classic project's one event).
    """

    fields: Mapping[str, int] = field(default_factory=dict)
    choices: Mapping[str, Mapping[str, int]] = field(default_factory=dict)
    events: Mapping[str, int] = field(default_factory=dict)
    event_forms: Mapping[tuple[str, str], int] = field(default_factory=dict)
    repeat_instances: Mapping[tuple[str, str], int] = field(default_factory=dict)
    records: int = 0

    def in_field(self, name: str) -> int:
        """Records holding a value in the field ``name``."""
        return self.fields.get(name, 0)

    def with_code(self, name: str, code: str) -> int:
        """Records holding ``code`` in the choice field ``name``."""
        return self.choices.get(name, {}).get(code, 0)

    def in_event(self, event: str) -> int:
        """Records with any data in the event."""
        return self.events.get(event, 0)

    def in_event_form(self, event: str, form: str) -> int:
        """Records with data in ``form`` on the event."""
        return self.event_forms.get((event, form), 0)

    def repeated(self, event: str, form: str) -> int:
        """Records with more than one instance of ``form`` on the event, keyed as
        ``repeat_instances``."""
        return self.repeat_instances.get((event, form), 0)


def text(value: Any) -> str:
    """An exported value as the text REDCap stores: None is blank, numbers are their digits."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "1" if value else "0"
    return str(value).replace("\r\n", "\n").strip()


def clean_metadata(rows: Export) -> list[Row]:
    """The 18 columns of each row as text, without the ``<form>_complete`` rows that a
    hand-made export may carry (REDCap recreates them on every import)."""
    cleaned = [{column: text(row.get(column)) for column in API_COLUMNS} for row in rows]
    return [r for r in cleaned if r["field_name"] != complete_field(r["form_name"])]


def clean_arms(rows: Export) -> list[Row]:
    """Exported arms as text rows, the way the plan compares them."""
    return [{"arm_num": text(r.get("arm_num")), "name": text(r.get("name"))} for r in rows]


EVENT_KEYS = (
    "event_name",
    "arm_num",
    "day_offset",
    "offset_min",
    "offset_max",
    "unique_event_name",
    "custom_event_label",
)


def clean_events(rows: Export) -> list[Row]:
    """Exported events as text rows of the keys the plan compares."""
    # Offsets are exported only when scheduling is on; a key that is absent stays absent so
    # that an unknown offset is never reported as a change.
    return [{key: text(r[key]) for key in EVENT_KEYS if key in r} for r in rows]


def clean_mappings(rows: Export) -> list[Row]:
    """Exported mappings as text rows, without the row of blanks that a longitudinal project
    without mappings exports."""
    cleaned = [
        {
            "arm_num": text(r.get("arm_num")),
            "unique_event_name": text(r.get("unique_event_name")),
            "form": text(r.get("form")),
        }
        for r in rows
    ]
    return [r for r in cleaned if r["form"] and r["unique_event_name"]]


def clean_repeating(rows: Export) -> list[Row]:
    """Exported repeating settings as text rows; a classic project's rows, which have no
    ``event_name``, get "" for its only event."""
    return [
        {
            "event_name": text(r.get("event_name")),
            "form_name": text(r.get("form_name")),
            "custom_form_label": text(r.get("custom_form_label")),
        }
        for r in rows
    ]
