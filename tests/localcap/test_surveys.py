"""Survey methods, survey pages and the Data Entry Trigger, driven through PyCap and HTTP.

The expectations are REDCap's (redcap-api.md §2.7, §5 and §6): link and code shapes, the error
texts, the participant list's columns, ``<form>_complete`` 0 for a partial and 2 for a completed
response, ``[not completed]`` timestamps, and the trigger's fields in REDCap's order.
"""

from __future__ import annotations

import html
import re
from collections.abc import Iterator

import pytest
import requests
from flask import Flask, request
from redcap import Project, RedcapError

from plugin.localcap import RunningServer, serve_in_thread
from plugin.localcap.storage import enable_surveys, set_data_entry_trigger
from tests.localcap.conftest import message_of, post

LINK = re.compile(r"^http://127\.0\.0\.1:\d+/surveys/\?s=[A-Z0-9]{16}$")
QUEUE = re.compile(r"^http://127\.0\.0\.1:\d+/surveys/\?sq=[A-Z0-9]{16}$")
ENROLLMENT = "enrollment_arm_1"


class Receiver:
    """A Data Entry Trigger endpoint on a loopback port that keeps what it was sent."""

    def __init__(self) -> None:
        self.calls: list[list[tuple[str, str]]] = []
        app = Flask("receiver")

        @app.post("/det")
        def det() -> str:
            self.calls.append(list(request.form.items(multi=True)))
            return "ok"

        self.server = serve_in_thread(app)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server.port}/det"


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    found = Receiver()
    yield found
    found.server.shutdown()


def token_of(project: Project) -> str:
    return str(project.token)


def open_page(link: str, **form: str | list[str]) -> requests.Response:
    if form:
        return requests.post(link, data=form, timeout=30)
    return requests.get(link, timeout=30)


def question_html(page: str, name: str) -> str:
    """The part of a survey page that asks question ``name`` (up to the next question)."""
    found = re.search(rf'id="{name}-question".*?(?=id="\w+-question"|</form>)', page, re.S)
    assert found is not None, f"question {name} is on the page"
    return found.group()


def contact_link(long: Project, record: str = "1") -> str:
    return str(long.export_survey_link(record, "contact_info", event=ENROLLMENT))


# --- the API methods -------------------------------------------------------------------------


def test_survey_link_access_and_return_codes_have_redcaps_shapes(long: Project) -> None:
    link = contact_link(long)
    assert LINK.match(link), link
    assert contact_link(long) == link, "a participant keeps its link"
    access = long.export_survey_access_code("1", "contact_info", event=ENROLLMENT)
    assert re.fullmatch(r"[A-Z0-9]{9}", access)
    code = long.export_survey_return_code("1", "contact_info", event=ENROLLMENT)
    assert re.fullmatch(r"[A-Z0-9]{8}", code)
    assert QUEUE.match(long.export_survey_queue_link("1"))
    other = long.export_survey_link("2", "contact_info", event="enrollment_arm_2")
    assert other != link


@pytest.mark.parametrize(
    ("record", "instrument", "event", "message"),
    [
        ("99", "contact_info", ENROLLMENT, 'The record "99" does not exist'),
        ("1", "nonsense", ENROLLMENT, "Invalid instrument"),
        ("1", "demographics", ENROLLMENT, "The instrument 'demographics' has not been enabled"),
        ("1", "contact_info", None, "The parameter 'event' is missing"),
        ("1", "contact_info", "no_such_arm_1", "Invalid event"),
        ("1", "contact_info", "dose_1_arm_1", 'has not been designated for the event "dose_1'),
    ],
)
def test_survey_link_errors(
    long: Project, record: str, instrument: str, event: str | None, message: str
) -> None:
    with pytest.raises(RedcapError) as raised:
        long.export_survey_link(record, instrument, event=event)
    assert message in message_of(raised.value)
    assert message_of(raised.value).startswith("ERROR: ")


def test_missing_record_parameter_is_a_400(server: RunningServer, long: Project) -> None:
    answer = post(
        server, token=token_of(long), content="surveyLink", instrument="contact_info",
        event=ENROLLMENT, returnFormat="csv",
    )  # fmt: skip
    assert answer.status_code == 400
    assert answer.text == "ERROR: The parameter 'record' is missing"


def test_return_code_needs_save_and_return(
    database: str, server: RunningServer, simple: Project
) -> None:
    enable_surveys(database, token_of(simple), {"demographics": "Demo"}, save_and_return=False)
    assert LINK.match(simple.export_survey_link("1", "demographics"))
    with pytest.raises(RedcapError) as raised:
        simple.export_survey_return_code("1", "demographics")
    assert "'Save & Return Later' feature has not been enabled" in message_of(raised.value)
    with pytest.raises(RedcapError) as queue:
        simple.export_survey_queue_link("1")
    assert "The Survey Queue has not been enabled in this project" in message_of(queue.value)


def test_classic_project_ignores_the_event_and_forces_instance_one(
    database: str, simple: Project
) -> None:
    enable_surveys(database, token_of(simple), {"demographics": "Demo"})
    first = simple.export_survey_link("1", "demographics")
    assert simple.export_survey_link("1", "demographics", repeat_instance=5) == first


def test_participant_list_follows_the_arm_and_its_columns(long: Project) -> None:
    rows = long.export_survey_participant_list("contact_info", event=ENROLLMENT)
    assert [row["record"] for row in rows] == ["1"], "record 2 is in arm 2"
    assert list(rows[0]) == [
        "email",
        "email_occurrence",
        "identifier",
        "record",
        "invitation_sent_status",
        "invitation_send_time",
        "response_status",
        "survey_access_code",
        "survey_link",
        "survey_queue_link",
    ]
    assert rows[0]["response_status"] == 0
    assert rows[0]["survey_link"] == contact_link(long)
    arm_2 = long.export_survey_participant_list("contact_info", event="enrollment_arm_2")
    assert [row["record"] for row in arm_2] == ["2"]
    frame = long.export_survey_participant_list("contact_info", event=ENROLLMENT, format_type="df")
    assert frame["record"].tolist() == [1]


def test_participant_list_of_a_repeating_event_lists_instances(doctest: Project) -> None:
    rows = doctest.export_survey_participant_list("form_1", event="event_1_arm_1")
    assert [(row["record"], row["repeat_instance"]) for row in rows] == [
        ("1", 1),
        ("2", 1),
        ("3", 1),
    ]
    doctest.import_records(
        [{"record_id": "2", "redcap_event_name": "event_1_arm_1", "redcap_repeat_instance": 2,
          "field_1": "1", "redcap_repeat_instrument": ""}]
    )  # fmt: skip
    rows = doctest.export_survey_participant_list("form_1", event="event_1_arm_1")
    assert ("2", 2) in [(row["record"], row["repeat_instance"]) for row in rows]


# --- the survey pages ------------------------------------------------------------------------


def test_page_shows_the_form_and_escapes_labels(database: str, simple: Project) -> None:
    simple.import_metadata(
        [{**row, "field_label": "<script>alert(1)</script>Name"}
         if row["field_name"] == "first_name" else row
         for row in simple.export_metadata()]
    )  # fmt: skip
    enable_surveys(database, token_of(simple), {"demographics": "Demographics"})
    page = open_page(simple.export_survey_link("1", "demographics"))
    assert page.status_code == 200
    assert "<script>" not in page.text
    assert 'name="first_name"' in page.text
    assert "Save &amp; return later" in page.text


def test_submitting_a_survey_saves_completes_and_logs(long: Project) -> None:
    link = contact_link(long)
    page = open_page(
        link, __action="submit", dialysis_unit_name="(615) 555-0100", dialysis_unit_phone="1"
    )
    assert page.status_code == 200, page.text
    assert "Thank you" in page.text
    [row] = long.export_records(
        records=["1"], events=[ENROLLMENT], forms=["contact_info"], export_survey_fields=True
    )
    assert row["dialysis_unit_name"] == "(615) 555-0100"
    assert row["contact_info_complete"] == "2"
    assert re.fullmatch(r"\d{4}-\d\d-\d\d \d\d:\d\d:\d\d", row["contact_info_timestamp"])
    [listed] = long.export_survey_participant_list("contact_info", event=ENROLLMENT)
    assert listed["response_status"] == 2
    assert listed["survey_link"] == ""
    again = open_page(link)
    assert "already been completed" in again.text
    actions = [entry["action"] for entry in long.export_logging(record="1")]
    assert "Update Response 1 (Enrollment (Arm 1: Drug A))" in actions


def test_a_refused_value_is_shown_back_and_nothing_is_saved(database: str, long: Project) -> None:
    enable_surveys(database, token_of(long), {"demographics": "Demographics"})
    link = long.export_survey_link("1", "demographics", event=ENROLLMENT)
    before = long.export_records(records=["1"], events=[ENROLLMENT], forms=["demographics"])
    page = open_page(link, __action="submit", weight="heavy", comments="Mondays")
    assert page.status_code == 400
    assert "Nothing has been submitted yet" in page.text
    assert 'value="heavy"' in question_html(page.text, "weight"), "the refused value stays"
    assert "Mondays" in page.text, "the respondent's other answers are kept with the page"
    after = long.export_records(records=["1"], events=[ENROLLMENT], forms=["demographics"])
    assert after == before
    [listed] = long.export_survey_participant_list("demographics", event=ENROLLMENT)
    assert listed["response_status"] == 0


def test_save_and_return_asks_for_the_return_code(long: Project) -> None:
    link = contact_link(long)
    code = long.export_survey_return_code("1", "contact_info", event=ENROLLMENT)
    saved = open_page(link, __action="save", dialysis_schedule_days="Tuesdays")
    assert code in saved.text
    [row] = long.export_records(
        records=["1"], events=[ENROLLMENT], forms=["contact_info"], export_survey_fields=True
    )
    assert row["contact_info_complete"] == "0"
    assert row["contact_info_timestamp"] == "[not completed]"
    [listed] = long.export_survey_participant_list("contact_info", event=ENROLLMENT)
    assert listed["response_status"] == 1
    prompt = open_page(link)
    assert "return code" in prompt.text and 'name="dialysis_schedule_days"' not in prompt.text
    wrong = open_page(link, __return_code="WRONG123")
    assert wrong.status_code == 403
    resumed = open_page(link, __return_code=code.lower())
    assert 'value="Tuesdays"' in resumed.text
    done = open_page(link, __return_code=code, __action="submit", dialysis_schedule_days="Tuesdays")
    assert "Thank you" in done.text
    [listed] = long.export_survey_participant_list("contact_info", event=ENROLLMENT)
    assert listed["response_status"] == 2


def test_questions_hidden_by_branching_are_saved_blank(database: str, long: Project) -> None:
    enable_surveys(database, token_of(long), {"demographics": "Demographics"})
    link = long.export_survey_link("1", "demographics", event=ENROLLMENT)
    page = open_page(
        link, __action="submit", sex="1", given_birth="1", num_children="2", gym=["1", "3"]
    )
    assert page.status_code == 200, page.text
    [row] = long.export_records(records=["1"], events=[ENROLLMENT], forms=["demographics"])
    assert row["sex"] == "1"
    assert row["given_birth"] == "" and row["num_children"] == "", "[sex] = '0' is false"
    assert (row["gym___1"], row["gym___2"], row["gym___3"]) == ("1", "0", "1")


def test_queue_page_lists_the_records_surveys(long: Project) -> None:
    queue = open_page(long.export_survey_queue_link("2"))
    assert queue.status_code == 200
    links = re.findall(r'href="([^"]+)"', queue.text)
    assert len(links) == 3, "contact_info on three arm-2 events"
    assert long.export_survey_link("2", "contact_info", event="enrollment_arm_2") in links


def test_an_unknown_hash_is_a_404(server: RunningServer) -> None:
    base = server.url.removesuffix("api/")
    assert open_page(f"{base}surveys/?s=NOSUCHHASH000000").status_code == 404
    assert open_page(f"{base}surveys/?sq=NOSUCHHASH000000").status_code == 404


# --- the Data Entry Trigger ------------------------------------------------------------------


def test_trigger_fires_on_survey_submission_with_redcaps_fields(
    database: str, server: RunningServer, long: Project, receiver: Receiver
) -> None:
    set_data_entry_trigger(database, token_of(long), receiver.url)
    long.import_records([{"study_id": "1", "redcap_event_name": ENROLLMENT, "first_name": "A"}])
    assert receiver.calls == [], "REDCap does not fire the trigger for API imports"
    open_page(contact_link(long), __action="submit", dialysis_unit_phone="0")
    project_id = long.export_project_info()["project_id"]
    base = server.url.removesuffix("api/")
    assert receiver.calls == [
        [
            ("redcap_url", base),
            ("project_url", f"{base}redcap_v15.7.6/index.php?pid={project_id}"),
            ("project_id", str(project_id)),
            ("username", "[survey respondent]"),
            ("record", "1"),
            ("redcap_event_name", ENROLLMENT),
            ("instrument", "contact_info"),
            ("contact_info_complete", "2"),
        ]
    ]


def test_trigger_for_a_partial_repeating_response(
    database: str, doctest: Project, receiver: Receiver
) -> None:
    set_data_entry_trigger(database, token_of(doctest), receiver.url)
    link = doctest.export_survey_link("1", "form_1", event="event_1_arm_1", repeat_instance=2)
    open_page(link, __action="save", field_1="1")
    [fields] = receiver.calls
    sent = dict(fields)
    assert sent["form_1_complete"] == "0"
    assert sent["redcap_repeat_instance"] == "2"
    assert "redcap_repeat_instrument" not in sent, "a repeating event, not a repeating form"
    assert sent["redcap_data_access_group"] == "test_dag"


def test_a_failing_receiver_does_not_lose_the_response(database: str, long: Project) -> None:
    set_data_entry_trigger(database, token_of(long), "http://127.0.0.1:9/nothing-listens")
    page = open_page(contact_link(long), __action="submit", dialysis_unit_phone="1")
    assert "Thank you" in page.text
    [row] = long.export_records(records=["1"], events=[ENROLLMENT], forms=["contact_info"])
    assert row["dialysis_unit_phone"] == "1"


def require(project: Project, form: str) -> tuple[str, str]:
    """Make the form's first text question required (as a designer would in REDCap): its name
    and another text question's, to answer."""
    meta = project.export_metadata()
    texts = [
        row
        for row in meta
        if row["form_name"] == form and row["field_type"] in ("text", "notes")
        and not row["branching_logic"] and row["field_name"] != meta[0]["field_name"]
        and not row["text_validation_type_or_show_slider_number"]
    ]  # fmt: skip
    texts[0]["required_field"] = "y"
    project.import_metadata(meta)
    return texts[0]["field_name"], texts[1]["field_name"]


def test_a_required_question_left_blank_is_refused_beside_it(database: str, long: Project) -> None:
    enable_surveys(database, token_of(long), {"demographics": "Demographics"})
    needed, other = require(long, "demographics")
    link = long.export_survey_link("1", "demographics", event=ENROLLMENT)
    before = long.export_records(records=["1"], events=[ENROLLMENT], forms=["demographics"])
    refused = open_page(link, __action="submit", **{other: "kept as typed", needed: ""})
    assert refused.status_code == 400
    question = question_html(refused.text, needed)
    assert re.search(rf'for="{needed}">[^<]*<span class="required">\(required\)</span>', question)
    assert f'aria-describedby="{needed}-error"' in question and 'aria-invalid="true"' in question
    assert "This question needs an answer." in question
    assert "kept as typed" in refused.text, "every other answer is kept"
    after = long.export_records(records=["1"], events=[ENROLLMENT], forms=["demographics"])
    assert after == before, "nothing was stored"
    saved = open_page(link, __action="save", **{other: "kept as typed"})
    assert saved.status_code == 200, "Save & Return stores an unfinished response as it is"
    code = long.export_survey_return_code("1", "demographics", event=ENROLLMENT)
    answers = {needed: "given", other: "kept as typed"}
    done = open_page(link, __return_code=code, __action="submit", **answers)
    assert done.status_code == 200 and "Thank you" in done.text


def test_a_refused_value_is_said_beside_its_question(database: str, long: Project) -> None:
    enable_surveys(database, token_of(long), {"demographics": "Demographics"})
    link = long.export_survey_link("1", "demographics", event=ENROLLMENT)
    page = open_page(link, __action="submit", weight="heavy")
    question = html.unescape(question_html(page.text, "weight"))
    [weight] = [row for row in long.export_metadata() if row["field_name"] == "weight"]
    assert weight["text_validation_type_or_show_slider_number"] == "integer"
    assert "Enter a whole number, for example 12." in question, "in the respondent's words"
    assert "The value of" not in page.text, "never the API's wording"


def test_the_page_never_shows_branching_logic_to_a_respondent(database: str, long: Project) -> None:
    enable_surveys(database, token_of(long), {"demographics": "Demographics"})
    logic = [r["branching_logic"] for r in long.export_metadata() if r["branching_logic"]]
    assert logic, "the form has branching to hide"
    page = open_page(long.export_survey_link("1", "demographics", event=ENROLLMENT))
    assert "Answer only if" not in page.text
    assert not any(expression in page.text for expression in logic)


def test_a_project_xml_brings_its_surveys_instructions_and_closing_message(long: Project) -> None:
    # test_long_project.xml: contact_info's <redcap:Surveys instructions=... acknowledgement=...>
    link = contact_link(long)
    page = open_page(link)
    assert '<div class="instructions">Please complete the survey below.\nThank you!</div>' in (
        page.text
    ), "REDCap's rich text as plain lines"
    done = open_page(link, __action="submit")
    assert "Thank you for taking the survey.\nHave a nice day!" in done.text
    assert "<strong>" not in html.unescape(done.text.split("<main>")[1])
