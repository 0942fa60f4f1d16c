"""Languages and survey settings: every text is translated into every declared language (a
warning where one is missing, at the primary text's location, as XLSForm tools warn of a missing
``label::fr``), a translation names only what the instrument has (an error at the translation's
location), and survey texts belong to survey forms."""

from __future__ import annotations

from collections.abc import Iterator

from instruments.checks.report import Reporter
from instruments.model import (
    FIXED_CHOICE_TYPES,
    Field,
    FieldTexts,
    Form,
    FormTexts,
    Instrument,
    Translation,
)
from instruments.problems import ErrorCode, Problem, did_you_mean, pointer_token

SURVEY_TEXTS = ("title", "instructions", "acknowledgement")


def check(instrument: Instrument) -> list[Problem]:
    report = Reporter(instrument.read_from)
    for form in instrument.forms:
        if form.survey_settings is not None and not form.survey:
            report(
                ErrorCode.SURVEY_SETTINGS_NOT_SURVEY,
                form.survey_settings.pointer,
                form=form.name,
                what="survey settings",
            )
    for translation in instrument.translations.values():
        if translation.language == instrument.language:
            report(ErrorCode.TRANSLATION_PRIMARY, translation.pointer, language=instrument.language)
            continue
        _names(instrument, translation, report)
        _missing(instrument, translation, report)
    return report.found


# -- what a translation names ------------------------------------------------------------------


def _names(instrument: Instrument, translation: Translation, report: Reporter) -> None:
    language = translation.language
    for key, primary in (("title", instrument.title), ("description", instrument.description)):
        if getattr(translation, key) and not primary:
            _extra(report, language, f"{translation.pointer}/{key}", f"the instrument's {key}")
    domains = [d.name for d in instrument.domains]
    for name in translation.domains:
        if name not in domains:
            where = f"{translation.pointer}/domains/{pointer_token(name)}"
            _unknown(report, language, where, "domain", name, domains)
    forms = instrument.form_map()
    for name, texts in translation.forms.items():
        form = forms.get(name)
        if form is None:
            _unknown(report, language, texts.pointer, "form", name, list(forms))
        else:
            _form_names(form, texts, language, report)
    fields = instrument.field_map()
    for name, field_texts in translation.fields.items():
        fld = fields.get(name)
        if fld is None:
            _unknown(report, language, field_texts.pointer, "field", name, list(fields))
        else:
            _field_names(fld, field_texts, language, report)


def _form_names(form: Form, texts: FormTexts, language: str, report: Reporter) -> None:
    if texts.label and not form.label:
        _extra(report, language, f"{texts.pointer}/label", f"a label for form '{form.name}'")
    if texts.survey is None:
        return
    if not form.survey:
        report(
            ErrorCode.SURVEY_SETTINGS_NOT_SURVEY,
            f"{texts.pointer}/survey",
            form=form.name,
            what=f"'{language}' survey texts",
        )
        return
    settings = form.survey_settings
    for key in SURVEY_TEXTS:
        if getattr(texts.survey, key) and not (settings and getattr(settings, key)):
            where = f"{texts.pointer}/survey/{key}"
            _extra(report, language, where, f"a survey {key} for form '{form.name}'")


def _field_names(fld: Field, texts: FieldTexts, language: str, report: Reporter) -> None:
    for key in ("label", "note", "section_header"):
        if getattr(texts, key) and not getattr(fld, key):
            what = f"a {key.replace('_', ' ')}"
            _extra(report, language, f"{texts.pointer}/{key}", what, fld.name)
    codes = fld.choice_codes()
    for code in texts.choices:
        if code not in codes:
            where = f"{texts.pointer}/choices/{pointer_token(code)}"
            _unknown(report, language, where, "choice code", code, codes, fld.name)
    primary = fld.slider.labels if fld.slider is not None else ()
    for j, label in enumerate(texts.slider_labels):
        if label and not (j < len(primary) and primary[j]):
            where = f"{texts.pointer}/slider_labels/{j}"
            _extra(report, language, where, f"slider label {j + 1}", fld.name)


def _unknown(
    report: Reporter,
    language: str,
    pointer: str,
    what: str,
    name: str,
    known: list[str],
    field: str = "",
) -> None:
    report(
        ErrorCode.TRANSLATION_UNKNOWN,
        pointer,
        field,
        language=language,
        what=what,
        name=name,
        suggestion=did_you_mean(name, known),
    )


def _extra(report: Reporter, language: str, pointer: str, what: str, field: str = "") -> None:
    report(ErrorCode.TRANSLATION_EXTRA, pointer, field, language=language, what=what)


# -- what a translation leaves out -------------------------------------------------------------


def _missing(instrument: Instrument, translation: Translation, report: Reporter) -> None:
    for pointer, field, what, translated in primary_texts(instrument, translation):
        if not translated:
            report(
                ErrorCode.TRANSLATION_MISSING,
                pointer,
                field,
                language=translation.language,
                what=what,
            )


def primary_texts(
    instrument: Instrument, translation: Translation
) -> Iterator[tuple[str, str, str, str]]:
    """Every non-empty primary-language text, as (its pointer, its field or '', what it is,
    its translation or '')."""
    if instrument.title:
        yield "/title", "", "the title", translation.title
    if instrument.description:
        yield "/description", "", "the description", translation.description
    for domain in instrument.domains:
        yield (
            f"{domain.pointer}/label",
            "",
            f"the label of domain '{domain.name}'",
            translation.domains.get(domain.name, ""),
        )
    for form in instrument.forms:
        texts = translation.forms.get(form.name, FormTexts())
        yield f"{form.pointer}/label", "", f"the label of form '{form.name}'", texts.label
        settings = form.survey_settings
        if settings is None or not form.survey:
            continue
        for key in SURVEY_TEXTS:
            if getattr(settings, key):
                given = getattr(texts.survey, key) if texts.survey is not None else ""
                what = f"the survey {key} of form '{form.name}'"
                yield f"{settings.pointer}/{key}", "", what, given
    for fld in instrument.fields:
        yield from _field_texts(fld, translation)


def _field_texts(fld: Field, translation: Translation) -> Iterator[tuple[str, str, str, str]]:
    texts = translation.fields.get(fld.name)
    for key in ("label", "note", "section_header"):
        if getattr(fld, key):
            given = getattr(texts, key) if texts is not None else ""
            yield f"{fld.pointer}/{key}", fld.name, f"the {key.replace('_', ' ')}", given
    choices = texts.choices if texts is not None else {}
    if fld.type in FIXED_CHOICE_TYPES:
        for code, label in fld.choice_labels().items():
            what = f"the {fld.type} choice '{code}' ({label})"
            yield fld.pointer, fld.name, what, choices.get(code, "")
    for choice in fld.choices:
        if choice.label:
            what = f"the label of choice '{choice.code}'"
            yield f"{choice.pointer}/label", fld.name, what, choices.get(choice.code, "")
    if fld.slider is not None:
        given = texts.slider_labels if texts is not None else ()
        for j, label in enumerate(fld.slider.labels):
            if label:
                what = f"slider label {j + 1}"
                yield (
                    f"{fld.pointer}/slider/labels/{j}",
                    fld.name,
                    what,
                    given[j] if j < len(given) else "",
                )
