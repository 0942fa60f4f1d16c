"""Importing simulated rows so that they never touch a real answer.

Simulated records carry ids that begin with :data:`scoring.respondents.SIMULATED_PREFIX`
(``SIM-1``, ``SIM-2``, ...), so no simulated row can land on a real record, and every report
can say how many respondents are simulated. Before importing, :func:`safe_rows` reads the
project: a project that holds any real answer (a respondent by :mod:`scoring.respondents`, on a
record that is not simulated) is refused, naming the records, unless ``fill_missing`` is set;
then only the simulated records that hold no response yet are written, and every record that
holds one, real or simulated, is left as it is.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from instruments.model import Instrument
from plugin.pull.pull import SCORING_EXPORT
from plugin.redcap import RedcapClient
from scoring.decode import decode
from scoring.respondents import SIMULATED_PREFIX, respondents

SHOWN = 10  # records named in a refusal


class RealAnswersFound(Exception):
    """The project holds real answers; the message names the records."""


@dataclass(frozen=True)
class SafeRows:
    """The rows to import, and what was left out."""

    rows: list[dict[str, str]]
    skipped: tuple[str, ...]  # simulated records that already hold a response
    real: tuple[str, ...]  # records holding real answers (never written)


def mark_simulated(rows: Sequence[dict[str, str]], record_id: str) -> list[dict[str, str]]:
    """The rows with each record id prefixed with ``SIM-`` (once)."""
    marked = []
    for row in rows:
        record = str(row[record_id])
        if not record.startswith(SIMULATED_PREFIX):
            record = SIMULATED_PREFIX + record
        marked.append({**row, record_id: record})
    return marked


def answered_records(client: RedcapClient, instrument: Instrument) -> tuple[set[str], set[str]]:
    """(records holding real answers, simulated records holding a response) in the project."""
    rows = client.export_records(**SCORING_EXPORT)
    if not rows:
        return set(), set()
    responses = decode(rows, instrument)
    who = respondents(responses)
    ids = responses.frame[instrument.record_id].astype(str)
    answered = set(ids[who.respondent.to_numpy(dtype=bool)])
    simulated = {r for r in answered if r.startswith(SIMULATED_PREFIX)}
    return answered - simulated, simulated


def safe_rows(
    client: RedcapClient,
    instrument: Instrument,
    rows: Sequence[dict[str, str]],
    *,
    fill_missing: bool = False,
) -> SafeRows:
    """The simulated ``rows`` (marked) that may be imported into the project behind ``client``.

    Raises :class:`RealAnswersFound` when the project holds real answers and ``fill_missing`` is
    not set."""
    marked = mark_simulated(rows, instrument.record_id)
    real, simulated = answered_records(client, instrument)
    if real and not fill_missing:
        named = ", ".join(sorted(real, key=_natural)[:SHOWN])
        more = f" and {len(real) - SHOWN} more" if len(real) > SHOWN else ""
        raise RealAnswersFound(
            f"the project holds real answers in {len(real)} record(s): {named}{more}. "
            "Simulated data are not mixed into it: use a project of its own, or pass "
            "--fill-missing to add simulated records (ids beginning SIM-) only where none "
            "holds a response yet; real records are never written either way"
        )
    if not fill_missing:
        return SafeRows(marked, (), ())  # a project without real answers: earlier runs replaced
    kept = [row for row in marked if str(row[instrument.record_id]) not in simulated]
    skipped = sorted({str(row[instrument.record_id]) for row in marked} & simulated)
    return SafeRows(kept, tuple(skipped), tuple(sorted(real, key=_natural)))


def _natural(record: str) -> tuple[int, str]:
    return (int(record), "") if record.isdigit() else (1 << 62, record)
