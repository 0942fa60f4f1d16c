"""Pulls as background jobs, the jobs themselves, and the snapshots a project's pulls made.

``POST /projects/<id>/pulls`` queues a pull (incremental unless ``full``) and answers 202 with
the job; ``GET /jobs/<id>`` follows its progress to a result (the snapshot's id, hash, record
count and mode) or an error. A queued or running job can be cancelled (a running one stops at
its next progress call, a report's rendering at once), a failed or cancelled one retried. A
facilitator sees, and may cancel, only the report jobs of their own practices.
"""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from flask import current_app
from flask.views import MethodView
from flask_smorest import Blueprint
from marshmallow import Schema, fields, validate

from plugin.pull import Snapshot
from plugin.service.auth import GRANTS, caller, require
from plugin.service.connections import get_connection
from plugin.service.db import session
from plugin.service.errors import ApiProblem
from plugin.service.jobs import cancel, enqueue, retry
from plugin.service.models import JOB_STATES, Job
from plugin.service.tasks import store_of

blp = Blueprint("pulls", __name__, description="Pulls from REDCap as jobs; jobs; snapshots")
MAX_BATCH = 5000


class JsonBoolean(fields.Boolean):
    """``true`` or ``false`` only: a lax Boolean reads "yes", "on", 1 and "false" too, and a
    request that sent one of those meant something the service cannot be sure of."""

    def _deserialize(self, value: Any, attr: str | None, data: Any, **kwargs: Any) -> bool:
        if not isinstance(value, bool):
            raise self.make_error("invalid")
        return value


class PullIn(Schema):
    """The body of a pull: full or incremental, and how many records each export request
    asks for."""

    full = JsonBoolean(
        load_default=False,
        metadata={"description": "pull every record again instead of the changes since the last"},
    )
    batch_size = fields.Integer(
        strict=True,  # 1.5 or "50" is refused, not truncated or parsed
        load_default=500,
        validate=validate.Range(min=1, max=MAX_BATCH),
        metadata={"description": "records per export request"},
    )


class JobOut(Schema):
    """A job: its kind, state, progress (done of total), parameters, and its result or error."""

    id = fields.Integer()
    kind = fields.String()
    state = fields.String(metadata={"description": ", ".join(JOB_STATES)})
    done = fields.Integer()
    total = fields.Integer()
    attempts = fields.Integer()
    connection_id = fields.Integer(allow_none=True)
    params = fields.Dict()
    result = fields.Dict()
    error = fields.String()
    cancel_requested = fields.Function(
        lambda job: job.cancel_requested_at is not None,
        metadata={"description": "a cancel was asked for; a running job is being stopped"},
    )
    created_at = fields.DateTime()
    started_at = fields.DateTime(allow_none=True)
    finished_at = fields.DateTime(allow_none=True)


class JobQuery(Schema):
    """Filters of the job list: state and kind, and how many jobs at most."""

    state = fields.String(validate=validate.OneOf(JOB_STATES))
    kind = fields.String(validate=validate.OneOf(("pull", "report", "rescore")))
    limit = fields.Integer(load_default=50, validate=validate.Range(min=1, max=500))


class SnapshotOut(Schema):
    """A snapshot a pull made: when, in which mode, how many records and rows, its hash and
    instrument versions."""

    id = fields.Integer()
    created_at = fields.String(metadata={"description": "when the pull wrote it (UTC)"})
    server_time = fields.String(metadata={"description": "REDCap's clock when the pull began"})
    mode = fields.String()
    records = fields.Integer(attribute="record_count")
    rows = fields.Integer(attribute="row_count")
    content_hash = fields.String()
    instruments = fields.Dict(keys=fields.String(), values=fields.String())


def may_see_job(job: Job) -> bool:
    """Whether the caller sees the job: an analyst or admin every job, a facilitator only the report
    jobs of their practices."""
    key = caller()
    if key.role != "facilitator":
        return True
    return job.kind == "report" and job.params.get("practice") in (key.practices or [])


def may_cancel(job: Job) -> bool:
    """Whoever may queue a job of its kind may cancel it: a report a facilitator (of their
    practices: see may_see_job), a pull or a trigger's rescore an analyst."""
    needed = "facilitator" if job.kind == "report" else "analyst"
    return needed in GRANTS.get(caller().role, set())


def canceller() -> str:
    """Who cancels, as the job's error names them: the key's role and label."""
    key = caller()
    return f"{key.role} key '{key.label}'"[:200]


def job_or_404(job_id: int) -> Job:
    """The job, or 404 when there is none or the caller may not see it."""
    job = session().get(Job, job_id)
    if job is None or not may_see_job(job):
        raise ApiProblem(404, f"there is no job {job_id}; GET /jobs lists them")
    return job


def queue_pull(connection_id: int, *, full: bool, batch_size: int = 500) -> Job:
    """Queue a pull of the project (404 for no such project); an equal pull still queued is
    the answer instead of a second one."""
    connection = get_connection(connection_id)
    mode = "full" if full else "incremental"
    db = session()
    job = enqueue(
        db,
        "pull",
        {"full": full, "batch_size": batch_size},
        connection_id=connection.id,
        dedupe_key=f"pull:{connection.id}:{mode}",
    )
    db.commit()
    return job


def project_snapshots(connection_id: int, limit: int | None = None) -> list[Snapshot]:
    """The snapshots the project's finished pulls made, newest first."""
    ids = session().scalars(
        sa.select(Job.snapshot_id)
        .where(Job.kind == "pull", Job.connection_id == connection_id, Job.snapshot_id.is_not(None))
        .distinct()
        .order_by(Job.snapshot_id.desc())
    )
    store = store_of(current_app)
    found: list[Snapshot] = []
    for snapshot_id in ids:
        if snapshot_id is None or (limit is not None and len(found) == limit):
            break
        try:
            found.append(store.get(snapshot_id))
        except KeyError:
            continue  # the snapshot store was replaced since
    return found


def snapshot_connection(snapshot_id: int) -> int | None:
    """The project whose pull made the snapshot (None when no stored pull did)."""
    return session().scalar(
        sa.select(Job.connection_id).where(Job.kind == "pull", Job.snapshot_id == snapshot_id)
    )


@blp.route("/projects/<int:connection_id>/pulls")
class Pulls(MethodView):
    @require("analyst")
    @blp.arguments(PullIn)
    @blp.response(202, JobOut)
    def post(self, body: dict[str, Any], connection_id: int) -> Job:
        """Queue a pull of the project; an equal pull still queued is answered instead."""
        return queue_pull(connection_id, full=body["full"], batch_size=body["batch_size"])


@blp.route("/jobs")
class Jobs(MethodView):
    @require("facilitator")
    @blp.arguments(JobQuery, location="query")
    @blp.response(200, JobOut(many=True))
    def get(self, query: dict[str, Any]) -> list[Job]:
        """The most recent jobs, newest first (``state``, ``kind``: only those)."""
        select = sa.select(Job).order_by(Job.id.desc())
        if "state" in query:
            select = select.where(Job.state == query["state"])
        if "kind" in query:
            select = select.where(Job.kind == query["kind"])
        if caller().role != "facilitator":
            return list(session().scalars(select.limit(query["limit"])))
        # A facilitator's jobs are found by their practice, which lives in the JSON params.
        found: list[Job] = []
        rows = session().scalars(
            select.where(Job.kind == "report").execution_options(yield_per=200)
        )
        for job in rows:
            if may_see_job(job):
                found.append(job)
                if len(found) == query["limit"]:
                    break
        rows.close()
        return found


@blp.route("/jobs/<int:job_id>")
class JobById(MethodView):
    @require("facilitator")
    @blp.response(200, JobOut)
    def get(self, job_id: int) -> Job:
        """One job: its state, progress (done of total), and its result or error."""
        return job_or_404(job_id)


@blp.route("/jobs/<int:job_id>/retry")
class JobRetry(MethodView):
    @require("analyst")
    @blp.response(202, JobOut)
    def post(self, job_id: int) -> Job:
        """Queue a failed or cancelled job again (409 for any other)."""
        job = job_or_404(job_id)
        try:
            retry(session(), job)
        except ValueError as exc:
            raise ApiProblem(409, str(exc)) from None
        session().commit()
        return job


@blp.route("/jobs/<int:job_id>/cancel")
class JobCancel(MethodView):
    @require("facilitator")
    @blp.response(200, JobOut, description="the job, cancelled (now, or before)")
    @blp.alt_response(202, schema=JobOut, description="the job, running: its worker is stopping it")
    def post(self, job_id: int) -> tuple[Job, int]:
        """Cancel a queued or running job (409 for a finished one); asking again is harmless.

        A queued job is cancelled at once (200). A running one is asked to stop (202, with
        ``cancel_requested``) and is "cancelled" within seconds: a pull at its next batch (no
        snapshot of it is ever listed), a report's rendering killed."""
        job = job_or_404(job_id)
        if not may_cancel(job):
            raise ApiProblem(403, f"cancelling a {job.kind} job needs the analyst role")
        try:
            cancel(session(), job, canceller())
        except ValueError as exc:
            raise ApiProblem(409, str(exc)) from None
        session().commit()
        return job, 202 if job.state == "running" else 200


@blp.route("/projects/<int:connection_id>/snapshots")
class Snapshots(MethodView):
    @require("analyst")
    @blp.response(200, SnapshotOut(many=True))
    def get(self, connection_id: int) -> list[Any]:
        """The snapshots this project's pulls made, newest first."""
        get_connection(connection_id)
        return project_snapshots(connection_id)
