"""REDCap's action tags as a survey page applies them: read with REDCap's syntax and quirks (its
``Form`` class and action tag help text: case-sensitive, whole words, quotes optional for
``@CHARLIMIT`` and ``@NONEOFTHEABOVE``, required for ``@DEFAULT`` and ``@PLACEHOLDER``), then the
defaults a new response starts with, the answers the tags refuse, and the values kept for
questions a respondent cannot change."""

from __future__ import annotations

import pytest

from instruments import load_shipped, shipped_names
from instruments.action_tags import Tags, parse
from instruments.model import Choice
from instruments.model import Field as InstrumentField
from plugin.localcap.action_tags import defaults, kept_readonly, on_survey, tag_errors, tags
from plugin.localcap.project import Field
from plugin.localcap.survey_words import words
from plugin.simulate.answers import exclusive_codes

TOPICS = "1, Quality | 2, Safety | 3, Equity | 98, None of these | 99, Prefer not to say"


def field(name: str, kind: str = "text", annotation: str = "", choices: str = "") -> Field:
    row = {
        "field_name": name,
        "form_name": "survey",
        "field_type": kind,
        "field_label": name.title(),
        "select_choices_or_calculations": choices,
        "field_annotation": annotation,
    }
    return Field(name, "survey", kind, name.title(), row)


def topics(annotation: str) -> Field:
    return field("topics", "checkbox", annotation, TOPICS)


def ticked(*codes: str) -> dict[str, str]:
    return {f"topics___{code}": "1" if code in codes else "0" for code in "1 2 3 98 99".split()}


# --- reading the tags ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("annotation", "hidden", "hidden_survey", "readonly"),
    [
        ("@HIDDEN", True, False, False),
        ("@HIDDEN-SURVEY", False, True, False),
        ("@HIDDEN-FORM", False, False, False),
        ("@HIDDEN-APP @HIDDEN-PDF", False, False, False),
        ("@READONLY", False, False, True),
        ("@READONLY-SURVEY", False, False, True),
        ("@READONLY-FORM @READONLY-APP", False, False, False),
        ("Kept for staff.\n@HIDDEN-SURVEY\tsee the protocol", False, True, False),
        ("@READONLY @HIDDEN", True, False, True),
        # REDCap's tags are upper case, and whole words between spaces or line breaks.
        ("@hidden @Readonly @hidden-survey", False, False, False),
        ("@HIDDEN, @READONLY.", False, False, False),
        ("x@HIDDEN", False, False, False),
        ("", False, False, False),
    ],
)
def test_flags_are_whole_upper_case_words(
    annotation: str, hidden: bool, hidden_survey: bool, readonly: bool
) -> None:
    found = parse(annotation)
    assert (found.hidden, found.hidden_survey, found.readonly) == (hidden, hidden_survey, readonly)


@pytest.mark.parametrize(
    ("annotation", "codes"),
    [
        ("@NONEOFTHEABOVE=99", ("99",)),
        ("@NONEOFTHEABOVE='99'", ("99",)),
        ('@NONEOFTHEABOVE="99"', ("99",)),
        ("@NONEOFTHEABOVE='0,99'", ("0", "99")),
        ("@NONEOFTHEABOVE='98, 99'", ("98", "99")),
        ("@NONEOFTHEABOVE = '98'", ("98",)),
        ("@NONEOFTHEABOVE=98,99 @HIDDEN", ("98", "99")),
        # Unquoted, the value ends at the first space, as REDCap reads it.
        ("@NONEOFTHEABOVE=98, 99", ("98",)),
        ("@NONEOFTHEABOVE='-9'", ("-9",)),
        ("Ask all. @NONEOFTHEABOVE='99' @READONLY", ("99",)),
        ("@noneoftheabove='99'", ()),
        ("@NONEOFTHEABOVE", ()),
    ],
)
def test_none_of_the_above_codes(annotation: str, codes: tuple[str, ...]) -> None:
    assert parse(annotation).none_of_above == codes


@pytest.mark.parametrize(
    ("annotation", "default"),
    [
        ("@DEFAULT='OK'", "OK"),
        ('@DEFAULT="OK"', "OK"),
        ("@DEFAULT = 'OK'", "OK"),
        ("@DEFAULT='1,3'", "1,3"),
        ('@DEFAULT="it\'s fine"', "it's fine"),
        ("@DEFAULT='say \"hi\"'", 'say "hi"'),
        ("@DEFAULT=' padded '", " padded "),
        ("@DEFAULT='2007-12-25' @HIDDEN", "2007-12-25"),
        ("@DEFAULT='Name: [first_name]'", "Name: [first_name]"),  # piping is not done
        ("@DEFAULT='first' @DEFAULT='second'", "first"),
        ("@DEFAULT=OK", ""),  # quotes are required
        ("@DEFAULT=''", ""),
        ("@default='OK'", ""),
        ("@DEFAULT-FROM-FIELD='other'", ""),
    ],
)
def test_default_needs_quotes(annotation: str, default: str) -> None:
    assert parse(annotation).default == default


@pytest.mark.parametrize(
    ("annotation", "placeholder"),
    [
        ("@PLACEHOLDER='e.g. 2024'", "e.g. 2024"),
        ('@PLACEHOLDER="name@example.org" @CHARLIMIT=80', "name@example.org"),
        ("@PLACEHOLDER=e.g.", ""),
    ],
)
def test_placeholder_needs_quotes(annotation: str, placeholder: str) -> None:
    assert parse(annotation).placeholder == placeholder


@pytest.mark.parametrize(
    ("annotation", "limit"),
    [
        ("@CHARLIMIT=10", 10),
        ("@CHARLIMIT='10'", 10),
        ('@CHARLIMIT="10"', 10),
        ("@CHARLIMIT = 250 @READONLY", 250),
        ("Short answer.\n@CHARLIMIT=5", 5),
        ("@CHARLIMIT=ten", None),
        ("@CHARLIMIT=0", None),
        ("@CHARLIMIT", None),
        ("@charlimit=10", None),
    ],
)
def test_charlimit_quotes_optional(annotation: str, limit: int | None) -> None:
    assert parse(annotation).charlimit == limit


def test_several_tags_in_one_annotation() -> None:
    found = parse("@READONLY-SURVEY @DEFAULT='n/a'\n@PLACEHOLDER=\"Your role\" @CHARLIMIT='40'")
    assert found == Tags(readonly=True, default="n/a", placeholder="Your role", charlimit=40)


def test_shipped_instruments_read_none_of_the_above_as_the_model_does() -> None:
    boxes = [
        item
        for name in shipped_names()
        for item in load_shipped(name).unwrap().fields
        if item.type == "checkbox"
    ]
    for item in boxes:
        codes = item.choice_codes()
        read = tuple(code for code in parse(item.annotation).none_of_above if code in codes)
        assert read == item.none_codes(), item.name
    assert sum(bool(item.none_codes()) for item in boxes) >= 2, "both scans have a 'none' option"


# --- what a field's type takes ---------------------------------------------------------------


def test_a_type_takes_only_its_own_tags() -> None:
    radio = field("role", "radio", "@CHARLIMIT=5 @PLACEHOLDER='x' @NONEOFTHEABOVE=1", "1, A")
    assert tags(radio) == Tags()
    box = field("about", "notes", "@CHARLIMIT=5 @PLACEHOLDER='x' @NONEOFTHEABOVE=1")
    assert (tags(box).charlimit, tags(box).placeholder, tags(box).none_of_above) == (5, "x", ())
    # A code the checkbox does not have is ignored, as REDCap ignores it.
    assert tags(topics("@NONEOFTHEABOVE='98,97'")).none_of_above == ("98",)


def test_hidden_questions_are_not_on_the_survey() -> None:
    assert not on_survey(field("a", annotation="@HIDDEN"))
    assert not on_survey(field("b", annotation="@HIDDEN-SURVEY"))
    assert on_survey(field("c", annotation="@HIDDEN-FORM"))
    assert on_survey(field("d", annotation="@READONLY"))
    assert on_survey(field("e", annotation="@hidden"))


# --- defaults --------------------------------------------------------------------------------


def test_defaults_fill_a_response_with_nothing_stored() -> None:
    questions = [
        field("country", annotation="@DEFAULT='CA'"),
        field("size", "radio", "@DEFAULT='2'", "1, Small | 2, Large"),
        field("agree", "yesno", '@DEFAULT="1"'),
        topics("@DEFAULT='1, 3'"),
        field("plain"),
    ]
    stored = {"country": "", "size": "", "agree": "", "plain": "", **ticked()}
    assert defaults(questions, stored) == {
        "country": "CA",
        "size": "2",
        "agree": "1",
        "topics___1": "1",
        "topics___3": "1",
    }


def test_defaults_leave_a_response_with_anything_stored() -> None:
    questions = [field("country", annotation="@DEFAULT='CA'"), topics("@DEFAULT='1'")]
    assert defaults(questions, {"country": "", **ticked("2")}) == {}
    assert defaults(questions, {"country": "US", **ticked()}) == {}


def test_a_choice_default_that_is_not_a_code_is_left_out() -> None:
    questions = [
        field("size", "radio", "@DEFAULT='Large'", "1, Small | 2, Large"),
        topics("@DEFAULT='3,7'"),
    ]
    assert defaults(questions, {"size": "", **ticked()}) == {"topics___3": "1"}


# --- refused answers -------------------------------------------------------------------------


def test_charlimit_refuses_a_longer_answer() -> None:
    about = field("about", "notes", "@CHARLIMIT=5")
    assert tag_errors([about], {"about": "abcdef"}, {"about": ""}) == {
        "about": "Use at most 5 characters (this answer has 6)."
    }
    assert tag_errors([about], {"about": "abcde"}, {"about": ""}) == {}
    # A browser posts a textarea's line break as CR LF and counts it as one character.
    assert tag_errors([about], {"about": "ab\r\ncd"}, {"about": ""}) == {}
    assert "(this answer has 7)" in tag_errors([about], {"about": "ab\r\ncdef"}, {})["about"]


def test_an_answer_left_as_stored_is_not_refused() -> None:
    about = field("about", annotation="@CHARLIMIT=3")
    assert tag_errors([about], {"about": "imported"}, {"about": "imported"}) == {}
    assert tag_errors([topics("@NONEOFTHEABOVE=98")], ticked("1", "98"), ticked("1", "98")) == {}


def test_none_of_the_above_refuses_another_option_beside_it() -> None:
    question = topics("@NONEOFTHEABOVE='98,99'")
    message = "'None of these' cannot be chosen together with another option."
    assert tag_errors([question], ticked("2", "98"), ticked()) == {"topics": message}
    # Two "none" options exclude each other too; the first one ticked is named.
    assert tag_errors([question], ticked("98", "99"), ticked()) == {"topics": message}
    assert tag_errors([question], ticked("99"), ticked()) == {}
    assert tag_errors([question], ticked("1", "2", "3"), ticked()) == {}


def test_messages_follow_the_page_language() -> None:
    question = topics("@NONEOFTHEABOVE=98")
    errors = tag_errors([question], ticked("1", "98"), ticked(), words("fr"))
    assert errors == {"topics": "« None of these » ne peut pas être choisi avec une autre option."}


def test_questions_a_respondent_cannot_change_are_not_checked() -> None:
    hidden = field("code", annotation="@HIDDEN-SURVEY @CHARLIMIT=2")
    locked = topics("@READONLY @NONEOFTHEABOVE=98")
    assert tag_errors([hidden, locked], {"code": "long", **ticked("1", "98")}, {}) == {}


# --- values kept -----------------------------------------------------------------------------


def test_readonly_and_hidden_questions_keep_their_stored_values() -> None:
    questions = [
        field("score", annotation="@READONLY"),
        field("staff_note", "notes", "@HIDDEN"),
        topics("@HIDDEN-SURVEY"),
        field("answer"),
        field("form_note", annotation="@HIDDEN-FORM"),
    ]
    stored = {"score": "75", "staff_note": "keep", "answer": "", "form_note": "", **ticked("3")}
    posted = {
        "score": "100",
        "staff_note": "",
        "answer": "mine",
        "form_note": "also mine",
        **ticked("1", "2"),
    }
    assert kept_readonly(questions, posted, stored) == {
        "score": "75",
        "staff_note": "keep",
        "answer": "mine",
        "form_note": "also mine",
        **ticked("3"),
    }


def test_a_hidden_default_is_kept_on_a_new_response() -> None:
    questions = [field("version", annotation="@HIDDEN @DEFAULT='v2'"), field("answer")]
    new = {"version": "", "answer": ""}
    kept = kept_readonly(questions, {"version": "forged", "answer": "yes"}, new)
    assert kept == {"version": "v2", "answer": "yes"}
    saved = {"version": "v1", "answer": "no"}
    assert kept_readonly(questions, {"version": "v2", "answer": "yes"}, saved)["version"] == "v1"


def test_the_instrument_model_and_the_simulator_read_none_of_the_above_as_redcap_does() -> None:
    choices = [Choice("1", "Audits"), Choice("98", "Don't know"), Choice("99", "None")]
    quoted = InstrumentField(
        "tools", "f", "checkbox", choices=choices, annotation="@NONEOFTHEABOVE='98, 99'"
    )
    assert quoted.none_codes() == ("98", "99"), "a space after the comma, inside quotes"
    assert exclusive_codes(quoted) == ["98", "99"], "the simulator asks the model"
    lower = InstrumentField(
        "tools", "f", "checkbox", choices=choices, annotation="@noneoftheabove=99"
    )
    assert lower.none_codes() == (), "REDCap's tags are upper case"
