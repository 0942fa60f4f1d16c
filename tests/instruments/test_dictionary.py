"""The REDCap data dictionary both ways: realistic dictionaries survive import and compile
unchanged in every one of the 18 columns; awkward input (BOM, CRLF, Windows-1252, legacy names
and choice strings) is read the way REDCap reads it."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

import pytest

from instruments import load_instrument
from instruments.dictionary import (
    API_COLUMNS,
    UI_HEADERS,
    compile_dictionary,
    import_dictionary,
    read_dictionary,
    to_csv,
    to_json,
)
from instruments.dictionary.importer import DictionaryError
from instruments.problems import InstrumentError

FIXTURES = Path(__file__).parent.parent / "fixtures" / "dictionaries"
REALISTIC = sorted(FIXTURES.glob("*.csv"))


def round_trip(raw: bytes) -> tuple[list[dict[str, str]], list[dict[str, str]]]:
    """(rows read from the dictionary, rows compiled back from the imported instrument)."""
    original, _ = read_dictionary(raw)
    imported = import_dictionary(raw, instrument_id="trip")
    result = load_instrument(json.loads(json.dumps(imported.data)), name="trip.json")
    assert result.ok, [str(p) for p in result.errors]
    compiled = compile_dictionary([result.unwrap()])
    return [{k: r[k] for k in API_COLUMNS} for r in original], compiled


@pytest.mark.parametrize("path", REALISTIC, ids=lambda p: p.stem)
def test_realistic_dictionaries_round_trip_in_every_column(path):
    original, compiled = round_trip(path.read_bytes())
    assert len(compiled) == len(original)
    for before, after in zip(original, compiled, strict=True):
        assert list(after) == list(API_COLUMNS)
        assert after == before


@pytest.mark.parametrize("path", REALISTIC, ids=lambda p: p.stem)
def test_compiled_csv_reads_back_identically(path):
    _, compiled = round_trip(path.read_bytes())
    text = to_csv(compiled)
    assert text.splitlines()[0] == ",".join(f'"{h}"' if "," in h else h for h in UI_HEADERS)
    again, warnings = read_dictionary(text.encode("utf-8"))
    assert warnings == []
    assert [{k: r[k] for k in API_COLUMNS} for r in again] == compiled


def test_api_headers_and_json_keys_are_redcaps_raw_names_in_order():
    _, compiled = round_trip((FIXTURES / "classic_demographics.csv").read_bytes())
    assert to_csv(compiled, headers="api").splitlines()[0] == ",".join(API_COLUMNS)
    rows = json.loads(to_json(compiled))
    assert all(list(row) == list(API_COLUMNS) for row in rows)
    assert all(isinstance(v, str) for row in rows for v in row.values())


def test_bom_and_crlf_are_invisible():
    rows, warnings = read_dictionary((FIXTURES / "longitudinal_schedule.csv").read_bytes())
    assert rows[0]["field_name"] == "study_id" and warnings == []
    assert not any("\r" in value for row in rows for value in row.values())


def test_windows_1252_is_read_with_a_warning():
    imported = import_dictionary(FIXTURES / "latin1_windows.csv")
    assert any("Windows-1252" in w for w in imported.warnings)
    labels = [f.get("label") for f in imported.data["fields"]]
    assert "Êtes-vous satisfait ?" in labels
    choices = imported.data["fields"][2]["choices"]
    assert choices[0] == {"code": "1", "label": "Très satisfait"}


def test_legacy_names_and_loose_choice_spacing_are_normalised_as_redcap_does():
    text = (
        ",".join(API_COLUMNS)
        + "\n"
        + "record_id,f,,text,ID,,,,,,,,,,,,,\n"
        + 'size,f,,select,Size,"1,Small|2,Large",,,,,,,,,,,,\n'
        + "n,f,,text,N,,,int,0,9,,,,,,,,\n"
        + "memo,f,,textarea,Memo,,,,,,,,,,,,,\n"
    )
    imported = import_dictionary(text.encode("utf-8"))
    rows = compile_dictionary([load_instrument(imported.data).unwrap()])
    assert rows[1]["field_type"] == "dropdown"
    assert rows[1]["select_choices_or_calculations"] == "1, Small | 2, Large"
    assert rows[2]["text_validation_type_or_show_slider_number"] == "integer"
    assert rows[3]["field_type"] == "notes"


def test_legacy_code_only_choices_keep_their_form():
    imported = import_dictionary((FIXTURES / "survey_multilingual.csv").read_bytes())
    colour = next(f for f in imported.data["fields"] if f["name"] == "colour")
    assert colour["choices"] == [{"code": "Red"}, {"code": "Green"}, {"code": "Blue"}]


def test_html_newlines_and_action_tags_survive():
    original, compiled = round_trip((FIXTURES / "survey_multilingual.csv").read_bytes())
    by_name = {r["field_name"]: r for r in compiled}
    assert by_name["intro"]["field_label"].startswith('<div class="rich-text-field-label">')
    assert by_name["qi_other"]["field_note"] == "Line one\nline two"
    assert by_name["score"]["field_annotation"] == "@HIDDEN"


def test_import_gives_each_form_a_domain_so_reports_can_use_it():
    imported = import_dictionary(FIXTURES / "classic_demographics.csv")
    assert imported.data["id"] == "classic_demographics"
    assert imported.data["domains"] == [{"name": "demographics", "label": "Demographics"}]
    assert load_instrument(imported.data).warnings == []


def test_dropped_columns_are_reported():
    text = ",".join(API_COLUMNS) + "\nrecord_id,f,,text,ID,1|2,,,,,,,,,,,,\n"
    imported = import_dictionary(text.encode("utf-8"))
    assert imported.warnings == [
        "[<memory> row 2] field 'record_id': column F is ignored on a text field"
    ]


def test_not_a_dictionary():
    with pytest.raises(DictionaryError, match=r"row 1\] expected REDCap's 18 dictionary columns"):
        read_dictionary(b"name,type\nx,text\n", file="people.csv")
    with pytest.raises(DictionaryError, match=r"has a header but no fields"):
        import_dictionary(",".join(API_COLUMNS).encode() + b"\n")


def test_several_instruments_share_one_record_id():
    first = load_instrument(import_dictionary(FIXTURES / "classic_demographics.csv").data).unwrap()
    text = (
        ",".join(API_COLUMNS)
        + "\nrecord_id,followup,,text,ID,,,,,,,,,,,,,\n"
        + "visit,followup,,text,Visit,,,,,,,,,,,,,\n"
    )
    data = import_dictionary(text.encode(), instrument_id="followup").data
    second = load_instrument(data).unwrap()
    rows = compile_dictionary([first, second])
    assert [r["field_name"] for r in rows].count("record_id") == 1
    assert rows[-1]["field_name"] == "visit"
    data["record_id"] = data["fields"][0]["name"] = "study_id"
    third = load_instrument(data).unwrap()
    with pytest.raises(InstrumentError, match=r"uses record id 'study_id' but the project uses"):
        compile_dictionary([first, third])
    with pytest.raises(InstrumentError) as caught:
        compile_dictionary([first, third])
    assert [(p.code.code, p.pointer) for p in caught.value.problems] == [
        ("project-record-id", "/record_id")
    ]


def test_names_must_be_unique_across_a_project():
    first = load_instrument(import_dictionary(FIXTURES / "classic_demographics.csv").data).unwrap()
    with pytest.raises(InstrumentError) as caught:
        compile_dictionary([first, first])
    codes = {p.code.code for p in caught.value.problems}
    assert codes == {"name-duplicate"}
    assert any(p.pointer == "/fields/1/name" for p in caught.value.problems)


def test_csv_quotes_what_needs_quoting():
    _, compiled = round_trip((FIXTURES / "survey_multilingual.csv").read_bytes())
    parsed = list(csv.reader(io.StringIO(to_csv(compiled))))
    assert all(len(row) == 18 for row in parsed)


def test_a_dictionary_saved_as_utf16_reads_as_the_same_rows():
    """Issue 12: a UTF-16 file imported as names full of NUL bytes, and exited 0."""
    raw = (FIXTURES / "classic_demographics.csv").read_bytes()
    expected, _ = read_dictionary(raw)
    for encoding in ("utf-16", "utf-16-le"):
        rows, warnings = read_dictionary(raw.decode("utf-8-sig").encode(encoding), file="d.csv")
        assert rows == expected
        assert warnings == ["[d.csv] read as UTF-16; CSV (UTF-8) is the usual format"]
    tabbed = raw.decode("utf-8-sig").replace(",", "\t").encode("utf-16")
    with pytest.raises(DictionaryError, match=r"separated by tabs: save it as CSV"):
        read_dictionary(tabbed, file="d.txt")


def test_a_cell_over_the_csv_limit_is_refused_with_its_line():
    header = ",".join(API_COLUMNS)
    text = f'{header}\nrecord_id,f,,text,"{"x" * 140_000}"\n'
    with pytest.raises(DictionaryError, match=r"\[big.csv line 2\] a cell is longer than 131,072"):
        read_dictionary(text.encode(), file="big.csv")
