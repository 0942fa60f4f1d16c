"""Arms, events, form/event mappings and repeating settings, replaying PyCap's long-project
integration tests (``tests/integration/test_long_project.py``) step by step.
"""

from __future__ import annotations

import pytest
from redcap import Project, RedcapError

from plugin.localcap import RunningServer, set_production
from tests.localcap.conftest import message_of

LONG_EVENTS = [
    "enrollment_arm_1", "dose_1_arm_1", "visit_1_arm_1", "dose_2_arm_1", "visit_2_arm_1",
    "dose_3_arm_1", "visit_3_arm_1", "final_visit_arm_1", "enrollment_arm_2",
    "deadline_to_opt_ou_arm_2", "first_dose_arm_2", "first_visit_arm_2", "second_dose_arm_2",
    "second_visit_arm_2", "final_visit_arm_2", "deadline_to_return_arm_2",
]  # fmt: skip


def test_longitudinal_detection(simple: Project, long: Project, doctest: Project) -> None:
    # PyCap decides from whether the mapping export fails.
    assert not simple.is_longitudinal
    assert long.is_longitudinal
    assert doctest.is_longitudinal


@pytest.mark.parametrize(
    ("method", "message"),
    [
        ("export_arms", "You cannot export arms for classic projects"),
        ("export_events", "You cannot export events for classic projects"),
        (
            "export_instrument_event_mappings",
            "You cannot export form/event mappings for classic projects",
        ),
    ],
)
def test_classic_projects_refuse_structure_exports(
    simple: Project, method: str, message: str
) -> None:
    with pytest.raises(RedcapError, match=message):
        getattr(simple, method)()


def test_classic_projects_refuse_structure_imports(simple: Project) -> None:
    with pytest.raises(RedcapError, match="You cannot import arms for classic projects"):
        simple.import_arms([{"arm_num": 2, "name": "B"}])
    with pytest.raises(RedcapError, match="You cannot import events for classic projects"):
        simple.import_events([{"event_name": "E", "arm_num": "1"}])
    with pytest.raises(RedcapError, match="You cannot delete events for classic projects"):
        simple.delete_events(["event_1_arm_1"])


def test_arms_and_events_of_the_long_project(long: Project) -> None:
    assert long.export_arms() == [
        {"arm_num": 1, "name": "Drug A"},
        {"arm_num": 2, "name": "Drug B"},
    ]
    events = long.export_events()
    assert [event["unique_event_name"] for event in events] == LONG_EVENTS
    assert list(events[0]) == [
        "event_name", "arm_num", "unique_event_name", "custom_event_label", "event_id"
    ]  # fmt: skip
    assert events[9]["event_name"] == "Deadline to opt out of study"
    assert [event["unique_event_name"] for event in long.export_events(arms=["2"])] == LONG_EVENTS[
        8:
    ]
    assert len(long.export_instrument_event_mappings()) == 44


def test_doctest_project_structure(doctest: Project) -> None:
    # PyCap's doctests for export_arms, export_instrument_event_mappings and repeating settings.
    assert doctest.export_arms() == [{"arm_num": 1, "name": "Arm 1"}]
    assert doctest.export_instrument_event_mappings() == [
        {"arm_num": 1, "unique_event_name": "event_1_arm_1", "form": "form_1"}
    ]
    assert doctest.export_repeating_instruments_events() == [
        {"event_name": "event_1_arm_1", "form_name": "", "custom_form_label": ""}
    ]
    events = doctest.export_events()
    assert [(event["event_name"], event["arm_num"]) for event in events] == [
        ("Event 1", 1),
        ("Event 2", 1),
    ]


def test_arm_import_rename_delete_and_override(long: Project) -> None:
    assert long.import_arms([{"arm_num": 3, "name": "Drug C"}]) == 1
    # REDCap will not list an arm until it has an event.
    assert len(long.export_arms()) == 2
    long.import_events([{"event_name": "new_event", "arm_num": "3"}])
    assert [arm["name"] for arm in long.export_arms()] == ["Drug A", "Drug B", "Drug C"]
    assert long.import_arms([{"arm_num": 1, "name": "Drug Alpha"}]) == 1
    assert [arm["name"] for arm in long.export_arms()] == ["Drug Alpha", "Drug B", "Drug C"]
    assert long.delete_arms([3]) == 1
    assert [arm["arm_num"] for arm in long.export_arms()] == [1, 2]

    state = {
        "events": long.export_events(),
        "mappings": long.export_instrument_event_mappings(),
    }
    assert (
        long.import_arms(
            [{"arm_num": 1, "name": "Drug A"}, {"arm_num": 2, "name": "Drug B"}], override=1
        )
        == 2
    )
    assert long.export_arms() == []  # override deleted every event
    assert long.export_records() == []  # and the data in them
    assert long.import_events(state["events"]) == 16
    assert long.import_instrument_event_mappings(state["mappings"]) == 44
    assert long.export_arms() == [
        {"arm_num": 1, "name": "Drug A"},
        {"arm_num": 2, "name": "Drug B"},
    ]
    assert [event["unique_event_name"] for event in long.export_events()] == LONG_EVENTS


def test_event_import_and_delete(long: Project) -> None:
    assert long.import_events([{"event_name": "XYZ", "arm_num": "2"}]) == 1
    assert len(long.export_events()) == 17
    assert long.delete_events(["xyz_arm_2"]) == 1
    assert len(long.export_events()) == 16


def test_event_import_updates_by_unique_name(long: Project) -> None:
    events = long.export_events()
    assert long.import_events(events) == 16
    renamed = [{**events[1], "event_name": "First dose"}]
    assert long.import_events(renamed) == 1
    names = [event["unique_event_name"] for event in long.export_events()]
    assert "first_dose_arm_1" in names and "dose_1_arm_1" not in names


def test_event_and_arm_import_errors(long: Project) -> None:
    with pytest.raises(
        RedcapError, match="The following attributes are required: event_name, arm_num"
    ):
        long.import_events([{"event_name": "No arm"}])
    with pytest.raises(RedcapError, match="does not exist in the project"):
        long.import_events([{"event_name": "Orphan", "arm_num": "7"}])
    with pytest.raises(RedcapError, match="The following attributes are required: arm_num, name"):
        long.import_arms([{"arm_num": 4}])
    with pytest.raises(RedcapError, match=r'parameter "events" are not valid') as caught:
        long.delete_events(["nope_arm_1"])
    assert message_of(caught.value).endswith("'nope_arm_1'")


def test_deletes_and_override_need_development_status(server: RunningServer, long: Project) -> None:
    set_production(server.app.config["LOCALCAP_DB"], long.token)
    with pytest.raises(RedcapError, match="Development status"):
        long.delete_events(["dose_1_arm_1"])
    with pytest.raises(RedcapError, match="Development status"):
        long.import_arms([{"arm_num": 1, "name": "A"}], override=1)
    assert len(long.export_events()) == 16


def test_mapping_import_replaces_every_mapping(long: Project) -> None:
    current = long.export_instrument_event_mappings()
    single = [{"arm_num": "1", "unique_event_name": "enrollment_arm_1", "form": "demographics"}]
    assert long.import_instrument_event_mappings(single) == 1
    assert long.export_instrument_event_mappings() == [
        {"arm_num": 1, "unique_event_name": "enrollment_arm_1", "form": "demographics"}
    ]
    assert long.import_instrument_event_mappings(current) == 44
    with pytest.raises(RedcapError, match=r'"form" are not valid'):
        long.import_instrument_event_mappings(
            [{"arm_num": "1", "unique_event_name": "enrollment_arm_1", "form": "nope"}]
        )


def test_repeating_settings_round_trip_in_every_format(long: Project) -> None:
    # PyCap's test_import_export_repeating_forms
    for format_type in ["xml", "json", "csv", "df"]:
        settings = long.export_repeating_instruments_events(format_type=format_type)
        assert long.import_repeating_instruments_events(settings, import_format=format_type) == 1
    assert long.export_repeating_instruments_events(format_type="csv") == (
        "event_name,form_name,custom_form_label\nenrollment_arm_1,baseline_data,\n"
    )


def test_repeating_export_without_any_setting(simple: Project) -> None:
    with pytest.raises(RedcapError, match="does not contain any repeating instruments and events"):
        simple.export_repeating_instruments_events()


def test_classic_repeating_import_makes_a_form_repeat(simple: Project) -> None:
    assert (
        simple.import_repeating_instruments_events(
            [{"form_name": "demographics", "custom_form_label": ""}]
        )
        == 1
    )
    assert simple.export_repeating_instruments_events() == [
        {"form_name": "demographics", "custom_form_label": ""}
    ]
    rows = [row for row in simple.export_records() if row["record_id"] == "1"]
    # The record ID stays on the base row; the form's values move to instance 1 of the form.
    assert [(row["redcap_repeat_instrument"], row["redcap_repeat_instance"]) for row in rows] == [
        ("", ""),
        ("demographics", 1),
    ]
    assert (rows[0]["first_name"], rows[1]["first_name"]) == ("", "PyCap")
