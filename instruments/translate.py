"""An instrument in another language: the same instrument, codes and logic, with its texts
replaced by a translation.

``translated(instrument, "fr")`` is what reports, the statistics table and survey pages read to
speak French: every label, note, section header, choice label, yes/no label, slider label, domain
label, form label, survey text and the title come from the instrument's French translation, and a
text the translation leaves out keeps its primary-language wording (validation has warned of it).
Names, codes, branching logic, calculations and scales are never touched, so answers stored
through a translated page are the same codes as through the primary one.
"""

from __future__ import annotations

import copy
from dataclasses import replace

from instruments.model import (
    Field,
    FieldTexts,
    Form,
    FormTexts,
    Instrument,
    SurveySettings,
)

# The name each language gives itself, for the primary language (a translation names itself).
ENDONYMS = {
    "ar": "العربية",
    "de": "Deutsch",
    "en": "English",
    "es": "Español",
    "fr": "Français",
    "it": "Italiano",
    "ja": "日本語",
    "nl": "Nederlands",
    "pt": "Português",
    "ru": "Русский",
    "zh": "中文",
}


class UnknownLanguage(ValueError):
    """The instrument has no translation into the language asked for."""


def languages(instrument: Instrument) -> list[tuple[str, str]]:
    """(code, name) of every language the instrument speaks: the primary one first."""
    primary = instrument.language
    name = ENDONYMS.get(primary.split("-")[0].lower(), primary)
    return [(primary, name)] + [
        (code, translation.name) for code, translation in instrument.translations.items()
    ]


def translated(instrument: Instrument, language: str) -> Instrument:
    """A copy of the instrument with its texts in ``language`` (its ``language`` set to that
    code), or the instrument itself for its primary language. UnknownLanguage names the
    languages there are."""
    if language == instrument.language:
        return instrument
    translation = instrument.translations.get(language)
    if translation is None:
        available = ", ".join(f"{code} ({name})" for code, name in languages(instrument))
        raise UnknownLanguage(
            f"instrument '{instrument.id}' has no '{language}' translation; "
            f"choose from: {available}"
        )
    # A translated instrument speaks one language: its own code, and no further translations.
    return replace(
        copy.deepcopy(instrument),
        language=language,
        translations={},
        title=translation.title or instrument.title,
        description=translation.description or instrument.description,
        domains=[
            replace(d, label=translation.domains.get(d.name) or d.label) for d in instrument.domains
        ],
        forms=[_form(f, translation.forms.get(f.name)) for f in instrument.forms],
        fields=[_field(f, translation.fields.get(f.name)) for f in instrument.fields],
    )


def _form(form: Form, texts: FormTexts | None) -> Form:
    if texts is None:
        return copy.deepcopy(form)
    settings = form.survey_settings
    if settings is not None and texts.survey is not None:
        settings = SurveySettings(
            title=texts.survey.title or settings.title,
            instructions=texts.survey.instructions or settings.instructions,
            acknowledgement=texts.survey.acknowledgement or settings.acknowledgement,
            end_date=settings.end_date,
            pointer=settings.pointer,
        )
    return replace(form, label=texts.label or form.label, survey_settings=copy.deepcopy(settings))


def _field(fld: Field, texts: FieldTexts | None) -> Field:
    copied = copy.deepcopy(fld)
    if texts is None:
        return copied
    copied.label = texts.label or fld.label
    copied.note = texts.note or fld.note
    copied.section_header = texts.section_header or fld.section_header
    for choice in copied.choices:
        if choice.label is not None:
            choice.label = texts.choices.get(choice.code) or choice.label
    if fld.type in ("yesno", "truefalse"):
        copied.fixed_labels = {
            code: label for code, label in texts.choices.items() if label and code in ("1", "0")
        }
    if copied.slider is not None:
        primary = copied.slider.labels
        copied.slider.labels = tuple(
            (texts.slider_labels[j] if j < len(texts.slider_labels) else "") or label
            for j, label in enumerate(primary)
        )
    return copied
