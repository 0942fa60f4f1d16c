"""Reference values of an earlier scan: the shipped file loads, and a bad one is refused with the
place and the rule it broke."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from instruments import load_shipped
from instruments.reference_values import ReferenceValuesError, load_references, parse_references

SHIPPED = Path(__file__).resolve().parents[2] / "instruments/references/alliance_2017.json"
SCANS = [load_shipped("provider_scan").unwrap(), load_shipped("supporter_scan").unwrap()]


def test_the_shipped_earlier_scan_gives_the_source_documents_shares() -> None:
    refs = load_references(SHIPPED, SCANS)
    providers = refs.get("provider_scan", "qi_involvement")
    assert providers is not None and providers.percent == {"1": 58, "2": 28, "3": 14}
    supporters = refs.get("supporter_scan", "qi_involvement")
    assert supporters is not None and supporters.percent == {"1": 77}
    assert "58 percent" in refs.source and refs.title == "the 2017 environmental scan"


def good() -> dict:
    return json.loads(SHIPPED.read_text())


@pytest.mark.parametrize(
    ("change", "where", "rule"),
    [
        (
            lambda d: [v.update(instrument="nope") for v in d["values"]],
            "/values",
            "no value names an instrument of this report",
        ),
        (lambda d: d["values"][1].update(field="comments"), "/values/1/field", "no choice"),
        (
            lambda d: d["values"][0]["percent"].update({"9": 1}),
            "/values/0/percent/9",
            "no choice code",
        ),
        (lambda d: d["values"][0]["percent"].update({"1": 101}), "/values/0/percent/1", "0..100"),
        (lambda d: d["values"][0]["percent"].update({"1": "58"}), "/values/0/percent/1", "number"),
        (lambda d: d["values"][0]["percent"].update({"1": 70}), "/values/0/percent", "past 100"),
        (lambda d: d.update(source=""), "/source", "non-empty"),
        (lambda d: d.update(values=[]), "/values", "non-empty list"),
    ],
)
def test_a_bad_value_is_refused_with_its_place(change, where, rule) -> None:
    data = good()
    change(data)
    with pytest.raises(ReferenceValuesError) as caught:
        parse_references(data, SCANS, "refs.json")
    assert f"refs.json#{where}:" in str(caught.value) and rule in str(caught.value)


def test_an_unreadable_file_says_so(tmp_path: Path) -> None:
    path = tmp_path / "refs.json"
    path.write_text("{not json")
    with pytest.raises(ReferenceValuesError, match="cannot read reference values"):
        load_references(path, SCANS)


def test_values_of_an_instrument_the_report_does_not_read_are_left_out() -> None:
    refs = parse_references(good(), SCANS[:1], "refs.json")
    assert [r.instrument for r in refs.values] == ["provider_scan"]
