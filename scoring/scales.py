"""Scale and composite scores, as an instrument declares them, for a whole frame at once.

The input is a numeric item frame: one row per respondent (or per wave), one float column per item
field, NaN where the item was not answered or holds a missing-data code. :func:`score` returns a
:class:`ScaleScores` whose ``frame`` has, for every scale and then every composite, five columns:

========================  =========================================================================
``<scale>``               the score (float), NaN when it cannot be computed
``<scale>__n``            items answered (for a composite: component scores available), int
``<scale>__prorated``     True when a ``prorated_sum`` was scaled up from fewer than all items
``<scale>__reason``       why the score is NaN (categorical text); missing when the score exists
``<scale>__band``         the band label (ordered categorical); missing when there is no score,
                          no bands, or the score lies outside them
========================  =========================================================================

Order of operations for a scale (Cohen, Cohen, Aiken & West 1999 for POMP; SF-36 / PROMIS
conventions for the minimum-answered and proration rules; measurement-notes section 2):

1. reverse keying ``x' = (min + max) - x`` with the scale's item range, before anything else;
2. the minimum-answered rule (``MinAnswered.required``), else NaN with a reason;
3. the method: ``mean`` of the answered items, ``sum`` of the answered items (a raw sum: missing
   items are not imputed, so with fewer than k answers it can fall below k x min, rescale below
   0 and miss every band; declare ``prorated_sum`` or a minimum of all items for comparable
   sums), or ``prorated_sum`` = sum x k / answered, not rounded;
4. the rescale ``0-100`` = 100 (s - lo) / (hi - lo), ``0-1`` = (s - lo) / (hi - lo), where
   [lo, hi] is the score's possible range: the item range for a mean, k times it for a sum;
5. the band: a score on a boundary goes to the higher band (instruments/README.md), the top
   band includes its maximum, and a score within 1e-9 of a boundary counts as on it.

A composite applies steps 2-5 to its components' final scores (after their own rescale); its
possible range is, as the instrument checks compute it, [min of lows, max of highs] for a mean
and the sums of the lows and highs for a sum.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

import numpy as np
import pandas as pd

from instruments.checks.scales import item_range
from instruments.model import Band, Instrument, Scale

EPSILON = 1e-9  # the tolerance the instrument checks use for band boundaries
MAX_NAMED_MISSING = 62  # composites with more components give counts only, not names
Span = tuple[float, float]


@dataclass(frozen=True)
class ScaleInfo:
    """What was scored and how: one per scale or composite, in output order."""

    name: str
    label: str
    kind: Literal["scale", "composite"]
    method: str
    parts: tuple[str, ...]  # item fields, or component scale names
    reverse: tuple[str, ...]
    required: int  # parts that must be answered / scored
    item_range: Span | None  # the items' range (scales only)
    raw_range: Span | None  # possible range of the score before rescaling
    score_range: Span | None  # possible range of the final score
    rescale: str | None
    bands: tuple[Band, ...]
    score_field: str

    @property
    def n_parts(self) -> int:
        return len(self.parts)

    def columns(self) -> tuple[str, str, str, str, str]:
        """The score's columns in the score frame: the score, items answered, prorated, reason,
        band."""
        n = self.name
        return (n, f"{n}__n", f"{n}__prorated", f"{n}__reason", f"{n}__band")


@dataclass(frozen=True)
class ScaleScores:
    """Scores of every scale and composite (see the module docstring for the columns)."""

    frame: pd.DataFrame
    scales: tuple[ScaleInfo, ...]

    def info(self, name: str) -> ScaleInfo:
        for info in self.scales:
            if info.name == name:
                return info
        known = ", ".join(i.name for i in self.scales)
        raise ValueError(f"no scale '{name}' was scored; scored: {known}")

    def score(self, name: str) -> pd.Series:
        return self.frame[self.info(name).name]


def score(items: pd.DataFrame, instrument: Instrument) -> ScaleScores:
    """Score every scale, then every composite, of ``instrument`` on the item frame ``items``.

    Formula: per row, ``mean = sum(x')/a``, ``sum = sum(x')``, ``prorated_sum = sum(x') k/a``
    over the a answered of k items, ``x'`` reverse-keyed as ``(min + max) - x``; then
    ``100 (s - lo)/(hi - lo)`` or ``(s - lo)/(hi - lo)``; composites combine their components'
    final scores the same way. Missing data: NaN items are not answered; a score needs
    ``min_answered.required(k)`` answered items (components), else it is NaN with a reason such
    as ``"3 of 5 items answered; needs 4"``. No imputation beyond the mean / proration itself.
    Reference: measurement-notes section 2 (SF-36 half rule, PROMIS proration, POMP of Cohen et
    al. 1999, Multivariate Behav Res 34:315-346).

    Raises ValueError for misuse: an item column absent from ``items`` or not numeric, a value
    outside the item range (a missing-data code not decoded to NaN), or a scale that must be
    rescaled, reverse-keyed or banded but has no known range.
    """
    columns: dict[str, object] = {}
    infos: list[ScaleInfo] = []
    finals: dict[str, np.ndarray] = {}
    ranges: dict[str, Span | None] = {}
    for scale in instrument.scales:
        info = _scale_info(scale, instrument)
        result = _aggregate(*_item_sums(items, scale, instrument), info)
        reason = _count_reasons(result[1], info, "item", "answered")
        finals[scale.name] = _emit(columns, info, result, reason)
        infos.append(info)
        ranges[scale.name] = info.score_range
    for composite in _composite_order(instrument):
        info = _composite_info(composite, ranges)
        block = np.column_stack([finals[part] for part in composite.scales])
        result = _aggregate(*_block_sums(block), info)
        reason = _composite_reasons(block, result[1], info)
        finals[composite.name] = _emit(columns, info, result, reason)
        infos.append(info)
        ranges[composite.name] = info.score_range
    # The score arrays are new and owned here: the frame takes them without a second copy.
    frame = pd.DataFrame(columns, index=items.index, copy=False)
    return ScaleScores(frame=frame, scales=tuple(infos))


def keyed_items(
    items: pd.DataFrame, scale: Scale, instrument: Instrument | None = None
) -> pd.DataFrame:
    """The scale's item columns as floats, in the scale's order, reverse-keyed as (min+max)-x.

    The range is the scale's ``item_range``, else the span of its items' codes in
    ``instrument`` (as the instrument checks derive it). NaN stays NaN. Reference:
    measurement-notes section 2.2 (reverse before alpha, item-total correlations and scores).
    Raises ValueError for an absent or non-numeric item column, a value outside the range (a
    missing-data code not decoded to NaN), or reverse-keyed items with no known range.
    """
    names = _item_names(items, scale)
    try:
        block = items.loc[:, names].to_numpy(dtype=np.float64, na_value=np.nan, copy=True)
    except (TypeError, ValueError) as exc:
        raise _not_numeric(scale, exc) from exc
    span = _item_span(scale, instrument)
    if span is not None:
        _check_values(list(block.T), scale.name, names, span)
    if scale.reverse:
        flip = [names.index(item) for item in scale.reverse]
        block[:, flip] = _reverse_total(scale, span) - block[:, flip]
    return pd.DataFrame(block, index=items.index, columns=names)


def _item_sums(
    items: pd.DataFrame, scale: Scale, instrument: Instrument | None
) -> tuple[np.ndarray, np.ndarray, int]:
    """Per row, the sum of the answered keyed items and how many were answered, and k.

    The same values as summing :func:`keyed_items` across a row, column by column from the
    left (the order numpy sums that frame's column-major block in), but one column at a time:
    the item columns are read in place and no copy of the scale's items is made.
    """
    names = _item_names(items, scale)
    try:
        columns = [items[name].to_numpy(dtype=np.float64, na_value=np.nan) for name in names]
    except (TypeError, ValueError) as exc:
        raise _not_numeric(scale, exc) from exc
    span = _item_span(scale, instrument)
    if span is not None:
        _check_values(columns, scale.name, names, span)
    flip = _reverse_total(scale, span) if scale.reverse else 0.0
    total = np.zeros(len(items), dtype=np.float64)
    answered = np.zeros(len(items), dtype=np.int64)
    for name, column in zip(names, columns, strict=True):
        keyed = flip - column if name in scale.reverse else column
        present = ~np.isnan(keyed)
        total += np.where(present, keyed, 0.0)
        answered += present
    return total, answered, len(names)


def _block_sums(block: np.ndarray) -> tuple[np.ndarray, np.ndarray, int]:
    """Per row of ``block``, the sum of its non-NaN values and how many there are, and k."""
    present = ~np.isnan(block)
    return np.where(present, block, 0.0).sum(axis=1), present.sum(axis=1), block.shape[1]


def _item_names(items: pd.DataFrame, scale: Scale) -> list[str]:
    if scale.is_composite:
        raise ValueError(
            f"scale '{scale.name}' is a composite of scales {scale.scales}; "
            "pass one of its item scales instead"
        )
    names = list(scale.items)
    missing = [item for item in names if item not in items.columns]
    if missing:
        raise ValueError(
            f"scale '{scale.name}': the item frame has no column for {missing}; "
            "pass every scale item (all-NaN for items that were not asked)"
        )
    return names


def _not_numeric(scale: Scale, exc: Exception) -> ValueError:
    return ValueError(
        f"scale '{scale.name}': item columns {list(scale.items)} must be numeric ({exc}); "
        "decode the export to numbers first"
    )


def _reverse_total(scale: Scale, span: Span | None) -> float:
    """min + max of the item range, from which a reverse-keyed item is subtracted."""
    if span is None:
        raise ValueError(
            f"scale '{scale.name}' has reverse-keyed items but no known item range; "
            "declare item_range or pass the instrument"
        )
    return span[0] + span[1]


def _item_span(scale: Scale, instrument: Instrument | None) -> Span | None:
    if scale.item_range is not None:
        return (float(scale.item_range[0]), float(scale.item_range[1]))
    if instrument is None:
        return None
    fields = instrument.field_map()
    codes = {m.code for m in instrument.missing_codes}
    spans = []
    for item in scale.items:
        fld = fields.get(item)
        span = item_range(fld, codes) if fld is not None else None
        if span is None or np.isnan(span[0]):
            return None
        spans.append(span)
    return (min(s[0] for s in spans), max(s[1] for s in spans)) if spans else None


def _scale_info(scale: Scale, instrument: Instrument) -> ScaleInfo:
    span = _item_span(scale, instrument)
    k = len(scale.items)
    raw = None if span is None else _method_range(scale.method, [span] * k)
    return _info(scale, "scale", tuple(scale.items), span, raw)


def _composite_info(composite: Scale, ranges: dict[str, Span | None]) -> ScaleInfo:
    spans = [ranges[part] for part in composite.scales]
    known = [s for s in spans if s is not None]
    raw = _method_range(composite.method, known) if len(known) == len(spans) else None
    return _info(composite, "composite", tuple(composite.scales), None, raw)


def _method_range(method: str, spans: list[Span]) -> Span:
    if method == "mean":
        return (min(s[0] for s in spans), max(s[1] for s in spans))
    return (sum(s[0] for s in spans), sum(s[1] for s in spans))


def _info(
    scale: Scale,
    kind: Literal["scale", "composite"],
    parts: tuple[str, ...],
    span: Span | None,
    raw: Span | None,
) -> ScaleInfo:
    needs = [
        why
        for why, needed in (
            ("is rescaled", scale.rescale is not None),
            ("has bands", scale.bands is not None),
        )
        if needed
    ]
    if raw is None and needs:
        raise ValueError(
            f"{kind} '{scale.name}' {needs[0]} but the range of its score is unknown; "
            "declare item_range on its scales"
        )
    if raw is not None and scale.rescale is not None and raw[1] <= raw[0]:
        raise ValueError(
            f"{kind} '{scale.name}' cannot be rescaled: its possible range {list(raw)} is empty"
        )
    final = raw
    if scale.rescale == "0-100":
        final = (0.0, 100.0)
    elif scale.rescale == "0-1":
        final = (0.0, 1.0)
    bands = tuple(scale.bands.bands) if scale.bands is not None else ()
    labels = [b.label for b in bands]
    if len(set(labels)) < len(labels):
        raise ValueError(f"{kind} '{scale.name}': band labels repeat: {labels}")
    return ScaleInfo(
        name=scale.name,
        label=scale.label,
        kind=kind,
        method=scale.method,
        parts=parts,
        reverse=tuple(scale.reverse),
        required=scale.min_answered.required(len(parts)),
        item_range=span,
        raw_range=raw,
        score_range=final,
        rescale=scale.rescale,
        bands=bands,
        score_field=scale.score_field,
    )


def _composite_order(instrument: Instrument) -> list[Scale]:
    """Composites in declared order, except that each comes after the composites it uses."""
    pending = list(instrument.composites)
    done = {s.name for s in instrument.scales}
    order: list[Scale] = []
    while pending:
        ready = [c for c in pending if all(part in done for part in c.scales)]
        if not ready:
            names = [c.name for c in pending]
            raise ValueError(f"composites {names} use unknown scales or each other in a cycle")
        for composite in ready:
            order.append(composite)
            done.add(composite.name)
        pending = [c for c in pending if c.name not in done]
    return order


def _check_values(columns: list[np.ndarray], scale: str, names: list[str], span: Span) -> None:
    low, high = span
    counts = [int(((c < low - EPSILON) | (c > high + EPSILON)).sum()) for c in columns]
    if not any(counts):
        return
    worst = int(np.argmax(counts))
    column = columns[worst]
    example = column[(column < low - EPSILON) | (column > high + EPSILON)][0]
    raise ValueError(
        f"scale '{scale}': item '{names[worst]}' has {int(counts[worst])} value(s) "
        f"outside its range [{low:g}, {high:g}] (e.g. {example:g}); "
        "decode missing-data codes to NaN before scoring"
    )


Aggregate = tuple[np.ndarray, np.ndarray, np.ndarray]  # score, answered, prorated


def _aggregate(total: np.ndarray, answered: np.ndarray, k: int, info: ScaleInfo) -> Aggregate:
    """The score from each row's total and count of answered parts (``total`` is reused)."""
    scored = answered >= info.required  # required >= 1, so a scored row has answered >= 1
    denominator = np.maximum(answered, 1)
    if info.method == "mean":
        value = np.divide(total, denominator, out=total)
    elif info.method == "sum":
        value = total
    elif info.method == "prorated_sum":
        value = np.multiply(total, k / denominator, out=total)
    else:
        raise ValueError(
            f"'{info.name}': unknown method '{info.method}'; use mean, sum or prorated_sum"
        )
    prorated = scored & (answered < k) if info.method == "prorated_sum" else np.zeros_like(scored)
    value[~scored] = np.nan
    if info.rescale is not None and info.raw_range is not None:
        low, high = info.raw_range
        value -= low
        value /= high - low
        if info.rescale == "0-100":
            value *= 100.0
    return value, answered, prorated


def _count_reasons(answered: np.ndarray, info: ScaleInfo, noun: str, verb: str) -> pd.Categorical:
    k = info.n_parts
    plural = noun if k == 1 else f"{noun}s"
    needs = info.required
    categories = [f"{a} of {k} {plural} {verb}; needs {needs}" for a in range(needs)]
    return _categorical(np.where(answered < needs, answered, -1), categories)


def _composite_reasons(block: np.ndarray, answered: np.ndarray, info: ScaleInfo) -> pd.Categorical:
    m = info.n_parts
    if m > MAX_NAMED_MISSING:
        return _count_reasons(answered, info, "component", "scored")
    failed = answered < info.required
    bits = np.left_shift(np.int64(1), np.arange(m, dtype=np.int64))
    masks = (np.isnan(block[failed]) * bits).sum(axis=1)
    patterns, inverse = np.unique(masks, return_inverse=True)
    categories = []
    for pattern in patterns.tolist():
        names = [info.parts[j] for j in range(m) if pattern >> j & 1]
        quoted = ", ".join(f"'{name}'" for name in names)
        which = "component" if len(names) == 1 else "components"
        scored = m - len(names)
        categories.append(
            f"{which} {quoted} missing ({scored} of {m} scored; needs {info.required})"
        )
    codes = np.full(len(answered), -1, dtype=np.int64)
    codes[failed] = inverse.ravel()
    return _categorical(codes, categories)


def _bands(value: np.ndarray, bands: tuple[Band, ...]) -> pd.Categorical:
    labels = [b.label for b in bands]
    if not bands:
        return _categorical(np.full(len(value), -1), labels, ordered=True)
    mins = np.array([b.min for b in bands], dtype=np.float64)
    index = np.searchsorted(mins, value + EPSILON, side="right") - 1
    inside = (value >= bands[0].min - EPSILON) & (value <= bands[-1].max + EPSILON)
    return _categorical(np.where(inside, index, -1), labels, ordered=True)


def _categorical(codes: np.ndarray, labels: list[str], ordered: bool = False) -> pd.Categorical:
    """Text per row from integer codes (-1: missing): cheap for a million rows."""
    dtype = pd.CategoricalDtype(labels, ordered=ordered)
    return pd.Categorical.from_codes(codes.astype(np.int64), dtype=dtype)


def _emit(
    columns: dict[str, object], info: ScaleInfo, result: Aggregate, reason: pd.Categorical
) -> np.ndarray:
    value, answered, prorated = result
    name, n, flag, why, band = info.columns()
    columns[name] = value
    columns[n] = answered
    columns[flag] = prorated
    columns[why] = reason
    columns[band] = _bands(value, info.bands)
    return value
