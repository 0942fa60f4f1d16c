"""Scale scores from decoded responses, and their statistics as tidy rows: per wave the scores'
summary and reliability, and across waves the cohort's change.

Items are the decoded choice codes read as numbers (a missing-data code is not a number: it is
not answered). Only respondents count (:mod:`scoring.respondents`). Per wave each scale gets n,
mean (t interval, kept inside the score's possible range), SD, type-7 quartiles, range, the
number not scored and why, and for item scales Cronbach's alpha (listwise, Feldt interval),
standardised alpha and each item's corrected item-total correlation and alpha if deleted (the
item named in ``choice_code`` and ``choice_label``). With ``by``, each group gets its summary,
its number not scored and its alpha beside the overall rows, then the groups are compared
(:mod:`scoring.field_compare`). Across waves (``waves=True``) each scale gets, from baseline to
each unit's latest wave: the mean change with the paired t test and Cohen's dz, the Wilcoxon
signed-rank test (T+ as R reports it) with the matched-pairs rank-biserial r, the numbers
improved / unchanged / declined beyond the Jacobson-Truax threshold (reliability: the baseline
alpha of an item scale), and with three or more waves Friedman's test on complete cases and the
mixed model's slope per month; with ``by`` as well, each group's change after the overall one.
"""

from __future__ import annotations

import math
from dataclasses import replace

import numpy as np
import pandas as pd

from instruments.model import Instrument, Scale
from scoring.decode import Responses
from scoring.describe import describe_numeric
from scoring.field_compare import numeric_comparison_rows
from scoring.field_stats import Where, group_labels, numeric_rows, wave_slices
from scoring.groups import group_parts
from scoring.paired import mcnemar_change, paired_t, reliable_change, signed_rank
from scoring.questions import Options
from scoring.reliability import Alpha, cronbach_alpha, item_total
from scoring.respondents import Respondents, respondents
from scoring.scales import ScaleInfo, ScaleScores, score
from scoring.tidy import Option, TidyRow
from scoring.trend import friedman, mixed_slope

BASELINE_TO_LATEST = "baseline to latest"
ALL_WAVES = "all waves"


def item_frame(responses: Responses) -> pd.DataFrame:
    """Every scale item as a number (choice codes read as numbers); NaN where not answered."""
    names = sorted({item for scale in responses.instrument.scales for item in scale.items})
    frame = responses.frame
    # Filled a column at a time into the one float block the frame keeps, so no second copy.
    block = np.empty((len(names), len(frame)), dtype=np.float64)
    for numbers, name in zip(block, names, strict=True):
        numbers[:] = _as_numbers(frame[name])
    return pd.DataFrame(block.T, index=frame.index, columns=names, copy=False)


def _as_numbers(column: pd.Series) -> np.ndarray:
    """A column's values read as numbers, NaN where they are not; a Categorical's categories
    are read once each rather than once per row."""
    if isinstance(column.dtype, pd.CategoricalDtype):
        categories = pd.Series(column.cat.categories.astype("object"), dtype="object")
        numbers = pd.to_numeric(categories, errors="coerce").to_numpy(np.float64, na_value=np.nan)
        # A missing value's code, -1, reads the NaN put last.
        return np.append(numbers, np.nan)[column.cat.codes.to_numpy()]
    values = pd.to_numeric(column.astype("object"), errors="coerce")
    return values.to_numpy(np.float64, na_value=np.nan)


def scale_scores(responses: Responses) -> ScaleScores:
    """Every scale and composite of the instrument, scored on its decoded items."""
    return score(item_frame(responses), responses.instrument)


def scale_rows(
    responses: Responses,
    options: Options | None = None,
    *,
    waves: bool = False,
    by: str | None = None,
    who: Respondents | None = None,
) -> list[TidyRow]:
    """Per wave: each scale's summary and (item scales) its reliability, overall and with ``by``
    per group, the groups compared; with ``waves``, the change across waves (per group too)."""
    options = options or Options()
    instrument = responses.instrument
    if not instrument.all_scales():
        return []
    who = who if who is not None else respondents(responses, partials=options.partials)
    counted = who.respondent.to_numpy(dtype=bool)
    items = item_frame(responses)
    scored = score(items, instrument)
    groups = group_labels(responses, by) if by is not None else None
    rows: list[TidyRow] = []
    for wave, rows_of_wave in wave_slices(responses):
        index = rows_of_wave[counted[rows_of_wave.to_numpy()]]
        where = Where(instrument.id, instrument.version, wave=wave)
        parts = group_parts(groups, index)
        for scale in instrument.all_scales():
            info = scored.info(scale.name)
            rows += _summary_rows(scored, items, scale, info, index, where, options, instrument)
            rows += _item_rows(items, scale, index, where, instrument)
            if groups is None or by is None:
                continue
            for label, part in parts:
                grouped = replace(where, group_by=by, group=label)
                rows += _summary_rows(
                    scored, items, scale, info, part, grouped, options, instrument
                )
            rows += numeric_comparison_rows(
                scored.frame.loc[index, scale.name],
                groups.loc[index],
                scale.name,
                scale.label,
                replace(where, group_by=by),
                options,
            )
    if waves and instrument.waves is not None:
        rows += change_rows(responses, scored, items, options)
        rows += yes_no_change_rows(responses)
        if groups is not None and by is not None:
            for label, part in group_parts(groups, responses.frame.index):
                at = Where(instrument.id, instrument.version, group_by=by, group=label)
                rows += change_rows(responses, scored, items, options, rows_of=part, where=at)
    return rows


def _summary_rows(
    scored: ScaleScores,
    items: pd.DataFrame,
    scale: Scale,
    info: ScaleInfo,
    index: pd.Index,
    where: Where,
    options: Options,
    instrument: Instrument,
) -> list[TidyRow]:
    """One scale's summary among the rows ``index``: n, mean inside the score's range and the
    rest, the number not scored, and (item scales) alpha."""
    values = scored.frame.loc[index, scale.name]
    summary = describe_numeric(
        values, confidence=options.confidence, bounds=info.score_range, min_n=options.min_n
    )
    rows = numeric_rows(summary, scale.name, scale.label, where)
    rows += _reason_rows(scored, scale, index, where)
    if not scale.is_composite:
        alpha = cronbach_alpha(items.loc[index], scale, instrument=instrument)
        rows += alpha_rows(alpha, scale, where)
    return rows


def _item_rows(
    items: pd.DataFrame, scale: Scale, index: pd.Index, where: Where, instrument: Instrument
) -> list[TidyRow]:
    """Each item's corrected item-total correlation and the scale's alpha without it."""
    if scale.is_composite or len(scale.items) < 2:
        return []
    analysis = item_total(items.loc[index], scale, instrument=instrument)
    labels = {f.name: f.label for f in instrument.fields}
    rows: list[TidyRow] = []
    for line in analysis.items:
        item: Option = {"choice_code": line.item, "choice_label": labels.get(line.item, line.item)}
        keyed = " (reverse-keyed)" if line.item in scale.reverse else ""
        note = "; ".join(n for n in (f"listwise{keyed}", line.note) if n)
        rows += [
            where.row(
                scale.name,
                scale.label,
                "item_total_r",
                line.r_drop,
                n=analysis.n,
                note=note,
                **item,
            ),
            where.row(
                scale.name,
                scale.label,
                "alpha_if_deleted",
                line.alpha_if_deleted,
                n=analysis.n,
                note=note,
                **item,
            ),
        ]
    return rows


def alpha_rows(alpha: Alpha, scale: Scale, where: Where) -> list[TidyRow]:
    """The tidy rows of a scale's Cronbach's alpha (with its Feldt interval) and standardized
    alpha."""
    note = f"{alpha.missing}; {alpha.note}".rstrip("; ")
    return [
        where.row(
            scale.name,
            scale.label,
            "cronbach_alpha",
            alpha.value,
            n=alpha.n,
            ci_low=alpha.ci_low,
            ci_high=alpha.ci_high,
            note=f"Feldt interval; {note}",
        ),
        where.row(scale.name, scale.label, "standardized_alpha", alpha.standardized, n=alpha.n),
    ]


def _reason_rows(scored: ScaleScores, scale: Scale, index: pd.Index, where: Where) -> list[TidyRow]:
    """How many rows could not be scored, and the commonest reason why."""
    reasons = scored.frame.loc[index, f"{scale.name}__reason"].astype("object")
    unscored = reasons[reasons.notna() & (reasons != "")]
    if unscored.empty:
        return []
    common = unscored.value_counts()
    note = f"most often: {common.index[0]} ({int(common.iloc[0])})"
    return [where.row(scale.name, scale.label, "n_not_scored", len(unscored), note=note)]


def long_scores(responses: Responses, scored: ScaleScores) -> pd.DataFrame:
    """unit, wave_index, months and every score: the long frame of the change tests."""
    frame = responses.frame
    unit = responses.instrument.unit.id_field if responses.instrument.unit else None
    units = frame[unit] if unit and unit in frame.columns else frame[responses.instrument.record_id]
    data = pd.DataFrame(
        {
            "unit": units.astype("object").to_numpy(),
            "wave_index": frame["wave_index"].to_numpy(dtype=np.int64),
            "months": frame["months"].to_numpy(dtype=float),
        },
        index=frame.index,
    )
    for info in scored.scales:
        data[info.name] = scored.frame[info.name].to_numpy(dtype=float)
    return data


def change_rows(
    responses: Responses,
    scored: ScaleScores,
    items: pd.DataFrame,
    options: Options,
    *,
    rows_of: pd.Index | None = None,
    where: Where | None = None,
) -> list[TidyRow]:
    """The cohort's change per scale, baseline to each unit's latest wave, and its trend; among
    ``rows_of`` only (one group's rows) when given, named by ``where``'s group."""
    instrument = responses.instrument
    data = long_scores(responses, scored)
    if rows_of is not None:
        data = data.loc[rows_of]
    n_waves = int(data["wave_index"].nunique())
    rows: list[TidyRow] = []
    at = where or Where(instrument.id, instrument.version)
    change = replace(at, wave=BASELINE_TO_LATEST)
    trend = replace(at, wave=ALL_WAVES)
    baseline = data.index[data["wave_index"] == 0]
    for scale in instrument.all_scales():
        name, label = scale.name, scale.label
        t = paired_t(data, name, confidence=options.confidence)
        dropped = f"{t.units_dropped} unit(s) without a pair"
        rows += [
            change.row(
                name,
                label,
                "mean_change",
                t.estimate,
                n=t.n_pairs,
                ci_low=t.ci_low,
                ci_high=t.ci_high,
                note=f"{t.method}; {dropped}",
            ),
            change.row(name, label, "paired_t_p", t.p_value, n=t.n_pairs, note=t.method),
            change.row(name, label, "cohens_dz", t.cohen_dz, n=t.n_pairs),
        ]
        w = signed_rank(data, name)
        rows += [
            change.row(name, label, "wilcoxon_p", w.p_value, n=w.n_pairs, note=w.method),
            change.row(name, label, "rank_biserial", w.rank_biserial, n=w.n_pairs),
        ]
        rows += _reliable_rows(data, scale, items.loc[baseline], responses, change)
        if n_waves >= 3:
            f = friedman(data, name)
            note = f"{f.method}; {f.units_dropped} unit(s) dropped (incomplete)"
            rows.append(trend.row(name, label, "friedman_p", f.p_value, n=f.n_units, note=note))
            rows.append(trend.row(name, label, "kendall_w", f.kendall_w, n=f.n_units))
            m = mixed_slope(data, name, confidence=options.confidence)
            note = f"{m.method}; {m.n_units} units" + (f"; {m.note}" if m.note else "")
            rows.append(
                trend.row(
                    name,
                    label,
                    "slope_per_month",
                    m.estimate,
                    n=m.n_obs,
                    ci_low=m.ci_low,
                    ci_high=m.ci_high,
                    note=note,
                )
            )
    return rows


def yes_no_change_rows(responses: Responses) -> list[TidyRow]:
    """McNemar's test of each yes/no item from baseline to each unit's latest wave."""
    instrument = responses.instrument
    frame = responses.frame
    where = Where(instrument.id, instrument.version, wave=BASELINE_TO_LATEST)
    base = long_scores(responses, ScaleScores(pd.DataFrame(index=frame.index), ()))
    rows: list[TidyRow] = []
    for item in instrument.fields:
        if item.type not in ("yesno", "truefalse") or item.name not in frame.columns:
            continue
        data = base[["unit", "wave_index", "months"]].copy()
        data[item.name] = pd.to_numeric(frame[item.name].astype("object"), errors="coerce")
        if data.dropna(subset=[item.name])["wave_index"].nunique() < 2:
            continue
        result = mcnemar_change(data, item.name)
        rows += [
            where.row(
                item.name,
                item.label,
                "change_in_percent",
                100 * result.estimate,
                n=result.n_pairs,
                note="percent answering yes, after minus before",
            ),
            where.row(
                item.name,
                item.label,
                "mcnemar_p",
                result.p_value,
                n=result.n_pairs,
                note=result.method,
            ),
        ]
    return rows


def _reliable_rows(
    data: pd.DataFrame,
    scale: Scale,
    baseline_items: pd.DataFrame,
    responses: Responses,
    where: Where,
) -> list[TidyRow]:
    """Reliable change needs a reliability: the baseline alpha of an item scale (a composite
    has none of its own here, so it gets no such rows)."""
    if scale.is_composite:
        return []
    alpha = cronbach_alpha(baseline_items, scale, instrument=responses.instrument)
    if not 0.0 <= alpha.value < 1.0 or math.isnan(alpha.value):
        return []
    result = reliable_change(
        data, scale.name, reliability=alpha.value, reliability_source="cronbach_alpha"
    )
    note = f"threshold {result.threshold:.3g} (Jacobson-Truax; baseline alpha {alpha.value:.3f})"
    return [
        where.row(scale.name, scale.label, f"n_{status}", count, n=result.n_pairs, note=note)
        for status, count in (
            ("improved", result.n_improved),
            ("unchanged", result.n_unchanged),
            ("declined", result.n_declined),
        )
    ]
