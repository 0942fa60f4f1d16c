"""What a survey page shows: its questions in the chosen language, split into pages at the
form's section headers, and the review of every answer before the final submit.

A question is on the survey when its type takes an answer (or it is descriptive text) and no
action tag hides it (``@HIDDEN``, ``@HIDDEN-SURVEY``). A form's first section header opens its
first page; each later one opens a new page. Branching logic decides, per answer set, which
questions of a page are shown; a page with none shown is passed over.
"""

from __future__ import annotations

from dataclasses import dataclass

from instruments.action_tags import Tags
from instruments.labels import plain_text
from instruments.naming import checkbox_column
from instruments.translation_file import FieldPageTexts
from instruments.validation_types import lookup
from plugin.localcap.action_tags import on_survey, tags
from plugin.localcap.project import Field, Project
from plugin.localcap.survey_checks import ANSWERED_TYPES, shown

_INPUTS = {"date": "date", "datetime": "datetime-local", "time": "time"}


@dataclass
class Question:
    """One question as a survey page draws it: its field, value and ticked codes, and its texts in
    the page's language (None for the project's own)."""

    field: Field
    value: str
    checked: set[str]
    texts: FieldPageTexts | None = None
    visible: bool = True  # shown by branching logic for the answers the page was drawn with

    @property
    def name(self) -> str:
        return self.field.name

    @property
    def tags(self) -> Tags:
        """The action tags REDCap applies to the question on a survey page."""
        return tags(self.field)

    @property
    def label(self) -> str:
        """The label in the page's language as plain text, the dictionary's where no translation
        gives one."""
        return plain_text((self.texts and self.texts.label) or self.field.label)

    @property
    def header(self) -> str:
        """The section header above the question in the page's language as plain text, "" for
        none."""
        own = self.texts.section_header if self.texts else ""
        return plain_text(own or self.field.row.get("section_header", ""))

    @property
    def header_lines(self) -> tuple[str, str]:
        """A section header as its heading (the first line) and the text under it."""
        first, _, rest = self.header.partition("\n")
        return first, rest

    @property
    def note(self) -> str:
        """The field note in the page's language as plain text, "" for none."""
        own = self.texts.note if self.texts else ""
        return plain_text(own or self.field.row.get("field_note", ""))

    @property
    def kind(self) -> str:
        return self.field.field_type

    @property
    def required(self) -> bool:
        return self.field.required

    @property
    def choices(self) -> tuple[tuple[str, str], ...]:
        """(code, label) pairs, each label in the page's language as plain text."""
        names = self.texts.choices if self.texts else {}
        return tuple(
            (code, plain_text(names.get(code) or text)) for code, text in self.field.choices
        )

    @property
    def input_type(self) -> str:
        """The HTML input a text question takes: a date, time or e-mail picker where the
        validation type has one (its value arrives in the order REDCap stores)."""
        if self.field.validation == "email":
            return "email"
        kind = lookup(self.field.validation)
        if kind is None or kind.name == "time_mm_ss":
            return "text"
        return _INPUTS.get(kind.family, "text")

    @property
    def input_value(self) -> str:
        """The value as the HTML input takes it: a datetime's space becomes ``T``."""
        return (
            self.value.replace(" ", "T", 1) if self.input_type == "datetime-local" else self.value
        )

    @property
    def inputmode(self) -> str:
        """The ``inputmode`` hint for a phone's keyboard: numeric for integers and sliders, decimal
        for numbers, else ""."""
        kind = lookup(self.field.validation)
        if self.kind == "slider" or (kind is not None and kind.family == "integer"):
            return "numeric"
        return "decimal" if kind is not None and kind.family == "number" else ""

    @property
    def answer(self) -> str:
        """The answer as the review shows it: choice labels, not codes."""
        if self.kind == "checkbox":
            return "; ".join(text for code, text in self.choices if code in self.checked)
        if self.field.choices:
            return dict(self.choices).get(self.value, self.value)
        return self.value


def survey_fields(project: Project, form: str) -> list[Field]:
    """The questions (and descriptive texts) a respondent sees on ``form``, in order."""
    return [
        item
        for item in project.form_fields(form)
        if not item.status
        and item.name != project.record_id
        and (item.field_type in ANSWERED_TYPES or item.field_type == "descriptive")
        and on_survey(item)
    ]


def sheets(fields: list[Field]) -> list[list[Field]]:
    """The form's pages: a new one at each section header after the first question."""
    pages: list[list[Field]] = [[]]
    for item in fields:
        if item.row.get("section_header", "").strip() and pages[-1]:
            pages.append([])
        pages[-1].append(item)
    return [page for page in pages if page]


def showing(project: Project, fields: list[Field], values: dict[str, str]) -> set[str]:
    """The names of ``fields`` that branching logic shows for ``values``."""
    return {
        item.name for item in fields if shown(project, item.row.get("branching_logic", ""), values)
    }


def asks(page: list[Field], shown_names: set[str]) -> bool:
    """Whether a page has a question to answer (descriptive text alone is passed over)."""
    return any(item.name in shown_names and item.holds_data for item in page)


def questions(
    page: list[Field],
    values: dict[str, str],
    shown_names: set[str],
    texts: dict[str, FieldPageTexts],
) -> list[Question]:
    """The fields of ``page`` as questions holding their answers in ``values``, each ``visible``
    when branching logic shows it (``shown_names``)."""
    found = []
    for item in page:
        checked = {
            code for code, _ in item.choices if values.get(checkbox_column(item.name, code)) == "1"
        }
        found.append(
            Question(
                item,
                values.get(item.name, ""),
                checked,
                texts.get(item.name),
                item.name in shown_names,
            )
        )
    return found
