"""Where simulated answers go: the rows REDCap's flat record import expects for an instrument.

A *slot* is one kind of row: one event of a longitudinal project, the repeating form of a
repeating instrument, or the record's single row in a classic project. Each slot holds the forms
the project maps to it, and its row carries exactly those forms' columns after the keys:

* the record-id field, always first;
* ``redcap_event_name`` in a longitudinal project;
* ``redcap_repeat_instrument`` and ``redcap_repeat_instance`` on every row of a repeating
  instrument (blank on the record's non-repeating row), as REDCap's flat import lays them out;
* each answerable field of the slot's forms in instrument order (a checkbox as one
  ``field___code`` column per option), and ``<form>_complete`` after each form's last field.

Fields REDCap or qiscan fill in themselves are left out: calculated fields and ``@CALCTEXT`` /
``@CALCDATE`` fields (REDCap computes them), descriptive fields (they hold no data), file
fields (an upload is not a record import), SQL fields (their choices come from a query run on
the REDCap server) and scale score fields (scoring writes them back later).
"""

from __future__ import annotations

from dataclasses import dataclass

from instruments.dictionary.structure import project_structure
from instruments.model import Field, Instrument
from instruments.naming import checkbox_column, complete_field
from instruments.waves import unique_event_names

EVENT_COLUMN = "redcap_event_name"
REPEAT_INSTRUMENT = "redcap_repeat_instrument"
REPEAT_INSTANCE = "redcap_repeat_instance"
UNANSWERED_TYPES = frozenset({"calc", "descriptive", "file", "sql"})
COMPUTED_TAGS = ("@CALCTEXT", "@CALCDATE")


@dataclass(frozen=True)
class Slot:
    """One kind of row: an event, a repeating form, or a classic project's record row."""

    event: str  # unique event name; "" outside a longitudinal project
    month: float  # months after the first wave; 0 for rows that are not waves
    forms: tuple[str, ...]
    repeating: str = ""  # the repeating form's name on repeat rows, "" elsewhere
    follow_up: bool = False  # a later wave, which a unit may skip


@dataclass(frozen=True)
class Layout:
    """The slots to fill for an instrument, and how its rows are keyed: by event when longitudinal,
    by repeat instance when a form repeats."""

    instrument: Instrument
    slots: tuple[Slot, ...]
    longitudinal: bool
    repeats: bool  # the instrument has a repeating form
    instances: int  # how many repeat instances each record may have

    @property
    def has_waves(self) -> bool:
        """Whether a record has several rows: events, or instances of a repeating form."""
        return self.longitudinal or self.repeats

    def key_columns(self) -> list[str]:
        """The columns every row starts with: the record id, then the event and repeat columns where
        the project has them."""
        keys = [self.instrument.record_id]
        if self.longitudinal:
            keys.append(EVENT_COLUMN)
        if self.repeats:
            keys += [REPEAT_INSTRUMENT, REPEAT_INSTANCE]
        return keys

    def columns(self, slot: Slot) -> list[str]:
        """The keys of a row of ``slot``, in REDCap's export order."""
        columns = self.key_columns()
        for form in slot.forms:
            for fld in answerable_fields(self.instrument, form):
                columns += field_columns(fld)
            columns.append(complete_field(form))
        return columns


def answerable_fields(instrument: Instrument, form: str | None = None) -> list[Field]:
    """Fields a respondent answers (all forms, or one), in instrument order; no record id."""
    scores = {scale.score_field for scale in instrument.all_scales() if scale.score_field}
    return [
        fld
        for fld in instrument.fields
        if (form is None or fld.form == form)
        and fld.name != instrument.record_id
        and fld.type not in UNANSWERED_TYPES
        and fld.name not in scores
        and not any(tag in fld.annotation.upper() for tag in COMPUTED_TAGS)
    ]


def field_columns(fld: Field) -> list[str]:
    """The export columns of one field: itself, or one per checkbox option."""
    if fld.type == "checkbox":
        return [checkbox_column(fld.name, code) for code in fld.choice_codes()]
    return [fld.name]


def plan_layout(instrument: Instrument, waves: int | None, default_instances: int) -> Layout:
    """The slots to fill for ``instrument``; ``waves`` limits events or repeat instances.

    Raises ValueError when ``waves`` does not fit the instrument's wave structure.
    """
    plan = instrument.waves
    if plan is None or plan.mode not in ("events", "repeating"):
        if waves is not None:
            raise ValueError(
                f"instrument '{instrument.id}' declares no waves, so 'waves' must be left out "
                f"(got {waves})"
            )
        forms = tuple(form.name for form in instrument.forms)
        return Layout(instrument, (Slot("", 0.0, forms),), False, False, 0)
    if plan.mode == "repeating":
        instances = default_instances if waves is None else waves
        if instances < 1:
            raise ValueError(f"waves = {waves}: a repeating form needs at least 1 instance")
        others = tuple(form.name for form in instrument.forms if form.name != plan.form)
        slots = [Slot("", 0.0, others)] if others else []
        slots.append(Slot("", 0.0, (plan.form,), repeating=plan.form))
        return Layout(instrument, tuple(slots), False, True, instances)
    events = unique_event_names(instrument)
    count = len(events) if waves is None else waves
    if not 1 <= count <= len(events):
        raise ValueError(
            f"waves = {waves}: instrument '{instrument.id}' declares {len(events)} events, "
            f"so waves must be between 1 and {len(events)}"
        )
    mappings = project_structure([instrument]).mappings
    first = next(iter(events.values())).month
    slots = []
    for index, (unique, event) in enumerate(list(events.items())[:count]):
        forms = tuple(m["form"] for m in mappings if m["unique_event_name"] == unique)
        slots.append(Slot(unique, float(event.month - first), forms, follow_up=index > 0))
    return Layout(instrument, tuple(slots), True, False, 0)
