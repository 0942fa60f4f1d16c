"""The realism knobs of the response simulator, with the source documents' figures as defaults.

Every rate is a probability in [0, 1]. The defaults reproduce what the seed documents report
where they report something (the environmental scan's QI involvement shares) and otherwise
choose values a survey methodologist would call ordinary (3% item nonresponse, 10% of follow-up
assessments missed).
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date


@dataclass(frozen=True)
class SimulationOptions:
    """How simulated respondents behave.

    CME environmental scans (seed document 000, "QIE Success Strategies and Challenges"):

    * ``provider_qi_involvement``: shares of providers answering ``qi_involvement`` 1 (begun or
      completed QI), 2 (never) and 3 (not relevant); the 2017 scan's 58% / 28% / 14%.
    * ``supporter_qi_supported``: share of supporters that have supported QI (code 1); 77%.
      The source gives no split of the other 23%, so it is divided 2:1 between "never" and "not
      relevant", the providers' ratio.

    Any instrument:

    * ``choice_weights``: ``{field: {code: weight}}`` for single-choice fields of the simulated
      instrument; overrides the built-in proportions (weights need not sum to 1).
    * ``item_nonresponse``: share of optional questions a respondent who was shown them leaves
      blank (a blank checkbox is every option "0", as REDCap stores it).
    * ``missing_code_rate``: share of answers to ordinal (Likert) items given as one of the
      instrument's declared missing-data codes; never used when it declares none.
    * ``open_text_rate``: share of respondents who write something in an optional free-text box.
    * ``partial_form_rate``: share of forms left unfinished: status "0" (incomplete, the later
      questions blank) or, on data-entry forms, "1" (unverified, fully answered).
    * ``first_date``, ``last_date``: the window simulated dates fall in; ``last_date`` is also
      what ``'today'`` means in branching logic, so a run never depends on the clock.

    Repeated assessments (``practice_readiness``, any instrument with waves):

    * ``improving_share``, ``declining_share``: shares of units whose latent readiness rises or
      falls over time; the rest stay flat.
    * ``annual_gain``, ``annual_loss``: typical change over 12 months, in standard deviations
      of the latent trait across units (a practice differs from the next by about 1).
    * ``element_correlation``: correlation between one unit's latent levels on different scales
      (readiness elements), through one shared general factor.
    * ``item_noise``: standard deviation of the answer-to-answer noise around the latent level;
      smaller means more internally consistent scales (higher Cronbach's alpha).
    * ``skipped_wave_rate``: share of follow-up assessments that never happen (the event has no
      row; the baseline is never skipped).
    * ``enrolment_days``: baselines are spread over this many days from ``first_date``.
    * ``repeat_instances``, ``repeat_interval_months``: for a repeating-form instrument, the
      default number of instances and the time between them.

    Qualitative coding:

    * ``coders``: how many coders rate every excerpt (2 to 4).
    * ``coder_agreement``: probability that a coder records an excerpt's true code set rather
      than an idiosyncratic one; 1 gives perfect agreement, 0 agreement by chance only.
    """

    provider_qi_involvement: tuple[float, float, float] = (0.58, 0.28, 0.14)
    supporter_qi_supported: float = 0.77
    choice_weights: Mapping[str, Mapping[str, float]] = field(default_factory=dict)
    item_nonresponse: float = 0.03
    missing_code_rate: float = 0.02
    open_text_rate: float = 0.35
    partial_form_rate: float = 0.05
    first_date: date = date(2025, 1, 6)
    last_date: date = date(2026, 12, 31)
    improving_share: float = 0.40
    declining_share: float = 0.10
    annual_gain: float = 1.2
    annual_loss: float = 0.6
    element_correlation: float = 0.6
    item_noise: float = 0.7
    skipped_wave_rate: float = 0.10
    enrolment_days: int = 90
    repeat_instances: int = 4
    repeat_interval_months: float = 3.0
    coders: int = 3
    coder_agreement: float = 0.8

    def __post_init__(self) -> None:
        problems = self.problems()
        if problems:
            raise ValueError("invalid simulation options:\n  " + "\n  ".join(problems))

    def problems(self) -> list[str]:
        """Every option out of range, each with the rule it breaks (all at once)."""
        found: list[str] = []
        rates = {
            "supporter_qi_supported": self.supporter_qi_supported,
            "item_nonresponse": self.item_nonresponse,
            "missing_code_rate": self.missing_code_rate,
            "open_text_rate": self.open_text_rate,
            "partial_form_rate": self.partial_form_rate,
            "improving_share": self.improving_share,
            "declining_share": self.declining_share,
            "element_correlation": self.element_correlation,
            "skipped_wave_rate": self.skipped_wave_rate,
            "coder_agreement": self.coder_agreement,
        }
        for name, value in rates.items():
            if not (math.isfinite(value) and 0.0 <= value <= 1.0):
                found.append(f"{name} = {value!r}: must be a probability between 0 and 1")
        if self.improving_share + self.declining_share > 1.0 + 1e-9:
            found.append(
                f"improving_share + declining_share = "
                f"{self.improving_share + self.declining_share:g}: must be at most 1"
            )
        if self.item_nonresponse + self.missing_code_rate > 1.0 + 1e-9:
            found.append("item_nonresponse + missing_code_rate: must be at most 1")
        shares = self.provider_qi_involvement
        if len(shares) != 3 or any(not math.isfinite(s) or s < 0 for s in shares):
            found.append(
                f"provider_qi_involvement = {shares!r}: must be three non-negative shares "
                "(codes 1, 2, 3)"
            )
        elif abs(sum(shares) - 1.0) > 1e-6:
            found.append(f"provider_qi_involvement = {shares!r}: shares must sum to 1")
        for name, value in (
            ("annual_gain", self.annual_gain),
            ("annual_loss", self.annual_loss),
            ("item_noise", self.item_noise),
            ("repeat_interval_months", self.repeat_interval_months),
        ):
            if not (math.isfinite(value) and value >= 0):
                found.append(f"{name} = {value!r}: must be a non-negative number")
        if self.first_date > self.last_date:
            found.append(f"first_date {self.first_date} is after last_date {self.last_date}")
        if self.enrolment_days < 0:
            found.append(f"enrolment_days = {self.enrolment_days}: must be 0 or more")
        if self.repeat_instances < 1:
            found.append(f"repeat_instances = {self.repeat_instances}: must be at least 1")
        if not 2 <= self.coders <= 4:
            found.append(f"coders = {self.coders}: must be 2, 3 or 4")
        for name, weights in self.choice_weights.items():
            values = list(weights.values())
            if not values or any(not math.isfinite(w) or w < 0 for w in values) or not sum(values):
                found.append(
                    f"choice_weights[{name!r}]: weights must be non-negative with a positive sum"
                )
        return found
