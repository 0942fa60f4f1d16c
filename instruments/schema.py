"""marshmallow schemas for the instrument JSON format.

The schemas are closed (an unknown key is an error) because instrument files are our own format:
a misspelt key must never be silently ignored. They build the dataclasses of ``instruments.model``;
the loader turns marshmallow's nested error dict into located problems.
"""

from __future__ import annotations

import copy
import re
from datetime import datetime
from typing import Any

from marshmallow import (
    RAISE,
    Schema,
    ValidationError,
    fields,
    post_load,
    validate,
    validates_schema,
)

from instruments import model
from instruments.problems import pointer_token

SEMVER = re.compile(
    r"^(0|[1-9]\d*)\.(0|[1-9]\d*)\.(0|[1-9]\d*)(?:-[0-9A-Za-z.-]+)?(?:\+[0-9A-Za-z.-]+)?$"
)
# A BCP 47 language tag in its common shapes: "fr", "es", "pt-BR", "zh-Hant", "es-419".
LANGUAGE_TAG = re.compile(r"^[a-zA-Z]{2,3}(-[a-zA-Z0-9]{2,8})*$")
END_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}( \d{2}:\d{2})?$")


class Text(fields.String):
    """A string that REDCap stores as text; a JSON number is accepted and kept as its JSON text."""

    json_schema = {"type": ["string", "number"]}

    def _deserialize(self, value: Any, attr: Any, data: Any, **kwargs: Any) -> str:
        if isinstance(value, bool):
            raise self.make_error("invalid")
        if isinstance(value, int | float):
            return repr(value) if isinstance(value, float) else str(value)
        return super()._deserialize(value, attr, data, **kwargs)


class StrictBool(fields.Boolean):
    """Only JSON true/false: 'y' or 1 in an instrument file is a mistake worth reporting."""

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(truthy={True}, falsy={False}, **kwargs)


class Closed(Schema):
    """A schema that rejects unknown keys (every schema of our own files)."""

    class Meta:
        unknown = RAISE


class Keyed(fields.Field):
    """A JSON object keyed by names (language codes, field names, choice codes), each value read
    by ``values``. A problem is reported under the key itself (no "key"/"value" layer as in
    marshmallow's Dict), so its location is the path in the file."""

    def __init__(
        self,
        values: fields.Field,
        *,
        key_pattern: re.Pattern[str] | None = None,
        key_error: str = "",
        **kwargs: Any,
    ) -> None:
        super().__init__(**kwargs)
        self.values = values
        self.key_pattern = key_pattern
        self.key_error = key_error

    def _bind_to_schema(self, field_name: str, parent: Any) -> None:
        super()._bind_to_schema(field_name, parent)
        self.values = copy.deepcopy(self.values)
        self.values._bind_to_schema(field_name, self)

    def _deserialize(self, value: Any, attr: Any, data: Any, **kwargs: Any) -> dict[str, Any]:
        if not isinstance(value, dict):
            raise ValidationError("Not a valid object.")
        result: dict[str, Any] = {}
        errors: dict[str, Any] = {}
        for key, each in value.items():
            if self.key_pattern is not None and not self.key_pattern.match(key):
                errors[key] = [self.key_error.format(key=key)]
                continue
            try:
                result[key] = self.values.deserialize(each, **kwargs)
            except ValidationError as error:
                errors[key] = error.messages
        if errors:
            raise ValidationError(errors)
        return result


def real_end_date(value: str) -> None:
    """A survey end date that is a real day (and time), in one of the two shapes REDCap takes."""
    if not END_DATE.match(value):
        return  # the pattern reports the shape
    shape = "%Y-%m-%d %H:%M" if " " in value else "%Y-%m-%d"
    try:
        datetime.strptime(value, shape)
    except ValueError:
        raise ValidationError(
            f"'{value}' is not a real date (YYYY-MM-DD or YYYY-MM-DD HH:MM)"
        ) from None


def _nested(schema: type[Schema], **kwargs: Any) -> fields.Nested:
    return fields.Nested(schema, **kwargs)


def _list_of(schema: type[Schema], **kwargs: Any) -> fields.List:
    return fields.List(fields.Nested(schema), **kwargs)


class ChoiceSchema(Closed):
    """One option of a field's ``choices`` (``/fields/N/choices/M``)."""

    code = Text(required=True, metadata={"description": "The stored value, e.g. '1'."})
    label = fields.String(
        metadata={
            "description": "What the respondent sees. Leave out for a legacy code-only choice."
        }
    )

    @post_load
    def make(self, data: dict, **_: Any) -> model.Choice:
        return model.Choice(**data)


class ValidationSchema(Closed):
    """A text field's ``validation``: a REDCap validation type, its min and max."""

    type = fields.String(
        required=True,
        metadata={"description": "A REDCap validation type, e.g. 'integer', 'date_ymd'."},
    )
    min = Text(load_default="")
    max = Text(load_default="")

    @post_load
    def make(self, data: dict, **_: Any) -> model.Validation:
        return model.Validation(**data)


class SliderSchema(Closed):
    """A slider field's ``slider``: its labels, whether it shows the number, its range."""

    labels = fields.List(
        fields.String(),
        load_default=list,
        validate=validate.Length(max=3),
        metadata={"description": "Up to three labels: left, middle, right."},
    )
    show_number = StrictBool(load_default=False)
    min = Text(load_default="", metadata={"description": "Integer; REDCap's default is 0."})
    max = Text(load_default="", metadata={"description": "Integer; REDCap's default is 100."})

    @post_load
    def make(self, data: dict, **_: Any) -> model.Slider:
        return model.Slider(**{**data, "labels": tuple(data["labels"])})


class MatrixSchema(Closed):
    """A field's ``matrix``: the matrix group it is shown in, and whether that group ranks."""

    group = fields.String(required=True)
    ranking = StrictBool(load_default=False)

    @post_load
    def make(self, data: dict, **_: Any) -> model.Matrix:
        return model.Matrix(**data)


class FieldSchema(Closed):
    name = fields.String(required=True)
    form = fields.String(
        load_default="", metadata={"description": "May be left out when there is one form."}
    )
    type = fields.String(required=True, validate=validate.OneOf(model.FIELD_TYPES))
    label = fields.String(load_default="")
    choices = _list_of(ChoiceSchema, load_default=list)
    calculation = fields.String(load_default="", metadata={"description": "calc fields only."})
    sql = fields.String(load_default="", metadata={"description": "sql fields only."})
    section_header = fields.String(load_default="")
    note = fields.String(load_default="")
    validation = _nested(ValidationSchema, load_default=None)
    slider = _nested(SliderSchema, load_default=None)
    identifier = StrictBool(load_default=False, metadata={"description": "Holds PHI."})
    branching_logic = fields.String(load_default="")
    required = StrictBool(load_default=False)
    alignment = fields.String(load_default="", validate=validate.OneOf(["", *model.ALIGNMENTS]))
    question_number = fields.String(load_default="")
    matrix = _nested(MatrixSchema, load_default=None)
    annotation = fields.String(load_default="", metadata={"description": "Action tags and notes."})
    domain = fields.String(load_default="", metadata={"description": "Report section."})

    @post_load
    def make(self, data: dict, **_: Any) -> model.Field:
        return model.Field(**data)


class SurveySettingsSchema(Closed):
    """A survey form's ``survey_settings`` (``/forms/N/survey_settings``)."""

    title = fields.String(load_default="", metadata={"description": "The survey page's title."})
    instructions = fields.String(
        load_default="", metadata={"description": "Shown above the first question."}
    )
    acknowledgement = fields.String(
        load_default="", metadata={"description": "The closing message after the final submit."}
    )
    end_date = fields.String(
        load_default="",
        validate=[
            validate.Regexp(END_DATE, error="'{input}' is not YYYY-MM-DD or YYYY-MM-DD HH:MM"),
            real_end_date,
        ],
        metadata={
            "description": "After this day (or moment, server time) the survey link says the "
            "survey has closed."
        },
    )

    @post_load
    def make(self, data: dict, **_: Any) -> model.SurveySettings:
        return model.SurveySettings(**data)


class FormSchema(Closed):
    name = fields.String(required=True)
    label = fields.String(required=True)
    survey = StrictBool(load_default=False)
    survey_settings = _nested(
        SurveySettingsSchema,
        load_default=None,
        metadata={"description": "Survey forms only: title, instructions, closing message."},
    )

    @post_load
    def make(self, data: dict, **_: Any) -> model.Form:
        return model.Form(**data)


class DomainSchema(Closed):
    name = fields.String(required=True)
    label = fields.String(required=True)

    @post_load
    def make(self, data: dict, **_: Any) -> model.Domain:
        return model.Domain(**data)


class MissingCodeSchema(Closed):
    code = Text(required=True)
    label = fields.String(required=True)
    meaning = fields.String(required=True, validate=validate.OneOf(model.MISSING_MEANINGS))

    @post_load
    def make(self, data: dict, **_: Any) -> model.MissingCode:
        return model.MissingCode(**data)


class UnitSchema(Closed):
    label = fields.String(required=True, metadata={"description": "e.g. 'practice'."})
    id_field = fields.String(required=True, metadata={"description": "Field holding the unit id."})

    @post_load
    def make(self, data: dict, **_: Any) -> model.Unit:
        return model.Unit(**data)


class WaveEventSchema(Closed):
    """One event of ``waves`` (``/waves/events/N``)."""

    name = fields.String(required=True, metadata={"description": "Wave key, e.g. 'baseline'."})
    label = fields.String(required=True, metadata={"description": "REDCap event name (30 max)."})
    month = fields.Float(required=True, metadata={"description": "Months since baseline."})
    forms = fields.List(fields.String(), load_default=list)
    event = fields.String(
        load_default="",
        metadata={"description": "Unique name of the /structure event this wave is."},
    )

    @post_load
    def make(self, data: dict, **_: Any) -> model.WaveEvent:
        return model.WaveEvent(**data)


class WavesSchema(Closed):
    mode = fields.String(required=True, validate=validate.OneOf(model.WAVE_MODES))
    events = _list_of(WaveEventSchema, load_default=list)
    form = fields.String(load_default="")
    date_field = fields.String(load_default="")

    @post_load
    def make(self, data: dict, **_: Any) -> model.Waves:
        return model.Waves(**data)


class StructureArmSchema(Closed):
    """One arm of ``structure`` (``/structure/arms/N``)."""

    number = fields.Integer(required=True, validate=validate.Range(min=1, max=99))
    name = fields.String(required=True, metadata={"description": "e.g. 'Drug A' (50 max)."})

    @post_load
    def make(self, data: dict, **_: Any) -> model.StructureArm:
        return model.StructureArm(**data)


class StructureEventSchema(Closed):
    """One event of ``structure`` (``/structure/events/N``)."""

    unique_name = fields.String(
        required=True, metadata={"description": "REDCap's unique event name, e.g. 'visit_1_arm_1'."}
    )
    label = fields.String(required=True, metadata={"description": "Event name (30 max)."})
    arm = fields.Integer(load_default=1, metadata={"description": "The arm's number."})
    day_offset = fields.Float(load_default=0, metadata={"description": "Days from the start."})
    offset_min = fields.Float(load_default=0, validate=validate.Range(min=0))
    offset_max = fields.Float(load_default=0, validate=validate.Range(min=0))
    custom_label = fields.String(load_default="", metadata={"description": "Piped label."})
    forms = fields.List(
        fields.String(), load_default=list, metadata={"description": "Forms designated for it."}
    )

    @post_load
    def make(self, data: dict, **_: Any) -> model.StructureEvent:
        return model.StructureEvent(**data)


class RepeatSchema(Closed):
    """One repeating setting of ``structure`` (``/structure/repeating/N``)."""

    event = fields.String(load_default="", metadata={"description": "Unique event name."})
    form = fields.String(load_default="", metadata={"description": "Empty: the whole event."})
    custom_label = fields.String(load_default="")

    @post_load
    def make(self, data: dict, **_: Any) -> model.Repeat:
        return model.Repeat(**data)


class StructureSchema(Closed):
    """A project's arms, events and repeating settings as REDCap holds them (``/structure``)."""

    arms = _list_of(StructureArmSchema, load_default=list)
    events = _list_of(StructureEventSchema, load_default=list)
    repeating = _list_of(RepeatSchema, load_default=list)

    @post_load
    def make(self, data: dict, **_: Any) -> model.Structure:
        return model.Structure(**data)


class BandSchema(Closed):
    """One band of a score's ``bands`` (``/scales/N/bands/bands/M``)."""

    label = fields.String(required=True)
    min = fields.Float(required=True)
    max = fields.Float(required=True)
    guidance = fields.String(load_default="")

    @post_load
    def make(self, data: dict, **_: Any) -> model.Band:
        return model.Band(**data)


class BandsSchema(Closed):
    """A scale's or composite's ``bands``: the interpretation bands and their convention."""

    convention = fields.String(
        required=True,
        validate=validate.OneOf(["local"]),
        metadata={"description": "Always 'local': bands are a local convention, not a cut-off."},
    )
    description = fields.String(required=True, validate=validate.Length(min=1))
    bands = _list_of(BandSchema, required=True, validate=validate.Length(min=1))

    @post_load
    def make(self, data: dict, **_: Any) -> model.Bands:
        return model.Bands(**data)


class MinAnsweredSchema(Closed):
    """A scale's ``min_answered``: a count or a fraction of its items, not both."""

    count = fields.Integer(strict=True, validate=validate.Range(min=1))
    fraction = fields.Float(validate=validate.Range(min=0, max=1, min_inclusive=False))

    @validates_schema
    def one_of(self, data: dict, **_: Any) -> None:
        """Exactly one of ``count`` and ``fraction`` is given."""
        if ("count" in data) == ("fraction" in data):
            raise ValidationError("give exactly one of 'count' and 'fraction'")

    @post_load
    def make(self, data: dict, **_: Any) -> model.MinAnswered:
        return model.MinAnswered(**data)


class _ScaleBase(Closed):
    name = fields.String(required=True)
    label = fields.String(required=True)
    method = fields.String(load_default="mean", validate=validate.OneOf(model.SCALE_METHODS))
    min_answered = _nested(MinAnsweredSchema, load_default=lambda: model.MinAnswered(fraction=0.5))
    rescale = fields.String(load_default=None, validate=validate.OneOf(model.RESCALES))
    score_field = fields.String(load_default="")
    bands = _nested(BandsSchema, load_default=None)


class ScaleSchema(_ScaleBase):
    items = fields.List(fields.String(), required=True)
    reverse = fields.List(fields.String(), load_default=list)
    item_range = fields.Tuple((fields.Float(), fields.Float()), load_default=None)

    @post_load
    def make(self, data: dict, **_: Any) -> model.Scale:
        return model.Scale(**data)


class CompositeSchema(_ScaleBase):
    """One entry of ``composites``: a score made of other scales' scores."""

    scales = fields.List(fields.String(), required=True)

    @post_load
    def make(self, data: dict, **_: Any) -> model.Scale:
        return model.Scale(**data)


class CodingSchema(Closed):
    unit_field = fields.String(required=True, metadata={"description": "The coded unit's id."})
    coder_field = fields.String(required=True, metadata={"description": "Who coded it."})
    codes = fields.List(
        fields.String(),
        required=True,
        validate=validate.Length(min=1),
        metadata={"description": "Categorical fields the coders' records are compared on."},
    )

    @post_load
    def make(self, data: dict, **_: Any) -> model.Coding:
        return model.Coding(**data)


class SourceSchema(Closed):
    citation = fields.String(required=True)
    licence_note = fields.String(load_default="")
    url = fields.String(load_default="")

    @post_load
    def make(self, data: dict, **_: Any) -> model.Source:
        return model.Source(**data)


class SurveyTextsSchema(Closed):
    """One survey's texts in a translation (``/translations/LANG/forms/NAME/survey``)."""

    title = fields.String(load_default="")
    instructions = fields.String(load_default="")
    acknowledgement = fields.String(load_default="")

    @post_load
    def make(self, data: dict, **_: Any) -> model.SurveyTexts:
        return model.SurveyTexts(**data)


class FormTextsSchema(Closed):
    """One form's texts in a translation (``/translations/LANG/forms/NAME``)."""

    label = fields.String(load_default="")
    survey = _nested(SurveyTextsSchema, load_default=None)

    @post_load
    def make(self, data: dict, **_: Any) -> model.FormTexts:
        return model.FormTexts(**data)


class FieldTextsSchema(Closed):
    """One field's texts in a translation (``/translations/LANG/fields/NAME``)."""

    label = fields.String(load_default="")
    note = fields.String(load_default="")
    section_header = fields.String(load_default="")
    choices = Keyed(
        fields.String(),
        load_default=dict,
        metadata={"description": "Choice code -> label; yes/no and true/false use '1' and '0'."},
    )
    slider_labels = fields.List(
        fields.String(),
        load_default=list,
        validate=validate.Length(max=3),
        metadata={"description": "Left, middle, right, as the field's slider labels."},
    )

    @post_load
    def make(self, data: dict, **_: Any) -> model.FieldTexts:
        return model.FieldTexts(**{**data, "slider_labels": tuple(data["slider_labels"])})


class TranslationSchema(Closed):
    """One language's texts under ``translations`` (``/translations/LANG``)."""

    name = fields.String(
        required=True,
        validate=validate.Length(min=1),
        metadata={"description": "The language's own name for itself, e.g. 'Français'."},
    )
    title = fields.String(load_default="")
    description = fields.String(load_default="")
    domains = Keyed(fields.String(), load_default=dict, metadata={"description": "Domain labels."})
    forms = Keyed(_nested(FormTextsSchema), load_default=dict)
    field_texts = Keyed(_nested(FieldTextsSchema), data_key="fields", load_default=dict)

    @post_load
    def make(self, data: dict, **_: Any) -> dict[str, Any]:
        data["fields"] = data.pop("field_texts")
        return data  # the language code is the key above this; InstrumentSchema adds it


class InstrumentSchema(Closed):
    """A whole instrument file; loading it gives an :class:`~instruments.model.Instrument`."""

    id = fields.String(
        required=True, metadata={"description": "Instrument id, e.g. 'provider_scan'."}
    )
    version = fields.String(
        required=True, validate=validate.Regexp(SEMVER, error="'{input}' is not a semantic version")
    )
    title = fields.String(required=True)
    description = fields.String(load_default="")
    kind = fields.String(required=True, validate=validate.OneOf(model.KINDS))
    respondent = fields.String(required=True, metadata={"description": "Who answers it."})
    source = _nested(SourceSchema, required=True)
    record_id = fields.String(required=True, metadata={"description": "The first field's name."})
    unit = _nested(UnitSchema, load_default=None)
    grouping = fields.List(fields.String(), load_default=list)
    domains = _list_of(DomainSchema, load_default=list)
    waves = _nested(WavesSchema, load_default=None)
    structure = _nested(StructureSchema, load_default=None)
    missing_codes = _list_of(MissingCodeSchema, load_default=list)
    forms = _list_of(FormSchema, required=True, validate=validate.Length(min=1))
    field_list = _list_of(
        FieldSchema, data_key="fields", required=True, validate=validate.Length(min=1)
    )
    scales = _list_of(ScaleSchema, load_default=list)
    composites = _list_of(CompositeSchema, load_default=list)
    coding = _nested(CodingSchema, load_default=None)
    language = fields.String(
        load_default="en",
        validate=validate.Regexp(LANGUAGE_TAG, error="'{input}' is not a language code like 'en'"),
        metadata={"description": "The primary language (BCP 47), the data dictionary's texts."},
    )
    translations = Keyed(
        _nested(TranslationSchema),
        key_pattern=LANGUAGE_TAG,
        key_error="not a language code like 'fr' or 'pt-BR'",
        load_default=dict,
        metadata={"description": "Language code (BCP 47) -> every text in that language."},
    )

    @post_load
    def make(self, data: dict, **_: Any) -> model.Instrument:
        data["fields"] = data.pop("field_list")
        data["translations"] = {
            code: _translation(code, texts) for code, texts in data["translations"].items()
        }
        for i, form in enumerate(data["forms"]):
            if form.survey_settings is not None:
                form.survey_settings.pointer = f"/forms/{i}/survey_settings"
        return model.Instrument(**data)


def _translation(code: str, texts: dict[str, Any]) -> model.Translation:
    """A translation with the language code it is keyed by, each node knowing where it was read."""
    pointer = f"/translations/{pointer_token(code)}"
    for name, form in texts["forms"].items():
        form.pointer = f"{pointer}/forms/{pointer_token(name)}"
    for name, fld in texts["fields"].items():
        fld.pointer = f"{pointer}/fields/{pointer_token(name)}"
    return model.Translation(language=code, pointer=pointer, **texts)
