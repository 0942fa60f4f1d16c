"""Checking REDCap's answers against what the pull asked for.

A 200 answer can still be wrong: cut short, empty, or holding rows that were not asked for. The
client cannot see that (it is valid JSON), so the pull checks every answer it builds on:

* the list of record ids is asked for until two answers in a row agree, and is held against the
  log: an incremental list must hold every record the log shows changed since its start (REDCap
  itself finds them in the log), and an empty full list must match a log with no live record;
* every batch must hold each record it asked for exactly once per event and instance, and no
  record it did not ask for; a record it left out is accepted only when the log shows it was
  deleted after the pull began.

A wrong answer is asked again (with the client's backoff); one that stays wrong raises
``AnswerMismatch``, a transport error, since the answer was unusable, not a refusal.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable
from datetime import datetime
from typing import Any

from plugin.pull.store import row_key
from plugin.redcap import RedcapClient, RedcapTransportError
from plugin.redcap.errors import redact

HINT = (
    "an overloaded REDCap or a proxy can cut answers short; pull again, and if this persists, "
    "with a smaller batch size"
)
Sleep = Callable[[float], None]


class AnswerMismatch(RedcapTransportError):
    """REDCap answered validly but not with what was asked, every time it was asked."""


def mismatch(client: RedcapClient, problem: str) -> AnswerMismatch:
    """The error for an answer that stayed wrong; record ids are REDCap's text, so redacted."""
    return AnswerMismatch(redact(problem, (client.config.token,)), hint=HINT)


def record_ids(client: RedcapClient, record_id: str, **filters: Any) -> list[str]:
    """Distinct record ids in REDCap's order (one row per event or instance comes back)."""
    rows = client.export_records(fields=[record_id], **filters)
    return list(dict.fromkeys(str(row[record_id]) for row in rows))


def record_log(client: RedcapClient, since: datetime | None) -> tuple[set[str], set[str]]:
    """Records the log shows changed, and deleted, since ``since`` (REDCap's local time; None
    for the whole log), each by its newest entry: a record deleted and made again is changed."""
    filters = {} if since is None else {"begin_time": since}
    seen: set[str] = set()
    changed: set[str] = set()
    deleted: set[str] = set()
    for entry in client.logging(log_type="record", **filters):  # newest first
        record = str(entry.get("record", "")).strip()
        if not record or record in seen:
            continue
        seen.add(record)
        action = str(entry.get("action", "")).lower()
        (deleted if "delete" in action else changed).add(record)
    return changed, deleted


def deleted_records(client: RedcapClient, since: datetime) -> set[str]:
    """Records the log says were deleted since ``since`` (REDCap's local time)."""
    entries = client.logging(log_type="record_delete", begin_time=since)
    return {
        str(entry.get("record", "")).strip()
        for entry in entries
        if "delete" in str(entry.get("action", "")).lower() and str(entry.get("record", "")).strip()
    }


def listed_records(
    client: RedcapClient, record_id: str, since: datetime | None, sleep: Sleep = time.sleep
) -> tuple[list[str], set[str]]:
    """The record ids to export (all of them, or those changed since ``since``) and the records
    the log shows deleted since ``since``, once two lists in a row agree and the log agrees."""
    policy = client.retry
    previous: set[str] | None = None
    problem = ""
    for attempt in range(policy.attempts + 1):  # agreement needs two answers at the least
        filters = {} if since is None else {"date_begin": since}
        changed, deleted = record_log(client, since) if since is not None else (set(), set())
        ids = record_ids(client, record_id, **filters)
        problem = _listing_problem(client, ids, changed, since)
        if problem:
            previous = None  # an answer the log contradicts is no one's second
        elif previous == set(ids):
            return ids, deleted - set(ids)
        elif previous is not None:
            problem = (
                f"REDCap's list of record ids was not the same twice in a row ({len(previous)}, "
                f"then {len(ids)} records)"
            )
            previous = set(ids)
        else:
            previous = set(ids)
        if problem:
            sleep(policy.delay(attempt))
    problem = problem or "REDCap's list of record ids did not come back the same twice in a row"
    raise mismatch(client, f"{problem}; asked {policy.attempts + 1} times")


def _listing_problem(
    client: RedcapClient,
    ids: list[str],
    changed: set[str],
    since: datetime | None,
) -> str:
    """What the log says is wrong with a list of record ids ("" if nothing)."""
    if since is not None:
        unlisted = changed - set(ids)
        if unlisted:
            return (
                f"REDCap's list of records changed since {since:%Y-%m-%d %H:%M} leaves out "
                f"records the log shows changed: {shown(unlisted)}"
            )
        return ""
    if ids:
        return ""
    alive, _ = record_log(client, None)  # an empty project: rare, and then the log is short
    if alive:
        return (
            f"REDCap listed no records, but the log shows {len(alive)} made and not deleted: "
            f"{shown(alive)}"
        )
    return ""


def exported_batch(
    client: RedcapClient,
    batch: list[str],
    record_id: str,
    since: datetime,
    options: dict[str, Any],
    sleep: Sleep = time.sleep,
) -> tuple[list[dict[str, Any]], set[str]]:
    """The rows of the records in ``batch`` (exported with ``options``), checked, and those of
    its records the log shows deleted since ``since`` (the pull's start), accepted as left out."""
    policy = client.retry
    problem = ""
    for attempt in range(policy.attempts):
        rows = client.export_records(records=batch, **options)
        problem, gone = batch_problem(
            rows, batch, record_id, lambda: deleted_records(client, since)
        )
        if not problem:
            return rows, gone
        if attempt + 1 < policy.attempts:
            sleep(policy.delay(attempt))
    raise mismatch(client, f"{problem}; asked {policy.attempts} times")


def batch_problem(
    rows: list[dict[str, Any]],
    batch: list[str],
    record_id: str,
    deletions: Callable[[], set[str]],
) -> tuple[str, set[str]]:
    """What is wrong with a batch's answer ("" if nothing) and which records it rightly left out
    (``deletions`` is asked only when some are)."""
    asked = set(batch)
    where = f"REDCap's answer to a batch of {len(batch)} records"
    keys: set[tuple[str, str, str, str]] = set()
    returned: set[str] = set()
    for row in rows:
        key = row_key(row, record_id)
        if key in keys:
            return f"{where} held record {key[0]} twice for the same event and instance", set()
        keys.add(key)
        returned.add(key[0])
    extra = returned - asked
    if extra:
        return f"{where} held record(s) not asked for: {shown(extra)}", set()
    missing = asked - returned
    if not missing:
        return "", set()
    gone = missing & deletions()
    unconfirmed = missing - gone
    if unconfirmed:
        return (
            f"{where} left out {len(unconfirmed)} record(s) that the log does not show deleted: "
            f"{shown(unconfirmed)}",
            set(),
        )
    return "", gone


def shown(records: Iterable[str], most: int = 10) -> str:
    """``records`` sorted and listed for a message, at most ``most`` of them and a count of the
    rest."""
    ordered = sorted(records)
    listed = ", ".join(ordered[:most])
    return f"{listed} and {len(ordered) - most} more" if len(ordered) > most else listed
