"""Check-all-that-apply questions: percent of respondents and percent of responses.

REDCap exports every checkbox option as ``field___code`` = 0/1, even when branching logic hid the
question, so "asked" must come from the caller (branching-logic evaluation), never from the 0/1
columns (measurement notes section 3.2). A respondent asked who ticked nothing is neither a
"no" to every option nor part of the base: they are counted and reported separately.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from scoring.proportions import (
    BLANK,
    Choices,
    as_asked,
    check_confidence,
    missing_code_factors,
    wilson_interval,
)

CHECKALL_COLUMNS = (
    "label",
    "count",
    "percent_of_respondents",
    "respondents_ci_low",
    "respondents_ci_high",
    "percent_of_responses",
    "responses_ci_low",
    "responses_ci_high",
    "percent_of_asked",
    "asked_ci_low",
    "asked_ci_high",
    "small",
)


@dataclass(frozen=True)
class CheckAllTable:
    """One check-all question.

    ``table`` is indexed by option code, columns as in ``CHECKALL_COLUMNS`` (percents and their
    Wilson limits on the 0..100 scale). ``n_respondents`` is the base of the percent of
    respondents (asked and ticked at least one option, the 'none' option included),
    ``n_responses`` the base of the percent of responses (all ticks except 'none'), and
    ``n_answerable`` the base of the percent of those asked (asked, given no missing-data code:
    ``n_respondents + n_nothing_ticked``), which counts a respondent who ticked nothing as a "no"
    to every option; without a 'none' option, ticking nothing may mean "none of these", so the
    percent of respondents may overstate prevalence and this one is its lower bound.
    ``n_asked == n_respondents + n_nothing_ticked + sum(missing)``.
    """

    table: pd.DataFrame
    n_asked: int
    n_respondents: int
    n_responses: int
    n_nothing_ticked: int
    missing: Mapping[str, int]
    none_codes: tuple[str, ...] = ()
    n_none_with_other: int = 0
    n_ignored_not_asked: int = 0
    confidence: float = 0.95
    method: str = "wilson"
    small_below: int = 5
    notes: tuple[str, ...] = field(default_factory=tuple)

    @property
    def note(self) -> str:
        return "; ".join(self.notes)

    @property
    def none_code(self) -> str | None:
        """The first 'none' option, if any (see ``none_codes``)."""
        return self.none_codes[0] if self.none_codes else None

    @property
    def n_answerable(self) -> int:
        """Asked and given no missing-data code: the base of the percent of those asked."""
        return self.n_respondents + self.n_nothing_ticked


def check_all(
    ticks: pd.DataFrame,
    choices: Choices,
    *,
    asked: pd.Series | str = "asked",
    none_code: str | Collection[str] | None = None,
    missing: pd.Series | None = None,
    confidence: float = 0.95,
    small_below: int = 5,
) -> CheckAllTable:
    """Percent of respondents and percent of responses for every option of a check-all question.

    Formulas (SPSS MULT RESPONSE convention):
    percent of respondents_k = 100 * t_k / R, R = respondents asked who ticked at least one
    option (an exclusive ``none_code`` option, when named, counts as an answer; several may be
    named, as REDCap's ``@NONEOFTHEABOVE`` allows);
    percent of responses_k = 100 * t_k / T, T = all ticks of the options other than the 'none'
    ones (a 'none' row has NaN here: it is not a mention);
    percent of those asked_k = 100 * t_k / A, A = asked respondents without a missing-data code
    (ticked something or nothing). Each has a Wilson interval on its own base; the responses
    interval treats ticks as independent, which they are not (one respondent gives several), so
    read it as descriptive.
    Missing-data rule: only ``asked`` respondents count (``asked`` is a bool Series, or the name
    of a bool column of ``ticks``); ticks of respondents not asked are ignored and counted. A
    respondent asked with a missing-data code is excluded and counted by code; one asked with
    nothing ticked and no code is excluded and counted in ``n_nothing_ticked`` (also reported as
    ``missing["blank"]``). A 'none' ticked together with another option is kept as ticked and
    counted in ``n_none_with_other``.
    Reference: measurement notes section 3.2; IBM SPSS ``MULT RESPONSE`` (percent of cases /
    percent of responses); Wilson 1927, Newcombe 1998 for the intervals.
    """
    check_confidence(confidence)
    codes = [str(code) for code, _ in choices]
    if isinstance(asked, str):
        if asked not in ticks.columns:
            raise ValueError(f"ticks has no '{asked}' column; pass asked= as a Series or a column")
        asked_s, option_frame = ticks[asked], ticks.drop(columns=[asked])
    else:
        asked_s, option_frame = asked, ticks
    asked_b = as_asked(asked_s, ticks.index)
    option_frame = _as_ticks(option_frame, codes)
    nones = (none_code,) if isinstance(none_code, str) else tuple(none_code or ())
    for code in nones:
        if code not in codes:
            raise ValueError(f"none_code '{code}' is not one of the choices {codes}")
    reason_codes, reason_texts = missing_code_factors(missing, ticks.index)
    asked_a, ticked = asked_b.to_numpy(dtype=bool), option_frame.to_numpy(dtype=bool)
    coded = reason_codes >= 0

    any_tick = ticked.any(axis=1)
    both = any_tick & coded
    if both.any():
        raise ValueError(
            f"{int(both.sum())} respondent(s) hold both ticks and a missing code "
            f"(first: {ticks.index[np.flatnonzero(both)[0]]!r}); a REDCap checkbox holds one "
            "or the other"
        )
    ignored = int((~asked_a & (any_tick | coded)).sum())
    answered = asked_a & any_tick
    nothing = asked_a & ~any_tick & ~coded
    by_text = np.array(reason_texts, dtype=object)
    by_reason = pd.Series(by_text[reason_codes[asked_a & coded]], dtype=object).value_counts()
    missing_counts = {str(k): int(v) for k, v in by_reason.items()}
    missing_counts[BLANK] = int(nothing.sum())

    counts = ticked[answered].sum(axis=0).astype(np.int64)
    n_respondents = int(answered.sum())
    mention = np.array([code not in nones for code in codes])
    n_responses = int(counts[mention].sum())
    none_with_other = 0
    if nones:
        others = ticked[:, mention].any(axis=1)
        chose_none = ticked[:, [codes.index(code) for code in nones]].any(axis=1)
        none_with_other = int((answered & chose_none & others).sum())

    table = _table(
        codes,
        [str(label) for _, label in choices],
        counts,
        mention,
        n_respondents,
        n_responses,
        n_respondents + int(nothing.sum()),
        confidence,
        small_below,
    )
    notes = []
    if n_respondents == 0:
        notes.append("no respondent asked ticked an option: percents are NaN")
    if none_with_other:
        named = "' or '".join(nones)
        notes.append(f"{none_with_other} respondent(s) ticked '{named}' and another option")
    if ignored:
        notes.append(f"{ignored} respondent(s) not asked had ticks or codes, ignored")
    return CheckAllTable(
        table=table,
        n_asked=int(asked_b.sum()),
        n_respondents=n_respondents,
        n_responses=n_responses,
        n_nothing_ticked=int(nothing.sum()),
        missing=missing_counts,
        none_codes=nones,
        n_none_with_other=none_with_other,
        n_ignored_not_asked=ignored,
        confidence=confidence,
        small_below=small_below,
        notes=tuple(notes),
    )


def _table(
    codes: list[str],
    labels: list[str],
    counts: np.ndarray,
    mention: np.ndarray,
    n_respondents: int,
    n_responses: int,
    n_answerable: int,
    confidence: float,
    small_below: int,
) -> pd.DataFrame:
    k = len(codes)
    r_low, r_high = wilson_interval(counts, np.full(k, n_respondents), confidence)
    m_low, m_high = wilson_interval(counts, np.where(mention, n_responses, 0), confidence)
    a_low, a_high = wilson_interval(counts, np.full(k, n_answerable), confidence)
    of_respondents = 100.0 * counts / n_respondents if n_respondents else np.full(k, np.nan)
    of_asked = 100.0 * counts / n_answerable if n_answerable else np.full(k, np.nan)
    of_responses = np.full(k, np.nan)
    if n_responses:
        of_responses[mention] = 100.0 * counts[mention] / n_responses
    return pd.DataFrame(
        {
            "label": labels,
            "count": counts,
            "percent_of_respondents": of_respondents,
            "respondents_ci_low": 100.0 * r_low,
            "respondents_ci_high": 100.0 * r_high,
            "percent_of_responses": of_responses,
            "responses_ci_low": 100.0 * m_low,
            "responses_ci_high": 100.0 * m_high,
            "percent_of_asked": of_asked,
            "asked_ci_low": 100.0 * a_low,
            "asked_ci_high": 100.0 * a_high,
            "small": counts < small_below,
        },
        index=pd.Index(codes, name="code"),
    )


def _as_ticks(frame: pd.DataFrame, codes: list[str]) -> pd.DataFrame:
    columns = [str(c) for c in frame.columns]
    if sorted(columns) != sorted(codes):
        extra, absent = sorted(set(columns) - set(codes)), sorted(set(codes) - set(columns))
        raise ValueError(
            f"ticks must have one column per choice code {codes}: "
            f"unexpected {extra}, absent {absent}"
        )
    frame = frame.set_axis(columns, axis=1)[codes]
    if frame.isna().to_numpy().any():
        raise ValueError("ticks must be True/False (or 1/0) for every respondent, found missing")
    values = frame.to_numpy()
    if not (pd.api.types.is_bool_dtype(values.dtype) or np.isin(values, (0, 1)).all()):
        raise ValueError("ticks must be True/False or 1/0")
    return frame.astype(bool)
