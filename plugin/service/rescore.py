"""The ``rescore`` job: one record pulled, scored, and its scores written back.

The Data Entry Trigger (``api/trigger.py``) queues it when a form or survey page of the record is
saved. The job exports the record (every event and repeat instance; the form status blank for a
form never saved, as pull exports it), decodes it with the connection's instrument, scores every
scale and composite (``scoring.scale_stats.scale_scores``), and writes into the declared score
fields the values that differ from what REDCap holds, through ``plugin.writeback`` (score fields
only, REDCap's count checked). A score that can no longer be computed clears the field. REDCap
does not fire the trigger for API imports (redcap-api.md section 6), so writing back never
queues another rescore.
"""

from __future__ import annotations

from typing import Any

from flask import Flask

from instruments.model import Instrument
from instruments.waves import wave_forms
from plugin.pull.pull import SCORING_EXPORT
from plugin.redcap import RedcapClient
from plugin.redcap.errors import redact
from plugin.service.connections import client_for
from plugin.service.db import worker_session
from plugin.service.definitions import UnknownInstrument, resolve
from plugin.service.jobs import Progress, handler
from plugin.service.models import Connection, Job
from plugin.writeback import format_score, write_back
from scoring.decode import Responses, decode
from scoring.scale_stats import scale_scores
from scoring.scales import ScaleScores
from scoring.wave_rows import EVENT, REPEAT_INSTANCE, REPEAT_INSTRUMENT

KIND = "rescore"
TRIGGER_FIELDS = (
    "project_id",
    "instrument",
    "redcap_event_name",
    "redcap_repeat_instrument",
    "redcap_repeat_instance",
)


class RescoreFailed(RuntimeError):
    """Why a rescore failed, in words that hold no token."""


def dedupe_key(connection_id: int, record: str) -> str:
    """One waiting rescore per record of a connection, however often REDCap fires."""
    return f"{KIND}:{connection_id}:{record}"


def stored_text(value: object) -> str:
    """A score field's exported text as ``format_score`` writes it ("75.0" reads as "75")."""
    text = str(value).strip()
    try:
        return format_score(float(text)) if text else ""
    except ValueError:
        return text  # not a number: rewritten with the computed score


def changed_scores(
    responses: Responses, scored: ScaleScores
) -> tuple[list[dict[str, Any]], list[str]]:
    """Write-back rows (REDCap's keys and the score fields whose value changes), and the score
    fields that have no row of their own to go to.

    Each unit-and-wave row's scores go to the export row it came from: its event, and in
    repeating mode its instance, when the score field is on the repeating form. A score field
    on another form of a repeating instrument would take one value per instance in one place;
    it is left alone and named instead. In events mode a score goes only to events that hold
    the score field's form.
    """
    instrument = responses.instrument
    waves = instrument.waves
    mode = waves.mode if waves is not None else None
    forms = {name: fld.form for name, fld in instrument.field_map().items()}
    targets = [(info.name, info.score_field) for info in scored.scales if info.score_field]
    unplaced: list[str] = []
    if waves is not None and mode == "repeating":
        unplaced = [field for _, field in targets if forms[field] != waves.form]
        targets = [(scale, field) for scale, field in targets if field not in unplaced]
    event_forms = {name: set(forms) for name, forms in wave_forms(instrument).items()}
    scores = {scale: scored.frame[scale].to_numpy(dtype=float) for scale, _ in targets}
    rows: list[dict[str, Any]] = []
    for position, raw in enumerate(responses.raw.to_dict("records")):
        key: dict[str, Any] = {instrument.record_id: str(raw[instrument.record_id])}
        if EVENT in raw:
            key[EVENT] = str(raw[EVENT])
        if mode == "repeating":
            key[REPEAT_INSTRUMENT] = str(raw[REPEAT_INSTRUMENT])
            key[REPEAT_INSTANCE] = str(raw[REPEAT_INSTANCE])
        held = event_forms.get(key.get(EVENT, "")) if mode == "events" else None
        changed: dict[str, Any] = {}
        for scale, field in targets:
            if held is not None and forms[field] not in held:
                continue
            value = float(scores[scale][position])
            if format_score(value) != stored_text(raw[field]):
                changed[field] = value
        if changed:
            rows.append({**key, **changed})
    return rows, unplaced


def not_scored(responses: Responses, scored: ScaleScores) -> list[dict[str, str]]:
    """Each score that cannot be computed, with its wave and the reason."""
    record_id = responses.instrument.record_id
    found = []
    for info in scored.scales:
        reasons = scored.frame[f"{info.name}__reason"]
        for index in reasons.index[reasons.notna()]:
            found.append(
                {
                    "record": str(responses.frame.at[index, record_id]),
                    "wave": str(responses.frame.at[index, "wave"]),
                    "scale": info.name,
                    "reason": str(reasons.at[index]),
                }
            )
    return found


def rescore_records(
    client: RedcapClient, instrument: Instrument, records: list[str]
) -> dict[str, Any]:
    """Export, score and write back ``records``; what was written, as JSON-ready data."""
    rows = client.export_records(records=records, **SCORING_EXPORT)
    if not rows:
        return {"records": records, "found": False, "waves_scored": 0, "written": []}
    responses = decode(rows, instrument)
    scored = scale_scores(responses)
    changes, unplaced = changed_scores(responses, scored)
    result = write_back(client, instrument, changes)
    written = [
        {
            key: format_score(value) if isinstance(value, float) else value
            for key, value in row.items()
        }
        for row in changes
    ]
    return {
        "records": records,
        "found": True,
        "rows_exported": len(rows),
        "waves_scored": len(responses.frame),
        "written": written,
        "unchanged": len(responses.frame) - len(changes),
        "records_confirmed": result.records,
        "batches": result.batches,
        "not_scored": not_scored(responses, scored),
        "not_placed": unplaced,
    }


@handler(KIND)
def run_rescore(app: Flask, job: Job, progress: Progress) -> dict[str, Any]:
    """Rescore the triggered record and write its changed scores back to REDCap; its result says
    what was written. RescoreFailed, never holding the token, when the project is gone, its
    instrument does not load, or the rescore fails."""
    record = str(job.params["record"])
    with worker_session(app) as db:
        connection = db.get(Connection, job.connection_id) if job.connection_id else None
    if connection is None:
        raise RescoreFailed("the project this trigger came from is no longer registered")
    try:
        with worker_session(app) as db:
            instrument = resolve(db, connection.instrument)
    except (UnknownInstrument, ValueError) as exc:
        raise RescoreFailed(f"instrument '{connection.instrument}' does not load: {exc}") from None
    client = client_for(connection, app.config["SECRET_KEY"])
    progress(0, 1)
    try:
        outcome = rescore_records(client, instrument, [record])
    except Exception as exc:  # the reason is kept, but never the token
        raise RescoreFailed(redact(str(exc), (client.config.token,))) from None
    progress(1, 1)
    trigger = {name: job.params[name] for name in TRIGGER_FIELDS if job.params.get(name)}
    return {"record": record, "trigger": trigger, **outcome}
