"""Single-choice questions: count, percent and Wilson interval per option, denominators stated.

The denominator is always the respondents who were *asked* (shown) the question: a respondent
hidden by branching logic never enters it, whatever their row holds. Among those asked, an answer
is either a choice code, a missing-data code (REDCap's project-level Missing Data Codes such as
``NA`` or ``UNK``) or nothing at all ("blank"). Missing codes are excluded from the denominator and
reported by reason, unless the caller keeps one as a substantive category (the CME scan's "not
relevant", measurement notes section 2.1), in which case it becomes a row of the table.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass, field

import numpy as np
import pandas as pd
from statsmodels.stats.proportion import proportion_confint

Choices = Sequence[tuple[str, str]]
BLANK = "blank"
TABLE_COLUMNS = ("label", "kind", "count", "percent", "percent_ci_low", "percent_ci_high", "small")


@dataclass(frozen=True)
class Proportion:
    """A proportion ``count / n`` (0..1) with its confidence interval."""

    count: int
    n: int
    value: float
    ci_low: float
    ci_high: float
    confidence: float = 0.95
    method: str = "wilson"
    note: str = ""

    @property
    def percent(self) -> float:
        return 100.0 * self.value


@dataclass(frozen=True)
class FrequencyTable:
    """One question's distribution.

    ``table`` is indexed by code (choices in the given order, then kept missing codes) with the
    columns ``label``, ``kind`` ("choice" or "missing"), ``count``, ``percent``,
    ``percent_ci_low``, ``percent_ci_high`` (all three on the 0..100 scale) and ``small``
    (``count < small_below``). ``missing`` counts every missing reason among those asked
    (each missing code and ``"blank"``), kept or not; ``kept_missing`` names the codes that are
    rows of the table and part of ``denominator``. So ``n_asked == n_answered + sum(missing)``
    and ``denominator == n_answered + sum(missing[c] for c in kept_missing)``.
    """

    table: pd.DataFrame
    n_asked: int
    n_answered: int
    denominator: int
    missing: Mapping[str, int]
    kept_missing: tuple[str, ...] = ()
    n_ignored_not_asked: int = 0
    confidence: float = 0.95
    method: str = "wilson"
    small_below: int = 5
    notes: tuple[str, ...] = field(default_factory=tuple)

    @property
    def note(self) -> str:
        return "; ".join(self.notes)


def wilson_interval(
    count: np.ndarray, n: np.ndarray, confidence: float = 0.95
) -> tuple[np.ndarray, np.ndarray]:
    """Vectorised Wilson score limits (0..1); NaN where ``n == 0``.

    Formula (Wilson 1927; Newcombe 1998 method 3), with p = count/n and z = z_{1-alpha/2}:
    (p + z^2/2n -+ z*sqrt(p(1-p)/n + z^2/4n^2)) / (1 + z^2/n), computed by statsmodels
    ``proportion_confint(method="wilson")`` (never its Wald default); the limits are set to
    exactly 0 at count 0 and 1 at count n (statsmodels leaves ~1e-17 of round-off).
    Missing-data rule: none here; a zero ``n`` gives NaN limits.
    Reference: Wilson EB (1927) JASA 22:209-212; Newcombe RG (1998) Stat Med 17:857-872.
    """
    count = np.asarray(count, dtype=float)
    n = np.asarray(n, dtype=float)
    low = np.full(np.broadcast(count, n).shape, np.nan)
    high = low.copy()
    count, n = np.broadcast_arrays(count, n)
    ok = n > 0
    if ok.any():
        lo, hi = proportion_confint(count[ok], n[ok], alpha=1 - confidence, method="wilson")
        # Wilson's limits are exactly 0 at count 0 and 1 at count n; drop the round-off.
        low[ok] = np.where(count[ok] == 0, 0.0, lo)
        high[ok] = np.where(count[ok] == n[ok], 1.0, hi)
    return low, high


def wilson(count: int, n: int, confidence: float = 0.95) -> Proportion:
    """The proportion ``count / n`` with its Wilson score interval.

    Formula: see :func:`wilson_interval`. Missing data: the caller chooses ``n`` (for survey
    items, the respondents asked and not excluded as missing). ``n == 0`` gives NaN with a note.
    Reference: Wilson EB (1927) JASA 22:209-212; Newcombe RG (1998) Stat Med 17:857-872, Table I;
    R ``binom::binom.confint(method="wilson")`` / ``prop.test(correct=FALSE)$conf.int``.
    """
    check_confidence(confidence)
    if n < 0 or count < 0 or count > n:
        raise ValueError(f"count must be between 0 and n, got count={count}, n={n}")
    if n == 0:
        return Proportion(count, 0, np.nan, np.nan, np.nan, confidence, note="denominator is 0")
    low, high = wilson_interval(np.array([count]), np.array([n]), confidence)
    return Proportion(count, n, count / n, float(low[0]), float(high[0]), confidence)


HIGH_LEVELS = 2  # a rating's "high side": its two highest levels (a top-two box)


def high_side(counts: Sequence[int], n: int, levels: int = HIGH_LEVELS) -> Proportion:
    """The share of a rating's ``n`` answers at its ``levels`` highest levels (``counts`` in
    the scale's order, lowest first), with its Wilson interval (:func:`wilson`): the "top-two
    box" of survey reporting, e.g. "Often" or "Always" of Never..Always.

    Missing data: ``n`` is the caller's base (for a question, those who answered it).
    Reference: as :func:`wilson`; R ``prop.test(sum(tail(counts, 2)), n, correct = FALSE)``."""
    if levels < 1 or levels >= len(counts):
        raise ValueError(f"the high side takes 1 to {len(counts) - 1} levels, got {levels}")
    return wilson(int(sum(counts[-levels:])), n)


def frequencies(
    answers: pd.Series,
    asked: pd.Series,
    choices: Choices,
    *,
    missing: pd.Series | None = None,
    missing_labels: Mapping[str, str] | None = None,
    keep_missing: Collection[str] = (),
    confidence: float = 0.95,
    small_below: int = 5,
) -> FrequencyTable:
    """Count, percent and Wilson interval of every option of a single-choice question.

    Formula: percent_k = 100 * count_k / D with the Wilson interval on (count_k, D), where
    D = (asked and answered with a choice) + (asked with a missing code in ``keep_missing``).
    Missing-data rule: only ``asked`` respondents count; among them a missing code (from
    ``missing``) or a blank answer is excluded from D and counted in ``missing`` by reason,
    except codes listed in ``keep_missing``, which become rows. Answers of respondents not asked
    are ignored and counted in ``n_ignored_not_asked``. Every choice appears, zero counts too.
    Reference: Newcombe 1998 (Stat Med 17:857-872) for the interval; the AAPOR/SPSS convention
    of stating the base of every percentage.
    Raises ValueError on misuse: misaligned indexes, an answer that is not one of ``choices``, or a
    respondent holding both an answer and a missing code.
    """
    check_confidence(confidence)
    codes = [str(code) for code, _ in choices]
    if len(set(codes)) != len(codes):
        raise ValueError(f"choice codes must be unique, got {codes}")
    if BLANK in keep_missing:
        raise ValueError(f"'{BLANK}' is not a missing code and cannot be kept in the denominator")
    clash = sorted(set(map(str, keep_missing)) & set(codes))
    if clash or len(set(keep_missing)) != len(list(keep_missing)):
        raise ValueError(f"keep_missing must list distinct missing codes, not choices: {clash}")
    asked_b = as_asked(asked, answers.index).to_numpy(dtype=bool)
    value_codes, value_texts = code_factors(answers, "answers")
    reason_codes, reason_texts = missing_code_factors(missing, answers.index)
    unknown = sorted(set(value_texts) - set(codes))
    if unknown:
        raise ValueError(f"answers hold codes that are not choices: {unknown}; choices are {codes}")
    answered, coded = value_codes >= 0, reason_codes >= 0
    both = answered & coded
    if both.any():
        raise ValueError(
            f"{int(both.sum())} respondent(s) hold both an answer and a missing code "
            f"(first: {answers.index[np.flatnonzero(both)[0]]!r}); a REDCap value is one or "
            "the other"
        )
    ignored = int((~asked_b & (answered | coded)).sum())
    reason_counts = counts_by_text(reason_codes[asked_b & coded], reason_texts)
    blank = int((asked_b & ~answered & ~coded).sum())
    if blank:
        reason_counts[BLANK] = blank

    labels = dict(missing_labels or {})
    order = list(labels) + sorted(set(reason_counts) - set(labels) - {BLANK}) + [BLANK]
    missing_counts = {str(k): reason_counts.get(k, 0) for k in order}
    kept = tuple(str(c) for c in keep_missing)
    slot = {code: i for i, code in enumerate(codes)}
    choice_of = np.array([slot[text] for text in value_texts], dtype=np.int64)
    choice_counts = np.bincount(
        choice_of[value_codes[asked_b & answered]], minlength=len(codes)
    ).astype(np.int64)
    kept_counts = np.array([missing_counts.get(c, 0) for c in kept], dtype=int)
    n_answered = int(choice_counts.sum())
    denominator = n_answered + int(kept_counts.sum())

    table = _build_table(
        codes + list(kept),
        [str(label) for _, label in choices] + [labels.get(c, c) for c in kept],
        ["choice"] * len(codes) + ["missing"] * len(kept),
        np.concatenate([choice_counts, kept_counts]).astype(int),
        denominator,
        confidence,
        small_below,
    )
    notes = []
    if denominator == 0:
        notes.append("no respondent asked gave a countable answer: percents are NaN")
    if ignored:
        notes.append(f"{ignored} value(s) from respondents not asked were ignored")
    return FrequencyTable(
        table=table,
        n_asked=int(asked_b.sum()),
        n_answered=n_answered,
        denominator=denominator,
        missing=missing_counts,
        kept_missing=kept,
        n_ignored_not_asked=ignored,
        confidence=confidence,
        small_below=small_below,
        notes=tuple(notes),
    )


def _build_table(
    codes: Sequence[str],
    labels: Sequence[str],
    kinds: Sequence[str],
    counts: np.ndarray,
    denominator: int,
    confidence: float,
    small_below: int,
) -> pd.DataFrame:
    """The standard frequency frame (see :class:`FrequencyTable`) from counts and one base."""
    low, high = wilson_interval(counts, np.full(len(counts), denominator), confidence)
    percent = 100.0 * counts / denominator if denominator else np.full(len(counts), np.nan)
    return pd.DataFrame(
        {
            "label": list(labels),
            "kind": list(kinds),
            "count": counts.astype(np.int64),
            "percent": percent,
            "percent_ci_low": 100.0 * low,
            "percent_ci_high": 100.0 * high,
            "small": counts < small_below,
        },
        index=pd.Index(list(codes), name="code"),
    )


def as_asked(asked: pd.Series, index: pd.Index) -> pd.Series:
    """``asked`` as a plain bool Series on ``index``; ValueError if misaligned or not True/False."""
    if not asked.index.equals(index):
        raise ValueError("asked must have the same index as the answers (one row per respondent)")
    if asked.isna().any():
        raise ValueError("asked must be True or False for every respondent, found missing values")
    is_bool = pd.api.types.is_bool_dtype(asked.dtype) or (
        asked.dtype == object and asked.map(type).isin([bool, np.bool_]).all()
    )
    if not is_bool:
        raise ValueError(f"asked must be a bool Series, got dtype {asked.dtype}")
    return asked.astype(bool)


def as_codes(values: pd.Series, what: str) -> pd.Series:
    """Non-missing values as ``str`` codes in an object Series (NaN stays NaN)."""
    codes, texts = code_factors(values, what)
    by_code = np.array([*texts, np.nan], dtype=object)  # code -1 (missing) reads the last
    return pd.Series(by_code[codes], index=values.index, dtype=object)


def code_factors(values: pd.Series, what: str) -> tuple[np.ndarray, list[str]]:
    """``values`` as :func:`as_codes` reads them, factorised: a code per row (-1 where missing)
    and the distinct ``str`` texts the codes stand for, in order of first appearance.

    Each distinct value is read once: a decoded choice column is a Categorical of its ``str``
    codes and a missing-code column holds ``str`` or None, so neither is turned into text row by
    row; any other values are (``str`` of each), as they always were.
    Raises ValueError when a value reads as the empty string (use NaN for 'not answered')."""
    if isinstance(values.dtype, pd.CategoricalDtype):
        plain = values.cat.categories.inferred_type in ("string", "empty")
        codes, uniques = pd.factorize(values) if plain else pd.factorize(_as_text(values))
    else:
        codes, uniques = pd.factorize(values.to_numpy(dtype=object))
        if not all(type(value) is str for value in uniques):
            codes, uniques = pd.factorize(_as_text(values))
    texts = [str(value) for value in uniques]
    if "" in texts:
        raise ValueError(f"{what} hold empty strings; use NaN for 'not answered'")
    return np.asarray(codes, dtype=np.int64), texts


def _as_text(values: pd.Series) -> np.ndarray:
    """``str`` of each non-missing value, NaN for the missing ones, as an object array."""
    present = values.notna()
    out = pd.Series(np.nan, index=values.index, dtype=object)
    out[present] = values[present].astype(str).to_numpy(dtype=object)
    return out.to_numpy(dtype=object)


def counts_by_text(codes: np.ndarray, texts: Sequence[str]) -> dict[str, int]:
    """How often each text occurs among ``codes`` (from :func:`code_factors`), the texts never
    met left out, in order of ``texts``."""
    found: dict[str, int] = {}
    for text, count in zip(texts, np.bincount(codes, minlength=len(texts)), strict=True):
        if count:
            found[text] = found.get(text, 0) + int(count)
    return found


def missing_code_series(missing: pd.Series | None, index: pd.Index) -> pd.Series:
    """``missing`` as codes on ``index`` (all NaN when None); a ValueError when its index differs
    or it holds the code reserved for blank answers."""
    codes, texts = missing_code_factors(missing, index)
    by_code = np.array([*texts, np.nan], dtype=object)
    return pd.Series(by_code[codes], index=index, dtype=object)


def missing_code_factors(
    missing: pd.Series | None, index: pd.Index
) -> tuple[np.ndarray, list[str]]:
    """:func:`missing_code_series` factorised (see :func:`code_factors`)."""
    if missing is None:
        return np.full(len(index), -1, dtype=np.int64), []
    if not missing.index.equals(index):
        raise ValueError("missing must have the same index as the answers")
    codes, texts = code_factors(missing, "missing")
    if BLANK in texts:
        raise ValueError(f"'{BLANK}' is reserved for 'asked, no answer'; it is not a missing code")
    return codes, texts


def check_confidence(confidence: float) -> None:
    if not 0 < confidence < 1:
        raise ValueError(f"confidence must be between 0 and 1, got {confidence}")
