"""A survey as a respondent takes it, page by page, over HTTP without a script (the way a
browser with JavaScript off does): sections as pages with their progress, each page's answers
checked before the next, questions brought up by branching shown before moving on, the review,
Save & Return, action tags, survey settings, an expired survey, and a translated page.

The project (``checkin``) is a designer's own dictionary, imported through PyCap into a live
localcap.
"""

from __future__ import annotations

import html
import json
import re

import requests
from redcap import Project

from plugin.localcap.storage import set_survey_settings, set_translation
from tests.localcap.conftest import FRENCH_CHECKIN
from tests.localcap.test_surveys import question_html, token_of


def link_of(project: Project) -> str:
    return str(project.export_survey_link("1", "checkin"))


def send(link: str, **form: str | list[str]) -> requests.Response:
    return requests.post(link, data=form, timeout=30)


def carried(page: requests.Response) -> dict[str, str]:
    """The hidden fields a page carries to the next request."""
    found = dict(re.findall(r'<input type="hidden" name="(__\w+)" value="([^"]*)"', page.text))
    return {name: html.unescape(value) for name, value in found.items()}


def stored(project: Project) -> dict[str, str]:
    [row] = project.export_records(records=["1"])
    return dict(row)


def test_sections_are_pages_with_progress_and_answers_are_checked_before_the_next(
    checkin: Project,
) -> None:
    link = link_of(checkin)
    first = requests.get(link, timeout=30)
    assert "Page 1 of 3" in first.text and 'name="role"' in first.text
    assert 'name="staff"' not in first.text, "the next section is the next page"
    assert re.search(r'id="role_other-question"[^>]*hidden', first.text), "hidden by branching"
    blank = send(link, **carried(first), __action="next")
    assert blank.status_code == 400
    assert "This question needs an answer." in question_html(blank.text, "role")
    assert 'href="#role-question"' in blank.text, "the summary links to the question"
    second = send(link, **carried(first), __action="next", role="1")
    assert second.status_code == 200 and "Page 2 of 3" in second.text
    assert 'name="staff"' in second.text and 'name="internal"' not in second.text
    assert stored(checkin)["checkin_complete"] == "0" and stored(checkin)["role"] == "", (
        "nothing is stored while the respondent moves between pages"
    )


def test_without_a_script_a_question_brought_up_on_the_page_is_shown_before_moving_on(
    checkin: Project,
) -> None:
    link = link_of(checkin)
    first = requests.get(link, timeout=30)
    again = send(link, **carried(first), __action="next", role="3")
    assert again.status_code == 200 and "Page 1 of 3" in again.text
    assert "brought up more questions on this page" in again.text
    assert not re.search(r'id="role_other-question"[^>]*hidden', again.text)
    assert "role_other" in carried(again)["__shown"]
    refused = send(link, **carried(again), __action="next", role="3")
    assert refused.status_code == 400, "now it is shown, it is required"
    on = send(link, **carried(again), __action="next", role="3", role_other="Librarian")
    assert "Page 2 of 3" in on.text
    # With the script, the respondent saw it appear: a blank is refused at once.
    scripted = send(link, **{**carried(first), "__js": "1"}, __action="next", role="3")
    assert scripted.status_code == 400
    assert "This question needs an answer." in question_html(scripted.text, "role_other")


def test_values_are_said_in_the_respondents_words_and_action_tags_hold(checkin: Project) -> None:
    link = link_of(checkin)
    first = requests.get(link, timeout=30)
    second = send(link, **carried(first), __action="next", role="1")
    state = carried(second)
    said = {
        "lots": "Enter a whole number, for example 12.",
        "900": "Enter a value from 1 to 500.",
    }
    for typed, words in said.items():
        page = send(link, **state, __action="next", staff=typed, site_code="S-01")
        assert page.status_code == 400
        question = html.unescape(question_html(page.text, "staff"))
        assert words in question and f'value="{typed}"' in question
    both = send(link, **state, __action="next", staff="12", tools=["1", "99"])
    assert "'None of these' cannot be chosen together with another option." in html.unescape(
        question_html(both.text, "tools")
    )
    site = question_html(second.text, "site_code")
    assert 'value="S-01"' in site and "readonly" in site, "@DEFAULT shown, @READONLY kept"
    third = send(link, **state, __action="next", staff="12", site_code="CHANGED")
    assert "Page 3 of 3" in third.text
    comment = question_html(third.text, "comment")
    assert 'placeholder="A few words"' in comment and 'maxlength="20"' in comment
    long = send(link, **carried(third), __action="next", comment="x" * 21)
    assert "Use at most 20 characters (this answer has 21)." in question_html(long.text, "comment")
    review = send(link, **carried(third), __action="next", comment="Thanks")
    assert json.loads(carried(review)["__answers"])["site_code"] == "S-01", "not the posted one"


def test_the_review_shows_every_answer_and_submit_stores_codes(
    checkin: Project, database: str
) -> None:
    set_survey_settings(
        database,
        token_of(checkin),
        "checkin",
        title="Spring check-in",
        instructions="It takes five minutes.",
        acknowledgement="Thank you: your answers help plan next year's programme.",
    )
    link = link_of(checkin)
    first = requests.get(link, timeout=30)
    assert "<h1>Spring check-in</h1>" in first.text and "It takes five minutes." in first.text
    page = send(link, **carried(first), __action="next", role="2")
    page = send(link, **carried(page), __action="next", staff="40", tools=["1", "2"])
    review = send(link, **carried(page), __action="next", comment="Keep going")
    assert "Review your answers" in review.text
    text = html.unescape(re.sub(r"<[^>]+>", " ", review.text))
    for shown in ("Supporter", "40", "Surveys; Audits", "S-01", "Keep going"):
        assert shown in text, shown
    assert "For the survey team only" not in text
    back = send(link, **carried(review), __action="page:1")
    assert 'value="40"' in back.text, "Change goes back to the page with its answers"
    assert stored(checkin)["role"] == "", "nothing stored before the final submit"
    done = send(link, **carried(review), __action="submit")
    assert "your answers help plan next year" in done.text
    row = stored(checkin)
    assert (row["role"], row["staff"], row["tools___1"], row["tools___2"]) == ("2", "40", "1", "1")
    assert row["site_code"] == "S-01" and row["checkin_complete"] == "2"
    assert row["channel"] == "web", "a hidden question's @DEFAULT is saved, as REDCap saves it"
    assert row["internal"] == "", "a question hidden from the survey is left as it was"


def test_save_and_return_keeps_the_pages_answers_and_the_code_brings_them_back(
    checkin: Project,
) -> None:
    link = link_of(checkin)
    first = requests.get(link, timeout=30)
    page = send(link, **carried(first), __action="next", role="1")
    saved = send(link, **carried(page), __action="save", staff="7")
    assert "Your answers so far have been saved." in saved.text
    row = stored(checkin)
    assert (row["role"], row["staff"], row["checkin_complete"]) == ("1", "7", "0")
    code = checkin.export_survey_return_code("1", "checkin")
    back = send(link, __return_code=code)
    assert re.search(r'value="1"\s*checked', question_html(back.text, "role"))


def test_an_expired_survey_says_it_has_closed(checkin: Project, database: str) -> None:
    set_survey_settings(database, token_of(checkin), "checkin", expiration="2020-06-30 17:00")
    page = requests.get(link_of(checkin), timeout=30)
    assert "This survey closed on 2020-06-30." in page.text and 'name="role"' not in page.text
    assert send(link_of(checkin), __action="submit", role="1").status_code == 200
    assert stored(checkin)["role"] == "", "a closed survey takes no answer"


def test_a_translated_page_shows_its_language_and_stores_the_same_codes(
    checkin: Project, database: str
) -> None:
    set_translation(database, token_of(checkin), "fr", json.dumps(FRENCH_CHECKIN))
    link = link_of(checkin)
    french = requests.get(link, headers={"Accept-Language": "fr-CA,fr;q=0.9"}, timeout=30)
    assert '<html lang="fr">' in french.text and "Point d&#39;étape" in french.text
    assert "Qu&#39;est-ce qui vous décrit le mieux ?" in french.text
    assert "Soutien" in french.text and "(obligatoire)" in french.text
    assert "How many staff" not in french.text
    english = requests.get(link, timeout=30)
    assert "Which describes you best?" in english.text and "Français" in english.text
    switched = send(link, **carried(english), __action="lang:fr", role="2")
    assert "Soutien" in switched.text and re.search(r'value="2"\s*checked', switched.text)
    page = send(link, **carried(switched), __action="next", role="2")
    page = send(link, **carried(page), __action="next", staff="3")
    review = send(link, **carried(page), __action="next")
    assert "Relisez vos réponses" in review.text and "Soutien" in review.text
    send(link, **carried(review), __action="submit")
    assert stored(checkin)["role"] == "2", "the code, whatever the language"
