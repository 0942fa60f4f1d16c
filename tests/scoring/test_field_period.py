"""The field period is the span of the survey completion times the snapshot holds."""

from __future__ import annotations

from instruments import load_shipped
from plugin.simulate import simulate
from scoring.decode import decode
from scoring.field_period import field_period
from tests.scoring.redcap_export import export_frame

PROVIDERS = load_shipped("provider_scan").unwrap()


def responses(stamps: list[str] | None):
    rows = simulate(PROVIDERS, seed=7, n=4)
    raw = export_frame(PROVIDERS, rows)
    if stamps is not None:
        raw.insert(1, "provider_scan_timestamp", stamps)
    return decode(raw, PROVIDERS)


def test_the_first_and_last_completion_times_leave_out_unfinished_responses() -> None:
    found = field_period(
        responses(["2016-11-02 09:15:00", "[not completed]", "2016-10-03 17:40:12", ""])
    )
    assert (found.first, found.last, found.stamped) == ("2016-10-03 17:40", "2016-11-02 09:15", 2)
    assert found.known


def test_an_export_without_survey_fields_has_no_field_period() -> None:
    found = field_period(responses(None))
    assert (found.first, found.last, found.known) == ("", "", False)


def test_only_unfinished_responses_have_no_field_period() -> None:
    assert not field_period(responses(["[not completed]"] * 4)).known
