"""Agreement between coders as tidy rows, for an instrument that declares a ``coding`` block.

Each compared code (a checkbox code option by option) gets percent agreement, Cohen's kappa
(two coders) or Fleiss' kappa (three or more) with its Landis & Koch reading, and Krippendorff's
alpha (nominal) with Krippendorff's reading; then an ``overall`` row pools the codes (see
:func:`scoring.agreement.agreement_by_code`). Only records whose form was saved are compared.
"""

from __future__ import annotations

import pandas as pd

from instruments.naming import complete_field
from scoring.agreement import agreement_by_code
from scoring.decode import Responses
from scoring.ratings import AgreementStatistic
from scoring.tidy import TidyRow


def coding_frame(responses: Responses) -> pd.DataFrame:
    """The saved coding records with plain values: codes as text, checkbox options as 0/1."""
    instrument = responses.instrument
    coding = instrument.coding
    if coding is None:
        raise ValueError(f"{instrument.id} declares no coding block: nothing to compare")
    frame = responses.frame
    form = instrument.field_map()[coding.unit_field].form
    saved = frame[complete_field(form)].notna()
    columns = [coding.unit_field, coding.coder_field] + [
        str(c)
        for c in frame.columns
        if any(str(c) == code or str(c).startswith(f"{code}___") for code in coding.codes)
    ]
    plain = {}
    for column in columns:
        values = frame.loc[saved, column]
        if pd.api.types.is_bool_dtype(values.dtype):
            plain[column] = values.astype("Int64").astype("object")
        else:
            plain[column] = values.astype("object").where(values.notna(), None)
    return pd.DataFrame(plain)


def coding_rows(responses: Responses) -> list[TidyRow]:
    """Agreement rows per code and overall; none for an instrument without a coding block."""
    instrument = responses.instrument
    coding = instrument.coding
    if coding is None:
        return []
    results = agreement_by_code(
        coding_frame(responses), coding.unit_field, coding.coder_field, coding.codes
    )
    labels = {item.name: item.label for item in instrument.fields}
    rows: list[TidyRow] = []
    for result in results:
        base = result.code.split("___")[0]
        label = labels.get(base, "all compared codes" if result.code == "overall" else "")
        for statistic in (result.percent, result.kappa, result.alpha):
            rows.append(_row(instrument.id, instrument.version, result.code, label, statistic))
    return rows


def _row(
    instrument: str, version: str, code: str, label: str, statistic: AgreementStatistic
) -> TidyRow:
    parts = [part for part in (statistic.reading, statistic.method, statistic.note) if part]
    # Percent agreement is a share of coder pairs; the table shows it as a percent like others.
    scale = 100.0 if statistic.statistic == "percent_agreement" else 1.0
    return TidyRow(
        instrument,
        version,
        code,
        label,
        statistic.statistic,
        statistic.value * scale,
        n=statistic.n,
        ci_low=statistic.ci_low * scale,
        ci_high=statistic.ci_high * scale,
        note="; ".join(parts),
    )
