"""Scale and composite scores: the rules one at a time on small inline instruments, the shipped
practice-readiness instrument by hand, and a property test against a plain per-row loop."""

from __future__ import annotations

import math
from fractions import Fraction
from typing import Any

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from instruments import Instrument, load_instrument, load_shipped
from scoring.scales import keyed_items, score

NAN = float("nan")


def choices(low: int, high: int) -> list[dict[str, str]]:
    return [{"code": str(c), "label": f"option {c}"} for c in range(low, high + 1)]


def build(
    scales: list[dict[str, Any]],
    composites: list[dict[str, Any]] | None = None,
    ranges: dict[str, tuple[int, int]] | None = None,
) -> Instrument:
    """An instrument whose fields are the scales' items, radio-coded 1..5 unless ``ranges``."""
    ranges = ranges or {}
    names = [item for scale in scales for item in scale["items"]]
    fields: list[dict[str, Any]] = [
        {"name": "record_id", "form": "f", "type": "text", "label": "ID"}
    ]
    fields += [
        {
            "name": name,
            "form": "f",
            "type": "radio",
            "label": name,
            "choices": choices(*ranges.get(name, (1, 5))),
        }
        for name in names
    ]
    data = {
        "id": "mini_scales",
        "version": "1.0.0",
        "title": "Scales test",
        "kind": "survey",
        "respondent": "anyone",
        "source": {"citation": "Written for the tests."},
        "record_id": "record_id",
        "forms": [{"name": "f", "label": "F"}],
        "fields": fields,
        "scales": scales,
        "composites": composites or [],
    }
    return load_instrument(data, name="mini_scales.json").unwrap()


def scale(name: str, items: list[str], **rest: Any) -> dict[str, Any]:
    return {"name": name, "label": name.title(), "items": items, **rest}


def frame(rows: list[list[float]], columns: list[str]) -> pd.DataFrame:
    return pd.DataFrame(rows, columns=columns, dtype=float)


def cell(out: pd.DataFrame, row: int, column: str) -> Any:
    return out.at[row, column]


def test_columns_and_types_are_as_documented() -> None:
    inst = build([scale("a", ["a1", "a2"])], [{"name": "c", "label": "C", "scales": ["a"]}])
    out = score(frame([[1, 2]], ["a1", "a2"]), inst).frame
    assert list(out.columns) == [
        *["a", "a__n", "a__prorated", "a__reason", "a__band"],
        *["c", "c__n", "c__prorated", "c__reason", "c__band"],
    ]
    assert out["a"].dtype == np.float64
    assert out["a__prorated"].dtype == bool
    assert isinstance(out["a__reason"].dtype, pd.CategoricalDtype)
    assert isinstance(out["a__band"].dtype, pd.CategoricalDtype)


def test_reverse_keying_comes_before_the_mean_and_the_rescale() -> None:
    inst = build([scale("s", ["x", "y", "z"], reverse=["y"], item_range=[1, 5], rescale="0-100")])
    out = score(frame([[5, 2, 3]], ["x", "y", "z"]), inst)
    # y = 2 reversed on 1..5 is (1 + 5) - 2 = 4; mean (5 + 4 + 3)/3 = 4; 100 (4 - 1)/(5 - 1) = 75.
    assert cell(out.frame, 0, "s") == pytest.approx(75.0)
    assert cell(out.frame, 0, "s__n") == 3
    assert out.info("s").score_range == (0.0, 100.0)


def test_reverse_keying_uses_the_item_codes_when_no_range_is_declared() -> None:
    inst = build([scale("s", ["x", "y"], reverse=["y"])], ranges={"x": (0, 4), "y": (0, 4)})
    keyed = keyed_items(frame([[1, 1], [4, 0]], ["x", "y"]), inst.scales[0], inst)
    assert keyed["y"].tolist() == [3.0, 4.0]  # (0 + 4) - x
    assert keyed["x"].tolist() == [1.0, 4.0]
    assert cell(score(frame([[1, 1]], ["x", "y"]), inst).frame, 0, "s") == pytest.approx(2.0)


def test_too_few_answers_give_nan_with_the_reason() -> None:
    items = [f"i{j}" for j in range(5)]
    inst = build([scale("s", items, min_answered={"count": 4})])
    out = score(frame([[1, 2, 3, NAN, NAN], [1, 2, 3, 4, NAN]], items), inst).frame
    assert np.isnan(cell(out, 0, "s"))
    assert cell(out, 0, "s__reason") == "3 of 5 items answered; needs 4"
    assert cell(out, 0, "s__n") == 3
    assert cell(out, 1, "s") == pytest.approx(2.5)
    assert pd.isna(cell(out, 1, "s__reason"))


def test_fraction_minimum_rounds_up() -> None:
    # Half of 5 items is 2.5, so 3 are needed (the SF-36 half rule).
    items = [f"i{j}" for j in range(5)]
    inst = build([scale("s", items, min_answered={"fraction": 0.5})])
    out = score(frame([[1, 2, NAN, NAN, NAN], [1, 2, 3, NAN, NAN]], items), inst).frame
    assert cell(out, 0, "s__reason") == "2 of 5 items answered; needs 3"
    assert cell(out, 1, "s") == pytest.approx(2.0)
    assert cell(out, 1, "s__prorated") == np.False_


def test_all_missing_row_is_nan_without_a_warning() -> None:
    inst = build([scale("s", ["a", "b"], method="prorated_sum", rescale="0-1")])
    out = score(frame([[NAN, NAN]], ["a", "b"]), inst).frame
    assert np.isnan(cell(out, 0, "s"))
    assert cell(out, 0, "s__reason") == "0 of 2 items answered; needs 1"


def test_prorated_sum_scales_up_and_is_flagged() -> None:
    items = ["a", "b", "c", "d"]
    inst = build([scale("s", items, method="prorated_sum", min_answered={"count": 3})])
    out = score(frame([[4, 5, NAN, 3], [4, 5, 2, 3]], items), inst).frame
    assert cell(out, 0, "s") == pytest.approx(12 * 4 / 3)  # 16
    assert cell(out, 0, "s__prorated") == np.True_
    assert cell(out, 1, "s") == pytest.approx(14.0)
    assert cell(out, 1, "s__prorated") == np.False_


def test_sum_rescaled_uses_k_times_the_item_range() -> None:
    items = ["a", "b", "c", "d"]
    inst = build([scale("s", items, method="sum", rescale="0-1", min_answered={"count": 4})])
    out = score(frame([[1, 5, 3, 3], [5, 5, 5, 5], [1, 1, 1, 1]], items), inst)
    # Possible sums 4..20: (12 - 4)/16 = 0.5.
    assert out.frame["s"].tolist() == pytest.approx([0.5, 1.0, 0.0])
    assert out.info("s").raw_range == (4.0, 20.0)


def test_one_item_scale_is_its_item() -> None:
    inst = build([scale("s", ["a"], rescale="0-100")])
    out = score(frame([[3], [NAN]], ["a"]), inst).frame
    assert cell(out, 0, "s") == pytest.approx(50.0)
    assert cell(out, 1, "s__reason") == "0 of 1 item answered; needs 1"


def test_composite_uses_component_final_scores() -> None:
    inst = build(
        [
            scale("a", ["a1", "a2"], rescale="0-100"),
            scale("b", ["b1", "b2"]),  # stays on 1..5
        ],
        [{"name": "c", "label": "C", "scales": ["a", "b"], "method": "sum"}],
    )
    out = score(frame([[5, 4, 2, 2]], ["a1", "a2", "b1", "b2"]), inst)
    # a: mean 4.5 -> 100 (3.5/4) = 87.5; b: 2.0; their sum 89.5.
    assert cell(out.frame, 0, "c") == pytest.approx(89.5)
    assert out.info("c").raw_range == (1.0, 105.0)  # 0 + 1 .. 100 + 5, as the checks compute


def test_composite_names_the_missing_component() -> None:
    inst = build(
        [scale("a", ["a1"]), scale("b", ["b1"]), scale("c", ["c1"])],
        [{"name": "all3", "label": "All", "scales": ["a", "b", "c"], "min_answered": {"count": 3}}],
    )
    out = score(frame([[1, NAN, 3], [NAN, NAN, 3], [1, 2, 3]], ["a1", "b1", "c1"]), inst).frame
    assert cell(out, 0, "all3__reason") == "component 'b' missing (2 of 3 scored; needs 3)"
    assert cell(out, 1, "all3__reason") == "components 'a', 'b' missing (1 of 3 scored; needs 3)"
    assert cell(out, 2, "all3") == pytest.approx(2.0)
    assert out["all3__n"].tolist() == [2, 1, 3]


def test_composite_may_use_a_composite_declared_after_it() -> None:
    inst = build(
        [scale("a", ["a1"]), scale("b", ["b1"])],
        [
            {"name": "outer", "label": "Outer", "scales": ["inner", "b"]},
            {"name": "inner", "label": "Inner", "scales": ["a"]},
        ],
    )
    out = score(frame([[2, 4]], ["a1", "b1"]), inst)
    assert cell(out.frame, 0, "outer") == pytest.approx(3.0)
    assert [i.name for i in out.scales] == ["a", "b", "inner", "outer"]


def halves(low: float, middle: float, high: float) -> dict[str, Any]:
    return {
        "convention": "local",
        "description": "Halves, a local convention.",
        "bands": [
            {"label": "Low", "min": low, "max": middle},
            {"label": "High", "min": middle, "max": high},
        ],
    }


def test_a_score_on_a_band_boundary_goes_to_the_higher_band() -> None:
    inst = build([scale("s", ["a", "b"], rescale="0-100", bands=halves(0, 50, 100))])
    out = score(frame([[3, 3], [1, 1], [5, 5], [2, 3], [NAN, NAN]], ["a", "b"]), inst).frame
    # Scores 50 (boundary), 0 (bottom), 100 (top, included), 37.5, NaN.
    assert out["s__band"].tolist()[:4] == ["High", "Low", "High", "Low"]
    assert pd.isna(cell(out, 4, "s__band"))
    assert out["s__band"].cat.ordered


def test_a_boundary_missed_by_rounding_error_still_counts_as_on_it() -> None:
    # A score of 3 computed as 3 - 1e-12 (floating-point error) is on the boundary 3: "High".
    inst = build([scale("s", ["a"], bands=halves(0, 3, 5))], ranges={"a": (0, 5)})
    out = score(frame([[3 - 1e-12], [2.9], [3.0]], ["a"]), inst).frame
    assert out["s__band"].tolist() == ["High", "Low", "High"]


def test_missing_item_column_is_misuse() -> None:
    inst = build([scale("s", ["a", "b"])])
    with pytest.raises(ValueError, match=r"scale 's': the item frame has no column for \['b'\]"):
        score(frame([[1]], ["a"]), inst)


def test_an_undecoded_missing_code_is_misuse() -> None:
    inst = build([scale("s", ["a", "b"], item_range=[1, 5])])
    with pytest.raises(ValueError, match=r"item 'b' has 1 value\(s\) outside its range \[1, 5\]"):
        score(frame([[1, 9], [2, 3]], ["a", "b"]), inst)


def test_practice_readiness_scored_by_hand() -> None:
    inst = load_shipped("practice_readiness").unwrap()
    names = [item for s in inst.scales for item in s.items]
    reverse = {item for s in inst.scales for item in s.reverse}
    best = {name: (1.0 if name in reverse else 5.0) for name in names}
    mixed = dict.fromkeys(names, 3.0)
    # Willingness: 4, 4, 3, 5 and fatigue 2 (reversed: 4) -> mean 4 -> 75.
    mixed |= {"will_motivated": 4, "will_priority": 4, "will_worth": 3, "will_facilitator": 5}
    mixed |= {"will_fatigue": 2}
    # Leadership: only lead_vision = 5 answered of 4 (needs 2) -> NaN; the rest score 50.
    mixed |= {"lead_vision": 5, "lead_redirect": NAN, "lead_daily": NAN, "lead_too_busy": NAN}
    out = score(pd.DataFrame([best, mixed], dtype=float), inst).frame
    for name in ("willingness_to_change", "leadership", "organisational_stability"):
        assert cell(out, 0, name) == pytest.approx(100.0)
    assert cell(out, 0, "readiness_index") == pytest.approx(100.0)
    assert cell(out, 0, "readiness_index__band") == "Ready to engage"
    assert cell(out, 1, "willingness_to_change") == pytest.approx(75.0)
    assert np.isnan(cell(out, 1, "leadership"))
    assert cell(out, 1, "leadership__reason") == "1 of 4 items answered; needs 2"
    # Stability: resources, culture, context all 50 (3 of 4 components; needs 3) -> 50.
    assert cell(out, 1, "organisational_stability") == pytest.approx(50.0)
    assert cell(out, 1, "organisational_stability__n") == 3
    # Readiness: mean(75, 50) = 62.5 -> "Getting ready" (33.3 <= 62.5 < 66.7).
    assert cell(out, 1, "readiness_index") == pytest.approx(62.5)
    assert cell(out, 1, "readiness_index__band") == "Getting ready"


# -- property test: the vectorised scores equal a plain loop over rows ------------------------

RANGES = [(1, 5), (0, 4), (1, 7), (0, 1)]
FRACTIONS = ["0.2", "0.25", "0.5", "0.75", "1"]


@st.composite
def specs(draw: st.DrawFn) -> dict[str, Any]:
    scales = []
    ranges: dict[str, tuple[int, int]] = {}
    for s in range(draw(st.integers(1, 3))):
        k = draw(st.integers(1, 5))
        items = [f"s{s}_i{j}" for j in range(k)]
        low, high = draw(st.sampled_from(RANGES))
        ranges |= dict.fromkeys(items, (low, high))
        spec = scale(f"s{s}", items, method=draw(st.sampled_from(["mean", "sum", "prorated_sum"])))
        spec["reverse"] = draw(st.lists(st.sampled_from(items), unique=True))
        if draw(st.booleans()):
            spec["item_range"] = [low, high]
        spec["min_answered"] = draw(minimum(k))
        spec["rescale"] = draw(st.sampled_from([None, "0-100", "0-1"]))
        if spec["rescale"] is None:
            del spec["rescale"]
        scales.append(spec)
    parts = [s["name"] for s in scales]
    composite: dict[str, Any] = {"name": "comp", "label": "Comp", "scales": parts}
    composite["method"] = draw(st.sampled_from(["mean", "sum", "prorated_sum"]))
    composite["min_answered"] = draw(minimum(len(parts)))
    rescale = draw(st.sampled_from([None, "0-100", "0-1"]))
    if rescale is not None:
        composite["rescale"] = rescale
        top = 100 if rescale == "0-100" else 1
        composite["bands"] = halves(0, top / 2, top)
    return {"scales": scales, "composites": [composite], "ranges": ranges}


def minimum(k: int) -> st.SearchStrategy[dict[str, Any]]:
    return st.one_of(
        st.integers(1, k).map(lambda c: {"count": c}),
        st.sampled_from(FRACTIONS).map(lambda f: {"fraction": float(f)}),
    )


def needed(rule: dict[str, Any], k: int) -> int:
    if "count" in rule:
        return int(rule["count"])
    return max(1, math.ceil(Fraction(str(rule["fraction"])) * k))


def loop_scale(values: list[float], spec: dict[str, Any], low: float, high: float) -> dict:
    """One row, one scale, the rules written out plainly."""
    k = len(spec["items"])
    answered = []
    for item, value in zip(spec["items"], values, strict=True):
        if math.isnan(value):
            continue
        answered.append(low + high - value if item in spec.get("reverse", []) else value)
    span = (low, high) if spec.get("method", "mean") == "mean" else (k * low, k * high)
    return combine(answered, k, spec, span, f"of {k} item{'s' if k != 1 else ''} answered")


def combine(
    answered: list[float], k: int, spec: dict[str, Any], span: tuple[float, float], words: str
) -> dict:
    """Minimum answered, method, rescale over the possible range ``span`` of the raw score."""
    need = needed(spec.get("min_answered", {"fraction": 0.5}), k)
    method = spec.get("method", "mean")
    if len(answered) < need:
        return {"score": NAN, "n": len(answered), "prorated": False, "need": need, "words": words}
    total = sum(answered)
    value = {"mean": total / len(answered), "sum": total, "prorated_sum": total * k / len(answered)}
    result = value[method]
    lo, hi = span
    if spec.get("rescale") == "0-100":
        result = 100 * (result - lo) / (hi - lo)
    elif spec.get("rescale") == "0-1":
        result = (result - lo) / (hi - lo)
    prorated = method == "prorated_sum" and len(answered) < k
    return {"score": result, "n": len(answered), "prorated": prorated, "need": need, "words": words}


def final_range(spec: dict[str, Any], low: float, high: float, k: int) -> tuple[float, float]:
    if spec.get("rescale") == "0-100":
        return (0.0, 100.0)
    if spec.get("rescale") == "0-1":
        return (0.0, 1.0)
    return (low, high) if spec.get("method", "mean") == "mean" else (k * low, k * high)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(spec=specs(), data=st.data())
def test_vectorised_scores_equal_a_plain_row_loop(
    spec: dict[str, Any], data: st.DataObject
) -> None:
    inst = build(spec["scales"], spec["composites"], spec["ranges"])
    columns = [item for s in spec["scales"] for item in s["items"]]
    rows = data.draw(st.integers(1, 12))
    table = []
    for _ in range(rows):
        row = []
        for item in columns:
            low, high = spec["ranges"][item]
            value = data.draw(st.one_of(st.none(), st.integers(low, high)))
            row.append(NAN if value is None else float(value))
        table.append(row)
    out = score(frame(table, columns), inst).frame

    composite = spec["composites"][0]
    for r, row in enumerate(table):
        values = dict(zip(columns, row, strict=True))
        expected: dict[str, dict] = {}
        spans = []
        for s in spec["scales"]:
            low, high = spec["ranges"][s["items"][0]]
            expected[s["name"]] = loop_scale([values[i] for i in s["items"]], s, low, high)
            spans.append(final_range(s, low, high, len(s["items"])))
        m = len(spec["scales"])
        # A composite's possible range, as instruments/checks/scales.py defines it.
        if composite["method"] == "mean":
            span = (min(a for a, _ in spans), max(b for _, b in spans))
        else:
            span = (sum(a for a, _ in spans), sum(b for _, b in spans))
        scores = [expected[s["name"]]["score"] for s in spec["scales"]]
        present = [x for x in scores if not math.isnan(x)]
        expected["comp"] = combine(present, m, composite, span, f"of {m}")
        missing = [s["name"] for s, x in zip(spec["scales"], scores, strict=True) if math.isnan(x)]

        for name, want in expected.items():
            got = cell(out, r, name)
            if math.isnan(want["score"]):
                assert math.isnan(got), (name, r)
                reason = cell(out, r, f"{name}__reason")
                if name == "comp":
                    which = "component" if len(missing) == 1 else "components"
                    quoted = ", ".join(f"'{n}'" for n in missing)
                    counts = f"{m - len(missing)} of {m} scored; needs {want['need']}"
                    assert reason == f"{which} {quoted} missing ({counts})"
                else:
                    assert reason == f"{want['n']} {want['words']}; needs {want['need']}"
            else:
                assert got == pytest.approx(want["score"], rel=1e-9, abs=1e-9), (name, r)
                assert pd.isna(cell(out, r, f"{name}__reason"))
            assert cell(out, r, f"{name}__n") == want["n"]
            assert bool(cell(out, r, f"{name}__prorated")) == want["prorated"]
        if "bands" in composite:
            top = 100 if composite["rescale"] == "0-100" else 1
            value = expected["comp"]["score"]
            band = cell(out, r, "comp__band")
            if math.isnan(value) or not -1e-9 <= value <= top + 1e-9:
                assert pd.isna(band)
            else:
                assert band == ("High" if value >= top / 2 - 1e-9 else "Low")
