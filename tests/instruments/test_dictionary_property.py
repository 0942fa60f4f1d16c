"""Property: any dictionary REDCap could export survives dictionary -> JSON -> dictionary."""

from __future__ import annotations

import csv
import io
import json

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from instruments import load_instrument
from instruments.dictionary import API_COLUMNS, compile_dictionary, import_dictionary

WORD = (
    st.text(
        alphabet=st.characters(
            codec="utf-8", categories=["L", "N"], include_characters=" ,'\"<>/-é–"
        ),
        min_size=1,
        max_size=12,
    )
    .map(str.strip)
    .filter(bool)
)
LONG_TEXT = st.one_of(
    st.just(""),
    WORD,
    st.builds(lambda a, b: f"{a}\n{b}", WORD, WORD),
    WORD.map(lambda w: f"<b>{w}</b>"),
)
NAME = st.from_regex(r"[a-z][a-z0-9]{0,8}", fullmatch=True)
FLAG = st.sampled_from(["", "y"])


@st.composite
def choices(draw):
    codes = draw(
        st.lists(
            st.sampled_from(["0", "1", "2", "3", "4", "5", "-1", "99", "a1", "x"]),
            min_size=1,
            max_size=5,
            unique=True,
        )
    )
    labels = draw(
        st.lists(WORD.filter(lambda w: "|" not in w), min_size=len(codes), max_size=len(codes))
    )
    return " | ".join(f"{c}, {lab}" for c, lab in zip(codes, labels, strict=True))


@st.composite
def field_row(draw, name, form, earlier_radios):
    ftype = draw(
        st.sampled_from(
            [
                "text",
                "notes",
                "radio",
                "dropdown",
                "checkbox",
                "yesno",
                "truefalse",
                "slider",
                "calc",
                "descriptive",
                "file",
            ]
        )
    )
    row = dict.fromkeys(API_COLUMNS, "")
    row.update(field_name=name, form_name=form, field_type=ftype, field_label=draw(LONG_TEXT))
    row["section_header"] = draw(st.one_of(st.just(""), WORD))
    row["field_note"] = draw(st.one_of(st.just(""), WORD))
    row["field_annotation"] = draw(st.sampled_from(["", "@HIDDEN", "@READONLY @DEFAULT='1'"]))
    row["question_number"] = draw(st.sampled_from(["", "1", "2b"]))
    row["custom_alignment"] = draw(st.sampled_from(["", "LV", "LH", "RV", "RH"]))
    if ftype != "descriptive":
        row["required_field"] = draw(FLAG)
    row["identifier"] = draw(FLAG)
    if ftype in ("radio", "dropdown", "checkbox"):
        row["select_choices_or_calculations"] = draw(choices())
    if ftype == "text":
        vtype, low, high = draw(
            st.sampled_from(
                [
                    ("", "", ""),
                    ("integer", "0", "10"),
                    ("number", "1.5", ""),
                    ("date_dmy", "", "2030-01-01"),
                    ("email", "", ""),
                    ("number_2dp_comma_decimal", "", ""),
                    ("datetime_ymd", "", ""),
                ]
            )
        )
        row.update(
            text_validation_type_or_show_slider_number=vtype,
            text_validation_min=low,
            text_validation_max=high,
        )
    if ftype == "slider":
        row["select_choices_or_calculations"] = draw(
            st.sampled_from(["", "Low | Mid | High", "Never | | Always", "Left"])
        )
        row["text_validation_type_or_show_slider_number"] = draw(st.sampled_from(["", "number"]))
        row["text_validation_min"], row["text_validation_max"] = draw(
            st.sampled_from([("", ""), ("0", "10")])
        )
    if ftype == "calc":
        row["select_choices_or_calculations"] = "1 + 2"
    if ftype == "file":
        row["text_validation_type_or_show_slider_number"] = draw(st.sampled_from(["", "signature"]))
    if earlier_radios and ftype != "descriptive" and draw(st.booleans()):
        target, code = draw(st.sampled_from(earlier_radios))
        row["branching_logic"] = f"[{target}] = '{code}'"
    return row


@st.composite
def dictionaries(draw):
    forms = draw(st.lists(NAME, min_size=1, max_size=3, unique=True))
    names = draw(
        st.lists(NAME, min_size=len(forms) + 1, max_size=12, unique=True).filter(
            lambda ns: not any(n.endswith("_complete") for n in ns)
        )
    )
    rows = [
        {
            **dict.fromkeys(API_COLUMNS, ""),
            "field_name": "record_id",
            "form_name": forms[0],
            "field_type": "text",
            "field_label": "Record ID",
        }
    ]
    radios: list[tuple[str, str]] = []
    for i, name in enumerate(n for n in names if n != "record_id"):
        form = forms[min(i * len(forms) // max(len(names), 1), len(forms) - 1)]
        row = draw(field_row(f"f_{name}", form, list(radios)))
        rows.append(row)
        if row["field_type"] == "radio":
            first_code = row["select_choices_or_calculations"].split(",")[0]
            radios.append((row["field_name"], first_code))
    return rows


def to_bytes(rows):
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(API_COLUMNS)
    writer.writerows([row[c] for c in API_COLUMNS] for row in rows)
    return out.getvalue().encode("utf-8")


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(dictionaries())
def test_any_exported_dictionary_round_trips_losslessly(rows):
    imported = import_dictionary(to_bytes(rows), instrument_id="generated")
    result = load_instrument(json.loads(json.dumps(imported.data)))
    assert result.instrument is not None, [str(p) for p in result.problems]
    assert [p for p in result.errors if p.code.code.startswith("logic")] == []
    assert compile_dictionary([result.instrument]) == rows
