"""AAPOR response rates RR1 and RR2 from final dispositions.

Disposition codes (AAPOR *Standard Definitions*, 2023 edition, Table 1 and the outcome-rate
formulas): I complete interview, P partial interview, R refusal and break-off, NC non-contact,
O other eligible non-interview, UH unknown whether household/occupied (for a named-person
survey of organisations: unknown whether the invitation reached anyone), UO unknown, other,
NE not eligible (in no denominator).

What counts as "partial" is the researcher's definition and must be stated (AAPOR suggests,
e.g., 50-80 % of applicable questions answered, below that a break-off, R); this module takes it
as a parameter of :func:`dispositions_from_status` rather than guessing.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Literal, get_args

import numpy as np
import pandas as pd

Disposition = Literal["I", "P", "R", "NC", "O", "UH", "UO", "NE"]
DISPOSITIONS: tuple[Disposition, ...] = get_args(Disposition)
InvitationState = Literal["complete", "partial", "not started"]
PartialAs = Literal["P", "R"]
NotStartedAs = Literal["NC", "R", "O", "UH", "UO"]


@dataclass(frozen=True)
class ResponseRates:
    """RR1 and RR2 with their counts; NaN with a note when the denominator is 0."""

    rr1: float
    rr2: float
    denominator: int
    counts: Mapping[str, int] = field(default_factory=dict)
    note: str = ""


def response_rates(dispositions: pd.Series | Mapping[str, int]) -> ResponseRates:
    """AAPOR response rates 1 and 2.

    Formulas: RR1 = I / ((I + P) + (R + NC + O) + (UH + UO));
    RR2 = (I + P) / (same denominator). NE cases are in no denominator (counted only).
    Input: either one disposition per invitation (a Series of codes) or counts per code.
    Missing-data rule: every invitation must have a disposition; a missing or unknown code is a
    ValueError (an undisposed case would silently change the rate).
    Reference: The American Association for Public Opinion Research (2023) *Standard
    Definitions: Final Dispositions of Case Codes and Outcome Rates for Surveys*, 10th edition,
    "Response rates"; measurement notes section 3.5.
    """
    counts = _counts(dispositions)
    denominator = sum(counts[c] for c in ("I", "P", "R", "NC", "O", "UH", "UO"))
    if denominator == 0:
        nan = float("nan")
        return ResponseRates(nan, nan, 0, counts, note="no eligible or unknown-eligibility case")
    return ResponseRates(
        rr1=counts["I"] / denominator,
        rr2=(counts["I"] + counts["P"]) / denominator,
        denominator=denominator,
        counts=counts,
    )


def dispositions_from_status(
    status: pd.Series,
    *,
    partial: PartialAs = "P",
    not_started: NotStartedAs = "NC",
    answered_share: pd.Series | None = None,
    partial_min: float = 0.5,
) -> pd.Series:
    """Map invitation states (``qiscan invite --status``) to AAPOR dispositions.

    Rule: "complete" -> I; "partial" -> ``partial`` (default P, a partial interview; pass "R" to
    count every unfinished survey as a break-off); "not started" -> ``not_started`` (default NC:
    the member was invited and never opened the survey; pass "UH"/"UO" when it is unknown
    whether the invitation reached them, "R" for an explicit refusal). When ``answered_share``
    (share of applicable items answered, 0..1, per invitation) is given, a "partial" below
    ``partial_min`` (default 0.5, AAPOR's example threshold) becomes R, a break-off.
    Missing-data rule: a missing or unknown state is a ValueError.
    Reference: AAPOR (2023) *Standard Definitions*, section on partial interviews and break-offs.
    """
    if partial not in ("P", "R"):
        raise ValueError(f"partial must be 'P' or 'R', got {partial!r}")
    if not_started not in ("NC", "R", "O", "UH", "UO"):
        raise ValueError(f"not_started must be one of NC, R, O, UH, UO, got {not_started!r}")
    if not 0 <= partial_min <= 1:
        raise ValueError(f"partial_min must be between 0 and 1, got {partial_min}")
    mapping = {"complete": "I", "partial": partial, "not started": not_started}
    bad = sorted({str(s) for s in status[~status.isin(list(mapping))]})
    if bad:
        raise ValueError(f"unknown invitation states {bad}; expected {list(mapping)}")
    out = status.map(mapping).astype(object)
    if answered_share is not None:
        if not answered_share.index.equals(status.index):
            raise ValueError("answered_share must have the same index as status")
        share = pd.to_numeric(answered_share, errors="raise").astype(float)
        low = (status == "partial") & (share < partial_min).fillna(False).astype(bool)
        out[low] = "R"
    return out


def _counts(dispositions: pd.Series | Mapping[str, int]) -> dict[str, int]:
    if isinstance(dispositions, pd.Series):
        if dispositions.isna().any():
            raise ValueError("every invitation needs a disposition; found missing values")
        raw = {str(k): int(v) for k, v in dispositions.astype(str).value_counts().items()}
    else:
        raw = {str(k): v for k, v in dispositions.items()}
    unknown = sorted(set(raw) - set(DISPOSITIONS))
    if unknown:
        raise ValueError(f"unknown disposition codes {unknown}; expected {list(DISPOSITIONS)}")
    values = np.array(list(raw.values()))
    if values.size and ((values < 0).any() or not np.issubdtype(values.dtype, np.integer)):
        raise ValueError("disposition counts must be non-negative whole numbers")
    return {code: int(raw.get(code, 0)) for code in DISPOSITIONS}
