"""``content=pdf`` (redcap-api.md §2.5): instruments as blank or filled paper forms.

Every PDF is read back with pypdf. A marked choice carries a glyph in its box or circle ("X" for
a checkbox, a bullet for the others), which text extraction puts on the line before its label.
"""

from __future__ import annotations

import io
import json
import re
from typing import Any

import pytest
from pypdf import PdfReader
from redcap import Project

from plugin.localcap import RunningServer
from tests.localcap.conftest import post

MARKS = "X\u2022"


def read(content: bytes) -> tuple[str, int]:
    """The extracted text of every page, and the number of pages."""
    reader = PdfReader(io.BytesIO(content))
    return "\n".join(page.extract_text() for page in reader.pages), len(reader.pages)


def text_of(project: Project, **options: Any) -> str:
    content, _ = project.export_pdf(**options)
    return read(content)[0]


def pages_of(project: Project, **options: Any) -> int:
    content, _ = project.export_pdf(**options)
    return read(content)[1]


def marked(text: str, label: str) -> bool:
    """Whether the choice ``label`` (a whole line) comes straight after a mark."""
    return re.search(rf"(?:^|\n)[{MARKS}]\s*{re.escape(label)}(?:\n|$)", text) is not None


def unmarked(text: str, label: str) -> bool:
    return re.search(rf"(?:^|\n)[^{MARKS}\n]*\n{re.escape(label)}(?:\n|$)", text) is not None


def pdf_error(server: RunningServer, project: Project, **data: str) -> tuple[int, str]:
    answer = post(
        server, token=project.token, content="pdf", action="export", returnFormat="json", **data
    )
    assert answer.headers["Content-Type"].startswith("application/json")
    return answer.status_code, json.loads(answer.text)["error"]


def test_answer_is_a_named_pdf(server: RunningServer, simple: Project) -> None:
    content, info = simple.export_pdf(record="1", instrument="demographics")
    assert content.startswith(b"%PDF-")
    assert re.fullmatch(
        r"PyCapProject_BasicDemographyForm_1_\d{4}-\d\d-\d\d_\d{4}\.pdf", info["name"]
    )
    answer = post(server, token=simple.token, content="pdf", action="export", returnFormat="json")
    assert answer.status_code == 200
    assert re.fullmatch(
        r'application/pdf; name="PyCapProject_[0-9_-]+\.pdf"', answer.headers["Content-Type"]
    )


def test_blank_form_has_labels_notes_sections_and_choices_but_no_values(simple: Project) -> None:
    text = text_of(simple)
    for label in ("Study ID", "First Name", "Street, City, State, ZIP", "Gender", "BMI"):
        assert label in text
    assert "Include Area Code" in text  # the field note of telephone
    assert "Contact Information" in text and "General Comments" in text
    for choice in ("Hispanic or Latino", "Female", "Male", "Incomplete", "Complete"):
        assert unmarked(text, choice)
    assert "Study ID: ____" in text
    assert not any(mark in text for mark in MARKS)
    for value in ("Test1", "github", "(415) 555-1212", "pycaptest1@github.com"):
        assert value not in text


def test_record_fills_its_values_and_marks_its_choices(simple: Project) -> None:
    text = text_of(simple, record="1")
    assert "Study ID: 1" in text
    for value in ("Test1", "github", "(415) 555-1212", "pycaptest1@github.com", "2021-10-13"):
        assert value in text
    assert "Test2" not in text
    assert marked(text, "Female") and unmarked(text, "Male")  # sex = 0
    assert marked(text, "Unknown / Not Reported")  # ethnicity = 2
    assert unmarked(text, "Hispanic or Latino")
    assert marked(text, "Complete") and unmarked(text, "Incomplete")  # demographics_complete = 2


def test_checkbox_marks_each_checked_option(doctest: Project) -> None:
    text = text_of(doctest, record="1")
    assert "Checkbox Field" in text
    assert marked(text, "Option 2") and unmarked(text, "Option 1")
    assert re.search(r"X\s*Option 2", text)  # a checkbox is marked with an X in its box
    assert marked(text, "Yes") and unmarked(text, "No")  # field_1 (yes/no) = 1
    assert "test_upload.txt" in text  # a file field shows the file's name


def test_blank_form_prints_branching_logic_and_a_filled_form_does_not(long: Project) -> None:
    blank = text_of(long, instrument="demographics")
    assert 'Shown if [sex] = "0"' in blank
    assert 'Shown if [sex] = "0" and [given_birth] = "1"' in blank
    filled = text_of(long, record="1", event="enrollment_arm_1", instrument="demographics")
    assert "Shown if" not in filled
    assert "Has the patient given birth before?" in filled


def test_instrument_and_event_narrow_a_blank_form(long: Project) -> None:
    contact = text_of(long, instrument="contact_info")
    assert "Contact Info" in contact and "Emergency Contact Phone Number" in contact
    assert "First Name" not in contact and "Serum Prealbumin" not in contact
    dose = text_of(long, event="dose_1_arm_1")
    assert "Event: Dose 1 (Arm 1: Drug A)" in dose
    assert "On average, how many pills" in dose
    assert "First Name" not in dose
    assert pages_of(long, instrument="contact_info") < pages_of(long)


def test_record_prints_the_events_it_has_data_in(long: Project) -> None:
    text = text_of(long, record="1")
    assert "Event: Enrollment (Arm 1: Drug A)" in text and "Event: Dose 1 (Arm 1: Drug A)" in text
    dose = text_of(long, record="1", event="dose_1_arm_1")
    assert "Patient Morale Questionnaire" in dose and "Demographics" not in dose
    assert marked(dose, "Yes")  # pmq3 = 1 in the project XML
    assert pages_of(long, record="1", event="dose_1_arm_1") < pages_of(long, record="1")


def test_record_without_data_in_the_instrument_prints_it_blank(long: Project) -> None:
    long.import_records(
        [{"study_id": "40", "redcap_event_name": "enrollment_arm_1", "first_name": "New"}]
    )
    text = text_of(long, record="40", instrument="completion_data")
    assert "Completion Data" in text and "Study ID: 40" in text
    assert "Has patient completed study?" in text
    assert not any(mark in text for mark in MARKS)
    assert "New" not in text


def test_repeat_instance_picks_one_instance(long: Project) -> None:
    long.import_records(
        [
            {
                "study_id": "1",
                "redcap_event_name": "enrollment_arm_1",
                "redcap_repeat_instrument": "baseline_data",
                "redcap_repeat_instance": 2,
                "weight2": "77",
            }
        ]
    )
    options = {"record": "1", "event": "enrollment_arm_1", "instrument": "baseline_data"}
    first = text_of(long, **options)  # repeat_instance defaults to 1
    assert "Instance: 1" in first and "100" in first and "77" not in first
    second = text_of(long, **options, repeat_instance=2)
    assert "Instance: 2" in second and "77" in second and "100" not in second
    whole = text_of(long, record="1", event="enrollment_arm_1")
    assert "Instance: 1" in whole and "Instance: 2" in whole


def test_all_records_gives_one_section_per_record(simple: Project) -> None:
    content, _ = simple.export_pdf(all_records=True)
    text, pages = read(content)
    assert re.findall(r"Study ID: (\S+)", text) == ["1", "2", "3"]
    assert "Test1" in text and "Test2" in text and "Incomplete" in text
    assert pages == sum(pages_of(simple, record=record) for record in ("1", "2", "3"))


def test_all_records_ignores_record_event_and_instrument(
    server: RunningServer, simple: Project
) -> None:
    answer = post(
        server,
        token=simple.token,
        content="pdf",
        action="export",
        returnFormat="json",
        allRecords="",
        record="nobody",
        instrument="nothing",
    )
    assert answer.status_code == 200
    assert re.findall(r"Study ID: (\S+)", read(answer.content)[0]) == ["1", "2", "3"]


def test_page_count_grows_with_content(simple: Project, long: Project) -> None:
    assert pages_of(simple) < pages_of(long)
    short = pages_of(simple, record="1")
    story = "\n".join(
        f"Visit note {line}: the practice met and reviewed its goals." for line in range(150)
    )
    simple.import_records([{"record_id": "1", "comments": story}])
    text, pages = read(simple.export_pdf(record="1")[0])
    assert pages >= short + 2
    assert "Visit note 0:" in text and "Visit note 149:" in text


def test_long_labels_wrap_inside_the_page(simple: Project) -> None:
    metadata = simple.export_metadata()
    label = " ".join(["How often did the practice team meet about quality improvement?"] * 6)
    metadata[1]["field_label"] = label
    simple.import_metadata(metadata)
    text = text_of(simple)
    label_lines = [line for line in text.splitlines() if "quality improvement" in line]
    assert len(label_lines) >= 3  # wrapped, not run off the edge on one line
    assert "How often did the practice" in text


def test_compact_display_drops_fields_without_a_value(simple: Project) -> None:
    full = text_of(simple, record="3")
    compact = text_of(simple, record="3", compact_display=True)
    assert "Ethnicity" in full and "Street, City, State, ZIP" in full
    assert "Ethnicity" not in compact and "Street, City, State, ZIP" not in compact
    assert "Incomplete" in compact and "First Name" in compact
    assert "Contact Information" in compact  # its first field has a value


def test_labels_lose_their_html_and_keep_latin_1(simple: Project) -> None:
    metadata = simple.export_metadata()
    metadata[1]["field_label"] = "<b>Prénom</b> &amp; <i>nom</i> – über"
    simple.import_metadata(metadata)
    simple.import_records(
        [
            {
                "record_id": "1",
                "first_name": "Zoë",
                "last_name": "Müller – café",
                "comments": "ą 漢\r\nnext\tline",
            }
        ]
    )
    text = text_of(simple, record="1")
    assert "Prénom & nom – über" in text and "<b>" not in text
    assert "Zoë" in text and "Müller – café" in text
    assert "a ?" in text  # beyond the font: the base letter, else a question mark
    assert "next line" in text  # a Windows line break and a tab are not "?"


def test_calculated_fields_show_their_value(simple: Project) -> None:
    simple.import_records([{"record_id": "1", "height": "130", "weight": "100"}])
    assert simple.export_records(records=["1"], fields=["bmi"])[0]["bmi"] == "59.2"
    assert "59.2" in text_of(simple, record="1")
    assert "59.2" not in text_of(simple)


def test_export_is_logged(simple: Project) -> None:
    simple.export_pdf(record="2")
    entry = simple.export_logging(log_type="export", record="2")[0]
    assert entry["action"] == "PDF Export with data Record 2"
    assert entry["details"] == "Download all data entry forms as PDF (with data) (API)"


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"instrument": "nope"}, "Invalid instrument"),
        ({"event": "nope_arm_1"}, "Invalid event"),
        ({"record": "99"}, "The record '99' does not exist"),
        ({"record": "1", "repeat_instance": "0"}, "The 'repeat_instance' parameter must be"),
        ({"instrument": "nope", "event": "nope", "record": "99"}, "Invalid instrument"),
        ({"event": "nope", "record": "99"}, "Invalid event"),
    ],
)
def test_errors(server: RunningServer, long: Project, data: dict[str, str], message: str) -> None:
    status, text = pdf_error(server, long, **data)
    assert status == 400
    assert text.startswith(message)


def test_errors_follow_return_format(server: RunningServer, simple: Project) -> None:
    answer = post(
        server,
        token=simple.token,
        content="pdf",
        action="export",
        returnFormat="csv",
        instrument="nope",
    )
    assert (answer.status_code, answer.text) == (400, "ERROR: Invalid instrument")
