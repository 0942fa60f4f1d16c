"""The in-memory instrument: plain dataclasses built by the schema, read by every later stage.

Each node keeps ``pointer``, the JSON pointer of the place in the instrument file it was read from,
so a rule that fails on it can say exactly where (STYLE habit 3: location travels with the data).
Values that REDCap keeps as text (validation min/max, choice codes) stay text here, so a data
dictionary survives the trip through this model unchanged.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Literal, get_args

from instruments.action_tags import none_of_the_above

FieldType = Literal[
    "text",
    "notes",
    "radio",
    "dropdown",
    "checkbox",
    "yesno",
    "truefalse",
    "slider",
    "calc",
    "descriptive",
    "file",
    "sql",
]
FIELD_TYPES: tuple[FieldType, ...] = get_args(FieldType)
# The one vocabulary of choice fields, by what a field type does with its choices:
# LISTED_CHOICE_TYPES write their choices in the dictionary (column F); yes/no and true/false
# have REDCap's fixed ones; categorical fields hold one of a set of codes per option or answer;
# single-choice fields hold one code (a checkbox holds a 0/1 per option).
LISTED_CHOICE_TYPES = frozenset({"radio", "dropdown", "checkbox"})
FIXED_CHOICE_TYPES = frozenset({"yesno", "truefalse"})
CATEGORICAL_TYPES = LISTED_CHOICE_TYPES | FIXED_CHOICE_TYPES
SINGLE_CHOICE_TYPES = CATEGORICAL_TYPES - {"checkbox"}
Kind = Literal["survey", "assessment", "coding"]
Alignment = Literal["LV", "LH", "RV", "RH"]
ScaleMethod = Literal["mean", "sum", "prorated_sum"]
Rescale = Literal["0-100", "0-1"]
MissingMeaning = Literal["not_applicable", "dont_know", "refused", "not_asked", "other"]
WaveMode = Literal["events", "repeating"]
KINDS: tuple[Kind, ...] = get_args(Kind)
ALIGNMENTS: tuple[Alignment, ...] = get_args(Alignment)
SCALE_METHODS: tuple[ScaleMethod, ...] = get_args(ScaleMethod)
RESCALES: tuple[Rescale, ...] = get_args(Rescale)
MISSING_MEANINGS: tuple[MissingMeaning, ...] = get_args(MissingMeaning)
WAVE_MODES: tuple[WaveMode, ...] = get_args(WaveMode)

YESNO_CHOICES = (("1", "Yes"), ("0", "No"))
TRUEFALSE_CHOICES = (("1", "True"), ("0", "False"))


@dataclass
class Choice:
    """One option of a choice field: the code REDCap stores and the label the respondent sees."""

    code: str
    label: str | None = None  # None: a legacy choice written without a comma, code and label alike
    pointer: str = ""

    @property
    def shown(self) -> str:
        """What the respondent sees: the label, or the code of a legacy choice that has none."""
        return self.code if self.label is None else self.label


@dataclass
class Validation:
    """A text field's REDCap validation: the type and its min and max, as REDCap writes them."""

    type: str
    min: str = ""
    max: str = ""
    pointer: str = ""


@dataclass
class Slider:
    """A slider's labels and range, which REDCap keeps in the choices and validation min/max
    columns."""

    labels: tuple[str, ...] = ()  # left, middle, right, as REDCap shows them
    show_number: bool = False
    min: str = ""  # REDCap's default range is 0..100
    max: str = ""


@dataclass
class Matrix:
    """The matrix group a field is shown in; a ranking group lets each column be chosen once."""

    group: str
    ranking: bool = False


@dataclass
class Field:
    """One REDCap field, a row of the data dictionary, with the report domain it belongs to."""

    name: str
    form: str
    type: FieldType
    label: str = ""
    choices: list[Choice] = field(default_factory=list)
    calculation: str = ""
    sql: str = ""
    section_header: str = ""
    note: str = ""
    validation: Validation | None = None
    slider: Slider | None = None
    identifier: bool = False
    branching_logic: str = ""
    required: bool = False
    alignment: Alignment | Literal[""] = ""  # "": REDCap's default
    question_number: str = ""
    matrix: Matrix | None = None
    annotation: str = ""
    domain: str = ""
    pointer: str = ""
    # yes/no and true/false labels in another language (instruments.translate); REDCap's own
    # English labels when empty
    fixed_labels: dict[str, str] = field(default_factory=dict)

    @property
    def lists_choices(self) -> bool:
        """Whether the field writes its own choices in the dictionary (radio, dropdown,
        checkbox)."""
        return self.type in LISTED_CHOICE_TYPES

    @property
    def categorical(self) -> bool:
        """Whether the field's answers are choice codes (its own or yes/no, true/false)."""
        return self.type in CATEGORICAL_TYPES

    @property
    def single_choice(self) -> bool:
        """Whether the field holds one choice code (every categorical type but checkbox)."""
        return self.type in SINGLE_CHOICE_TYPES

    def choice_codes(self) -> list[str]:
        """Codes a value of this field may take; yes/no and true/false have fixed ones."""
        if self.type == "yesno":
            return [code for code, _ in YESNO_CHOICES]
        if self.type == "truefalse":
            return [code for code, _ in TRUEFALSE_CHOICES]
        return [choice.code for choice in self.choices]

    def choice_labels(self) -> dict[str, str]:
        """Each choice code's label; yes/no and true/false have REDCap's, or their translation."""
        if self.type == "yesno":
            return {**dict(YESNO_CHOICES), **self.fixed_labels}
        if self.type == "truefalse":
            return {**dict(TRUEFALSE_CHOICES), **self.fixed_labels}
        return {choice.code: choice.shown for choice in self.choices}

    def none_codes(self) -> tuple[str, ...]:
        """A check-all question's exclusive "none of these" options, as REDCap's
        ``@NONEOFTHEABOVE`` action tag names them: an answer, never a mention (codes the field
        does not have are ignored, as REDCap ignores them)."""
        if self.type != "checkbox":
            return ()
        codes = self.choice_codes()
        return tuple(code for code in none_of_the_above(self.annotation) if code in codes)


@dataclass
class SurveySettings:
    """What a survey's pages say around its questions, as REDCap's survey settings hold it."""

    title: str = ""
    instructions: str = ""
    acknowledgement: str = ""  # the closing message shown after the final submit
    end_date: str = ""  # "YYYY-MM-DD" or "YYYY-MM-DD HH:MM"; after it the link says it has closed
    pointer: str = ""

    def closes_at(self) -> datetime | None:
        """The moment from which the survey is closed, in the server's local time as REDCap
        reads its end date (a bare date stays open through that whole day), or None."""
        if not self.end_date:
            return None
        if len(self.end_date) == len("YYYY-MM-DD"):
            return datetime.strptime(self.end_date, "%Y-%m-%d") + timedelta(days=1)
        return datetime.strptime(self.end_date, "%Y-%m-%d %H:%M")


@dataclass
class Form:
    """A REDCap instrument (a form), which respondents may fill in as a survey."""

    name: str
    label: str
    survey: bool = False
    survey_settings: SurveySettings | None = None
    pointer: str = ""


@dataclass
class Domain:
    """A report section: fields name the domain they are reported under."""

    name: str
    label: str
    pointer: str = ""


@dataclass
class MissingCode:
    """A REDCap missing-data code (e.g. NA) and what it stands for (not applicable, refused...)."""

    code: str
    label: str
    meaning: MissingMeaning
    pointer: str = ""


@dataclass
class Unit:
    """What records are grouped into (e.g. a practice), and the field that holds each one's id."""

    label: str
    id_field: str
    pointer: str = ""


@dataclass
class WaveEvent:
    """One wave: a REDCap event ``month`` months after baseline, collecting ``forms``."""

    name: str
    label: str
    month: float
    forms: list[str] = field(default_factory=list)  # empty: every form
    event: str = ""  # the unique name of a ``structure`` event; empty: derived from the label
    pointer: str = ""


@dataclass
class Waves:
    """How repeated assessments are stored: as REDCap events, or as instances of a repeating form
    dated by ``date_field``."""

    mode: WaveMode
    events: list[WaveEvent] = field(default_factory=list)
    form: str = ""  # repeating mode: the repeating form
    date_field: str = ""  # repeating mode: the assessment-date field
    pointer: str = ""


@dataclass
class StructureArm:
    """One arm of a project's ``structure``: its number and name."""

    number: int
    name: str
    pointer: str = ""


@dataclass
class StructureEvent:
    """One event of a project's ``structure``, as REDCap holds it: its unique name, label, arm,
    scheduling offsets in days, custom label and the forms designated for it."""

    unique_name: str
    label: str
    arm: int = 1
    day_offset: float = 0
    offset_min: float = 0
    offset_max: float = 0
    custom_label: str = ""
    forms: list[str] = field(default_factory=list)  # exactly these; empty: none
    pointer: str = ""


@dataclass
class Repeat:
    """One repeating setting: a form repeating on an event (on no event in a classic project), or
    a whole event repeating (no form), with REDCap's custom label for its instances."""

    event: str = ""
    form: str = ""
    custom_label: str = ""
    pointer: str = ""


@dataclass
class Structure:
    """A REDCap project's arms, events and repeating settings, stated as REDCap holds them, for
    projects that waves alone cannot describe (several arms, repeating events, custom labels,
    windows). Compile and deploy take it as given; waves name its events."""

    arms: list[StructureArm] = field(default_factory=list)
    events: list[StructureEvent] = field(default_factory=list)
    repeating: list[Repeat] = field(default_factory=list)
    pointer: str = ""


@dataclass
class Band:
    """One interpretation band: its label for scores from ``min`` to ``max``."""

    label: str
    min: float
    max: float
    guidance: str = ""
    pointer: str = ""


@dataclass
class Bands:
    """Interpretation bands: always a labelled local convention, never a validated cut-off."""

    convention: str  # the literal "local"; the schema accepts nothing else
    description: str
    bands: list[Band] = field(default_factory=list)
    pointer: str = ""


@dataclass
class MinAnswered:
    """How many of a scale's items must be answered for a score: a count or a fraction."""

    count: int | None = None
    fraction: float | None = None

    def required(self, n_items: int) -> int:
        """How many items must be answered, for a scale of ``n_items``."""
        if self.count is not None:
            return self.count
        return max(1, math.ceil((self.fraction or 0.0) * n_items - 1e-9))


@dataclass
class Scale:
    """A score: of field ``items`` (a scale) or of other scales (a composite), by ``method``."""

    name: str
    label: str
    items: list[str] = field(default_factory=list)  # scales: field names
    scales: list[str] = field(default_factory=list)  # composites: scale or composite names
    reverse: list[str] = field(default_factory=list)
    item_range: tuple[float, float] | None = None
    method: ScaleMethod = "mean"
    min_answered: MinAnswered = field(default_factory=lambda: MinAnswered(fraction=0.5))
    rescale: Rescale | None = None
    score_field: str = ""
    bands: Bands | None = None
    pointer: str = ""

    @property
    def is_composite(self) -> bool:
        return bool(self.scales)


@dataclass
class Coding:
    """How a coding instrument is laid out for agreement: one record per (unit, coder), and the
    fields whose values the coders' records are compared on."""

    unit_field: str
    coder_field: str
    codes: list[str] = field(default_factory=list)
    pointer: str = ""


@dataclass
class Source:
    """Where an instrument's wording comes from (its citation, a link) and on what terms it may
    be reused."""

    citation: str
    licence_note: str = ""
    url: str = ""


@dataclass
class SurveyTexts:
    """A survey's texts in another language; an empty text has no translation."""

    title: str = ""
    instructions: str = ""
    acknowledgement: str = ""


@dataclass
class FormTexts:
    """A form's texts in another language; an empty text has no translation."""

    label: str = ""
    survey: SurveyTexts | None = None
    pointer: str = ""


@dataclass
class FieldTexts:
    """A field's texts in another language; an empty text (or a choice code left out) has no
    translation, and the primary text stands in for it."""

    label: str = ""
    note: str = ""
    section_header: str = ""
    choices: dict[str, str] = field(default_factory=dict)  # choice code -> label
    slider_labels: tuple[str, ...] = ()
    pointer: str = ""


@dataclass
class Translation:
    """Every text of the instrument in one other language, keyed by the names of what it
    translates (domains, forms, fields, choice codes), never by position."""

    language: str  # a BCP 47 code, e.g. "fr", "es", "pt-BR"
    name: str  # the language's own name for itself, e.g. "Français"
    title: str = ""
    description: str = ""
    domains: dict[str, str] = field(default_factory=dict)
    forms: dict[str, FormTexts] = field(default_factory=dict)
    fields: dict[str, FieldTexts] = field(default_factory=dict)
    pointer: str = ""


@dataclass
class Instrument:
    """One instrument as loaded and checked: its REDCap forms and fields, and what scoring and
    reports add (scales, waves, the unit, missing codes, translations)."""

    id: str
    version: str
    title: str
    kind: Kind
    respondent: str
    source: Source
    record_id: str
    forms: list[Form]
    fields: list[Field]
    description: str = ""
    unit: Unit | None = None
    grouping: list[str] = field(default_factory=list)
    domains: list[Domain] = field(default_factory=list)
    waves: Waves | None = None
    structure: Structure | None = None
    missing_codes: list[MissingCode] = field(default_factory=list)
    scales: list[Scale] = field(default_factory=list)
    composites: list[Scale] = field(default_factory=list)
    coding: Coding | None = None
    language: str = "en"  # the primary language: the data dictionary's texts
    translations: dict[str, Translation] = field(default_factory=dict)
    read_from: str = "<memory>"  # as messages name where it was read from: a file, a body

    def field_map(self) -> dict[str, Field]:
        return {f.name: f for f in self.fields}

    def form_map(self) -> dict[str, Form]:
        return {f.name: f for f in self.forms}

    def fields_of(self, form: str) -> list[Field]:
        return [f for f in self.fields if f.form == form]

    def all_scales(self) -> list[Scale]:
        """The scales, then the composites."""
        return [*self.scales, *self.composites]
