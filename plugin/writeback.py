"""Write computed scores back into the score fields an instrument declares.

Only declared score fields (and the row keys) may be written, so a scoring bug can never
overwrite a respondent's answers. Rows go in batches with ``overwriteBehavior=overwrite``, so a
score that can no longer be computed (NaN) clears the old value instead of leaving it behind;
overwrite touches only the columns sent. After each batch, REDCap's count of records written
must equal the number of distinct records sent.
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from instruments.model import Instrument
from plugin.redcap import RedcapClient

KEY_COLUMNS = ("redcap_event_name", "redcap_repeat_instrument", "redcap_repeat_instance")


class WriteBackError(ValueError):
    """Rows that may not be written, or a count REDCap did not confirm."""


@dataclass(frozen=True)
class WriteBackResult:
    rows: int
    records: int
    batches: int


def score_fields(instrument: Instrument) -> list[str]:
    return [s.score_field for s in instrument.all_scales() if s.score_field]


def format_score(value: Any) -> str:
    """A score as REDCap stores it: plain decimal text, blank for a score that is NaN."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return ""
    number = float(value)
    return str(int(number)) if number.is_integer() else f"{number:.10g}"


def write_back(
    client: RedcapClient,
    instrument: Instrument,
    rows: Iterable[dict[str, Any]],
    *,
    batch_size: int = 500,
) -> WriteBackResult:
    allowed = {instrument.record_id, *KEY_COLUMNS, *score_fields(instrument)}
    prepared = []
    for number, row in enumerate(rows, start=1):
        unknown = sorted(set(row) - allowed)
        if unknown:
            raise WriteBackError(
                f"row {number}: {', '.join(unknown)} are not score fields of "
                f"{instrument.id}; only {', '.join(score_fields(instrument))} may be written"
            )
        if not str(row.get(instrument.record_id, "")).strip():
            raise WriteBackError(f"row {number}: the record id '{instrument.record_id}' is blank")
        prepared.append(
            {
                key: (format_score(value) if key in score_fields(instrument) else str(value))
                for key, value in row.items()
            }
        )
    batches = 0
    records_written = 0
    for start in range(0, len(prepared), batch_size):
        batch = prepared[start : start + batch_size]
        expected = len({row[instrument.record_id] for row in batch})
        answer = client.import_records(batch, overwrite="overwrite", return_content="count")
        count = int(answer.get("count", -1)) if isinstance(answer, dict) else -1
        if count != expected:
            raise WriteBackError(
                f"REDCap confirmed {count} records for a batch of {expected}; "
                f"batch {batches + 1} (rows {start + 1}-{start + len(batch)}) needs checking"
            )
        batches += 1
        records_written += count
    return WriteBackResult(len(prepared), records_written, batches)
