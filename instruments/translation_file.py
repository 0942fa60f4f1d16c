"""The translation file: one language's texts of a compiled project, written beside the data
dictionary for the project's designer, and read back by survey pages.

REDCap keeps one language in its data dictionary; other languages live in its Multi-Language
Management (MLM), whose own export file has no published format. So ``qiscan instruments compile``
keeps the primary language in the dictionary and writes, per other language, this documented
qiscan file (``OUT.<code>.json``), keyed by the names REDCap shows in MLM (form names, field
names, choice codes) so a designer can enter each text in MLM's Forms/Surveys tab:

    {
      "format": "qiscan-translation/1",
      "language": {"code": "fr", "name": "Français"},
      "primary_language": "en",
      "instruments": [{"id": "provider_scan", "version": "1.0.0"}],
      "forms": {"provider_scan": {"label": "...",
                                  "survey": {"title": "...", "instructions": "...",
                                             "acknowledgement": "..."}}},
      "fields": {"org_type": {"label": "...", "note": "", "section_header": "...",
                              "choices": {"1": "...", "2": "..."}, "slider_labels": []}},
      "untranslated": ["provider_scan.json /fields/3/note"]
    }

Every text a respondent sees is there, in the language where the instrument translates it and in
the primary language where it does not; ``untranslated`` lists the instrument-file locations of
those, so nothing in the primary language is mistaken for a translation. ``survey`` is present
for survey forms only. ``read_translation_file`` reads the file back into :class:`PageTexts`, the
texts a survey page shows.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from marshmallow import ValidationError, fields, post_load, validate

from instruments.checks.translations import primary_texts
from instruments.model import Field, Instrument
from instruments.schema import Closed
from instruments.translate import languages, translated

FORMAT = "qiscan-translation/1"


@dataclass(frozen=True)
class SurveyPageTexts:
    """A survey's page texts in one language."""

    title: str = ""
    instructions: str = ""
    acknowledgement: str = ""


@dataclass(frozen=True)
class FormPageTexts:
    """A form's texts in one language."""

    label: str = ""
    survey: SurveyPageTexts | None = None  # survey forms only


@dataclass(frozen=True)
class FieldPageTexts:
    """A field's texts in one language, as its survey page shows them."""

    label: str = ""
    note: str = ""
    section_header: str = ""
    choices: dict[str, str] = field(default_factory=dict)  # code -> label, in choice order
    slider_labels: tuple[str, ...] = ()


@dataclass(frozen=True)
class PageTexts:
    """What a survey page shows in one language, by form and field name."""

    language: str
    name: str
    forms: dict[str, FormPageTexts] = field(default_factory=dict)
    fields: dict[str, FieldPageTexts] = field(default_factory=dict)


class TranslationFileError(ValueError):
    """A translation file that is not in the format; the message lists where and what."""


def page_texts(instrument: Instrument, language: str) -> PageTexts:
    """The instrument's page texts in ``language`` (the primary language included);
    instruments.translate.UnknownLanguage when it has no such translation."""
    speaking = translated(instrument, language)
    name = dict(languages(instrument))[language]
    forms = {
        form.name: FormPageTexts(
            label=form.label,
            survey=SurveyPageTexts(
                title=form.survey_settings.title if form.survey_settings else "",
                instructions=form.survey_settings.instructions if form.survey_settings else "",
                acknowledgement=form.survey_settings.acknowledgement
                if form.survey_settings
                else "",
            )
            if form.survey
            else None,
        )
        for form in speaking.forms
    }
    return PageTexts(
        language, name, forms, {fld.name: _field_texts(fld) for fld in speaking.fields}
    )


def _field_texts(fld: Field) -> FieldPageTexts:
    choices = fld.choice_labels() if fld.categorical else {}
    return FieldPageTexts(
        label=fld.label,
        note=fld.note,
        section_header=fld.section_header,
        choices=choices,
        slider_labels=fld.slider.labels if fld.slider is not None else (),
    )


def translation_file(instrument: Instrument, language: str) -> dict[str, Any]:
    """The translation file of one instrument in ``language``, as JSON-ready data."""
    texts = page_texts(instrument, language)
    translation = instrument.translations.get(language)
    untranslated = (
        [pointer for pointer, _, _, given in primary_texts(instrument, translation) if not given]
        if translation is not None
        else []
    )
    return {
        "format": FORMAT,
        "language": {"code": texts.language, "name": texts.name},
        "primary_language": instrument.language,
        "instruments": [{"id": instrument.id, "version": instrument.version}],
        "forms": {name: _form_data(form) for name, form in texts.forms.items()},
        "fields": {
            name: {
                "label": fld.label,
                "note": fld.note,
                "section_header": fld.section_header,
                "choices": dict(fld.choices),
                "slider_labels": list(fld.slider_labels),
            }
            for name, fld in texts.fields.items()
        },
        "untranslated": [f"{instrument.id}.json {pointer}" for pointer in untranslated],
    }


def _form_data(form: FormPageTexts) -> dict[str, Any]:
    data: dict[str, Any] = {"label": form.label}
    if form.survey is not None:
        data["survey"] = {
            "title": form.survey.title,
            "instructions": form.survey.instructions,
            "acknowledgement": form.survey.acknowledgement,
        }
    return data


def translation_files(instruments: list[Instrument]) -> dict[str, dict[str, Any]]:
    """One translation file per language other than the primary ones, for instruments compiled
    into one project: each instrument's forms and fields in the language, where it has it."""
    files: dict[str, dict[str, Any]] = {}
    for instrument in instruments:
        for code in instrument.translations:
            if code == instrument.language:
                continue
            made = translation_file(instrument, code)
            if code not in files:
                files[code] = made
                continue
            merged = files[code]
            for key in ("instruments", "untranslated"):
                merged[key].extend(made[key])
            merged["forms"].update(made["forms"])
            merged["fields"].update(made["fields"])
    return files


# -- reading it back ---------------------------------------------------------------------------


class _Language(Closed):
    code = fields.String(required=True)
    name = fields.String(required=True)


class _Survey(Closed):
    title = fields.String(load_default="")
    instructions = fields.String(load_default="")
    acknowledgement = fields.String(load_default="")

    @post_load
    def make(self, data: dict, **_: Any) -> SurveyPageTexts:
        return SurveyPageTexts(**data)


class _Form(Closed):
    label = fields.String(load_default="")
    survey = fields.Nested(_Survey, load_default=None)

    @post_load
    def make(self, data: dict, **_: Any) -> FormPageTexts:
        return FormPageTexts(**data)


class _Field(Closed):
    label = fields.String(load_default="")
    note = fields.String(load_default="")
    section_header = fields.String(load_default="")
    choices = fields.Dict(keys=fields.String(), values=fields.String(), load_default=dict)
    slider_labels = fields.List(fields.String(), load_default=list)

    @post_load
    def make(self, data: dict, **_: Any) -> FieldPageTexts:
        return FieldPageTexts(**{**data, "slider_labels": tuple(data["slider_labels"])})


class _File(Closed):
    format = fields.String(required=True, validate=validate.Equal(FORMAT))
    language = fields.Nested(_Language, required=True)
    primary_language = fields.String(load_default="")
    instruments = fields.List(fields.Dict(), load_default=list)
    forms = fields.Dict(keys=fields.String(), values=fields.Nested(_Form), load_default=dict)
    fields_ = fields.Dict(
        keys=fields.String(), values=fields.Nested(_Field), data_key="fields", load_default=dict
    )
    untranslated = fields.List(fields.String(), load_default=list)


def read_translation_file(data: dict[str, Any]) -> PageTexts:
    """The page texts of a translation file's data (parsed JSON); TranslationFileError says
    where it departs from the format."""
    try:
        loaded = _File().load(data)
    except ValidationError as exc:
        lines = "; ".join(_located(exc.messages, ""))
        raise TranslationFileError(f"not a {FORMAT} file: {lines}") from None
    language = loaded["language"]
    return PageTexts(language["code"], language["name"], loaded["forms"], loaded["fields_"])


def _located(messages: Any, pointer: str) -> list[str]:
    if isinstance(messages, dict):
        found = []
        for key, sub in messages.items():
            step = "" if key in ("value", "key") else f"/{key}"
            found.extend(_located(sub, pointer + step))
        return found
    return [f"{pointer or '/'}: {' '.join(str(m) for m in messages)}"]
