"""Instruments in several languages, and survey settings: the format reads them closed and located,
validation warns of every text left untranslated (as pyxform warns of a missing ``label::fr``)
and refuses a translation of what does not exist, ``translated`` swaps texts and nothing else,
and the translation file written for REDCap reads back to the same page texts."""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any

import jsonschema
import pytest

from instruments import load_shipped
from instruments.json_schema import instrument_json_schema
from instruments.translate import UnknownLanguage, languages, translated
from instruments.translation_file import (
    TranslationFileError,
    page_texts,
    read_translation_file,
    translation_file,
    translation_files,
)
from tests.instruments.helpers import base, check, field, only


def complete_french() -> dict[str, Any]:
    """A French translation of every text of the helpers' small instrument."""
    likert = {"1": "Pas du tout d'accord", "2": "Pas d'accord", "3": "Neutre"}
    likert |= {"4": "D'accord", "5": "Tout à fait d'accord"}
    return {
        "name": "Français",
        "title": "Mini préparation",
        "domains": {"profile": "Profil", "lead": "Leadership"},
        "forms": {"profile": {"label": "Profil"}, "leadership": {"label": "Leadership"}},
        "fields": {
            "record_id": {"label": "Identifiant"},
            "practice_id": {"label": "Cabinet"},
            "region": {"label": "Région", "choices": {"1": "Nord", "2": "Sud"}},
            "visit_date": {"label": "Date"},
            "supports": {"label": "Soutiens", "choices": {"1": "Subvention", "2": "Personnel"}},
            "lead_1": {"label": "Vision", "choices": likert},
            "lead_2": {"label": "Trop occupés", "choices": likert},
            "lead_note": {"label": "Notes"},
            "lead_total": {"label": "Total"},
            "score_lead": {"label": "Score"},
        },
    }


def with_french(**changes: Any) -> dict[str, Any]:
    data = base()
    data["translations"] = {"fr": {**complete_french(), **changes}}
    return data


def a_survey(data: dict[str, Any]) -> dict[str, Any]:
    """The profile form made a survey, with its settings."""
    data["forms"][0]["survey"] = True
    data["forms"][0]["survey_settings"] = {
        "title": "Tell us about your practice",
        "instructions": "About five minutes.",
        "acknowledgement": "Thank you.",
        "end_date": "2026-03-31",
    }
    return data


# -- reading the format ------------------------------------------------------------------------


def test_a_complete_translation_loads_clean_and_the_primary_language_defaults_to_english():
    result = check(with_french())
    assert [str(p) for p in result.problems] == []
    instrument = result.unwrap()
    assert instrument.language == "en"
    french = instrument.translations["fr"]
    assert french.pointer == "/translations/fr"
    assert french.fields["region"].pointer == "/translations/fr/fields/region"
    assert languages(instrument) == [("en", "English"), ("fr", "Français")]


def test_unknown_keys_and_bad_language_codes_are_located_in_the_translations():
    data = with_french()
    data["translations"]["fr"]["fields"]["region"]["labl"] = "Région"
    data["translations"]["French"] = {"name": "Français"}
    result = check(data)
    assert only(result, "unknown-key").pointer == "/translations/fr/fields/region/labl"
    bad = only(result, "bad-value")
    assert bad.pointer == "/translations/French" and "not a language code" in bad.message


@pytest.mark.parametrize("end_date", ["31/03/2026", "2026-02-30", "2026-03-31 25:00"])
def test_a_survey_end_date_must_be_a_real_date_or_moment(end_date):
    data = a_survey(base())
    data["forms"][0]["survey_settings"]["end_date"] = end_date
    problem = only(check(data), "bad-value")
    assert problem.pointer == "/forms/0/survey_settings/end_date"
    assert end_date in problem.message


def test_survey_settings_are_read_with_their_closing_moment():
    data = a_survey(base())
    form = check(data).unwrap().forms[0]
    assert form.survey_settings is not None
    assert form.survey_settings.pointer == "/forms/0/survey_settings"
    assert form.survey_settings.acknowledgement == "Thank you."
    # a bare date stays open through that whole day
    assert form.survey_settings.closes_at() == datetime(2026, 4, 1)
    data["forms"][0]["survey_settings"]["end_date"] = "2026-03-31 17:30"
    timed = check(data).unwrap().forms[0].survey_settings
    assert timed is not None and timed.closes_at() == datetime(2026, 3, 31, 17, 30)


def test_survey_settings_on_a_form_that_is_not_a_survey_are_an_error():
    data = a_survey(base())
    data["forms"][0]["survey"] = False
    problem = only(check(data), "survey-settings-not-survey")
    assert problem.pointer == "/forms/0/survey_settings" and "'profile'" in problem.message


# -- what validation says ----------------------------------------------------------------------


def test_every_untranslated_text_is_a_warning_at_the_primary_texts_location():
    data = with_french()
    del data["translations"]["fr"]["fields"]["region"]["choices"]["2"]
    del data["translations"]["fr"]["domains"]["lead"]
    field(data, "lead_note")["note"] = "Optional."
    result = check(data)
    assert result.ok
    missing = {(p.pointer, p.field) for p in result.warnings}
    assert result.codes() == ["translation-missing"] * 3
    assert missing == {
        ("/fields/2/choices/1/label", "region"),
        ("/domains/1/label", ""),
        ("/fields/7/note", "lead_note"),
    }
    assert all("'fr'" in p.message for p in result.warnings)


def test_a_declared_language_with_no_texts_warns_once_per_text():
    data = base()
    data["translations"] = {"es": {"name": "Español"}}
    result = check(data)
    texts = 1 + 2 + 2 + 10 + 2 + 2 + 5 + 5  # title, domains, forms, labels, choices
    assert result.codes() == ["translation-missing"] * texts


def test_survey_texts_need_translating_too():
    data = a_survey(with_french())
    data["translations"]["fr"]["forms"]["profile"]["survey"] = {"title": "Parlez-nous du cabinet"}
    result = check(data)
    missing = sorted(p.pointer for p in result.warnings)
    assert missing == [
        "/forms/0/survey_settings/acknowledgement",
        "/forms/0/survey_settings/instructions",
    ]


@pytest.mark.parametrize(
    ("where", "texts", "pointer", "said"),
    [
        ("fields", {"regoin": {"label": "Région"}}, "/translations/fr/fields/regoin", "'region'"),
        ("forms", {"profil": {"label": "Profil"}}, "/translations/fr/forms/profil", "'profile'"),
        ("domains", {"leads": "Leadership"}, "/translations/fr/domains/leads", "'lead'"),
    ],
)
def test_a_translation_of_something_that_does_not_exist_is_an_error(where, texts, pointer, said):
    data = with_french()
    data["translations"]["fr"][where].update(texts)
    problem = only(check(data), "translation-unknown")
    assert problem.pointer == pointer
    assert f"Did you mean {said}?" in str(problem)


def test_a_translated_choice_code_the_field_does_not_have_is_an_error():
    data = with_french()
    data["translations"]["fr"]["fields"]["region"]["choices"]["3"] = "Est"
    problem = only(check(data), "translation-unknown")
    assert problem.pointer == "/translations/fr/fields/region/choices/3"
    assert problem.field == "region" and "choice code '3'" in problem.message


def test_a_translation_of_a_text_the_instrument_leaves_empty_is_an_error():
    data = with_french()
    data["translations"]["fr"]["fields"]["region"]["note"] = "Une note"
    problem = only(check(data), "translation-extra")
    assert problem.pointer == "/translations/fr/fields/region/note"


def test_survey_texts_for_a_form_that_is_not_a_survey_are_an_error():
    data = with_french()
    data["translations"]["fr"]["forms"]["profile"]["survey"] = {"title": "Titre"}
    problem = only(check(data), "survey-settings-not-survey")
    assert problem.pointer == "/translations/fr/forms/profile/survey"


def test_the_primary_language_takes_no_translation():
    data = base()
    data["translations"] = {"en": {**complete_french(), "name": "English"}}
    problem = only(check(data), "translation-primary")
    assert problem.pointer == "/translations/en"


# -- translated --------------------------------------------------------------------------------


def test_translated_swaps_texts_and_keeps_codes_names_and_logic():
    data = a_survey(with_french())
    del data["translations"]["fr"]["fields"]["region"]["choices"]["2"]
    data["translations"]["fr"]["forms"]["profile"]["survey"] = {
        "title": "Parlez-nous du cabinet",
        "instructions": "Environ cinq minutes.",
        "acknowledgement": "Merci.",
    }
    instrument = check(data).unwrap()
    french = translated(instrument, "fr")
    region = french.field_map()["region"]
    assert region.label == "Région"
    assert region.choice_labels() == {"1": "Nord", "2": "South"}  # untranslated: the primary text
    assert french.title == "Mini préparation" and french.domains[1].label == "Leadership"
    settings = french.forms[0].survey_settings
    assert settings is not None and settings.acknowledgement == "Merci."
    assert settings.end_date == "2026-03-31"
    assert french.language == "fr"
    for before, after in zip(instrument.fields, french.fields, strict=True):
        assert (after.name, after.type, after.branching_logic, after.calculation) == (
            before.name,
            before.type,
            before.branching_logic,
            before.calculation,
        )
        assert after.choice_codes() == before.choice_codes()
    assert instrument.field_map()["region"].label == "Region"  # the original is untouched
    assert translated(instrument, "en") is instrument


def test_yes_no_and_slider_labels_are_translated():
    data = base()
    yesno = {"name": "agrees", "form": "leadership", "type": "yesno", "label": "Agree?"}
    data["fields"].append({**yesno, "domain": "lead"})
    data["fields"].append(
        {
            "name": "confidence",
            "form": "leadership",
            "type": "slider",
            "label": "Confidence",
            "domain": "lead",
            "slider": {"labels": ["Low", "", "High"]},
        }
    )
    texts = complete_french()
    texts["fields"]["agrees"] = {"label": "D'accord ?", "choices": {"1": "Oui", "0": "Non"}}
    sliders = ["Faible", "", "Élevée"]
    texts["fields"]["confidence"] = {"label": "Confiance", "slider_labels": sliders}
    data["translations"] = {"fr": texts}
    result = check(data)
    assert [str(p) for p in result.problems] == []
    french = translated(result.unwrap(), "fr").field_map()
    assert french["agrees"].choice_labels() == {"1": "Oui", "0": "Non"}
    assert french["confidence"].slider is not None
    assert french["confidence"].slider.labels == ("Faible", "", "Élevée")
    del texts["fields"]["agrees"]["choices"]
    assert {p.pointer for p in check(data).warnings} == {"/fields/10"}


def test_an_unknown_language_names_the_languages_there_are():
    instrument = check(with_french()).unwrap()
    said = r"no 'de' translation; choose from: en \(English\), fr \(Français\)"
    with pytest.raises(UnknownLanguage, match=said):
        translated(instrument, "de")


# -- the shipped provider scan -----------------------------------------------------------------


@pytest.mark.parametrize("language", ["fr", "es"])
def test_the_provider_scan_is_complete_in_french_and_spanish(language):
    result = load_shipped("provider_scan")
    assert result.problems == []
    instrument = result.unwrap()
    assert [code for code, _ in languages(instrument)] == ["en", "fr", "es"]
    speaking = translated(instrument, language)
    form = speaking.forms[0]
    assert form.survey_settings is not None and form.survey_settings.end_date == ""
    english = instrument.forms[0].survey_settings
    assert english is not None
    for key in ("title", "instructions", "acknowledgement"):
        assert getattr(form.survey_settings, key) != getattr(english, key)
    for before, after in zip(instrument.fields, speaking.fields, strict=True):
        assert after.label != before.label or before.name == "record_id"
        assert list(after.choice_labels()) == list(before.choice_labels())
    qi = speaking.field_map()["qi_involvement"].choice_labels()
    assert {"fr": "jamais participé", "es": "Nunca hemos participado"}[language] in qi["2"]


# -- the translation file ----------------------------------------------------------------------


def test_the_translation_file_reads_back_to_the_same_page_texts():
    instrument = load_shipped("provider_scan").unwrap()
    for language in ("fr", "es"):
        written = json.loads(json.dumps(translation_file(instrument, language)))
        assert read_translation_file(written) == page_texts(instrument, language)
    french = page_texts(instrument, "fr")
    assert french.name == "Français"
    assert french.fields["moc_credit"].choices == {"1": "Oui", "0": "Non"}
    survey = french.forms["provider_scan"].survey
    assert survey is not None and survey.title.startswith("Analyse environnementale")
    assert translation_file(instrument, "fr")["untranslated"] == []


def test_the_translation_file_lists_what_it_leaves_in_the_primary_language():
    data = with_french()
    del data["translations"]["fr"]["fields"]["region"]["choices"]["2"]
    instrument = check(data).unwrap()
    written = translation_file(instrument, "fr")
    assert written["fields"]["region"]["choices"] == {"1": "Nord", "2": "South"}
    assert written["untranslated"] == ["mini.json /fields/2/choices/1/label"]
    assert read_translation_file(written).fields["region"].choices["2"] == "South"
    assert list(translation_files([instrument])) == ["fr"]


def test_a_file_not_in_the_format_is_refused_with_where():
    written = translation_file(check(with_french()).unwrap(), "fr")
    written["fields"]["region"]["choise"] = {}
    with pytest.raises(TranslationFileError, match=r"/fields/region/choise: Unknown field"):
        read_translation_file(written)


# -- the published JSON Schema -----------------------------------------------------------------


def test_the_json_schema_describes_translations_and_survey_settings():
    validator = jsonschema.Draft202012Validator(instrument_json_schema())
    data = a_survey(with_french())
    data["translations"]["fr"]["forms"]["profile"]["survey"] = {"title": "Titre"}
    assert list(validator.iter_errors(data)) == []
    data["translations"]["French"] = {"name": "Français"}
    data["translations"]["fr"]["fields"]["region"]["labl"] = "x"
    data["forms"][0]["survey_settings"]["end_date"] = "31/03/2026"
    messages = sorted(e.message for e in validator.iter_errors(data))
    assert len(messages) == 3
    assert any("labl" in m for m in messages) and any("French" in m for m in messages)
    assert any("31/03/2026" in m for m in messages)
