"""Reports of a snapshot, made by a background job and downloaded when ready.

``POST /snapshots/<id>/reports`` queues the report (202, the job); the job's result names the
report file, which ``GET /reports`` lists and ``GET /reports/<id>/download`` serves. Only the
kinds the snapshot's instrument makes, in the formats each kind is made in, are queued (422
names them). A facilitator may make and download only practice feedback of their own practices.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import sqlalchemy as sa
from flask import Response, current_app, send_file
from flask.views import MethodView
from flask_smorest import Blueprint
from marshmallow import Schema, ValidationError, fields, validate, validates_schema

from instruments.reference_values import shipped_names
from plugin.service.api.pulls import JobOut, snapshot_connection
from plugin.service.api.results import snapshot_or_problem, visible_unit
from plugin.service.auth import caller, require
from plugin.service.config import reports_dir
from plugin.service.db import session
from plugin.service.errors import ApiProblem
from plugin.service.jobs import enqueue
from plugin.service.models import MAX_ID, Job, ReportFile
from reports.catalogue import KINDS, misplaced, report_kinds, wrong_format
from reports.render import FORMATS
from scoring.peer_groups import check_comparison_field

blp = Blueprint("reports", __name__, description="Report files of snapshots, made as jobs")
# The request's field of each option the report kinds take (reports.kind.OPTIONS).
OPTION_FIELDS = {
    "practice": "practice",
    "compare_by": "compare_by",
    "supporters": "supporters_snapshot",
    "suppress_below": "suppress_below",
    "reference": "reference",
}


class ReportIn(Schema):
    """The body of a report request: its kind and format, and the options its kind takes."""

    kind = fields.String(required=True, validate=validate.OneOf(KINDS))
    format = fields.String(required=True, validate=validate.OneOf(FORMATS))
    practice = fields.String(
        validate=validate.Length(min=1, max=100),
        metadata={"description": "practice feedback: only this practice (else one file each)"},
    )
    compare_by = fields.String(
        validate=validate.Length(min=1, max=100),
        metadata={
            "description": "practice feedback: compare with the practices sharing this "
            "grouping field's value (e.g. region, practice_size), else the whole cohort"
        },
    )
    supporters_snapshot = fields.Integer(
        strict=True,  # 1.5 is no snapshot's id (a lax Integer reads it as 1)
        validate=validate.Range(min=1, max=MAX_ID),
        metadata={"description": "committee: the supporters' scan snapshot, compared"},
    )
    suppress_below = fields.Integer(
        strict=True,
        validate=validate.Range(min=1),
        metadata={"description": "committee: withhold counts below this"},
    )
    reference = fields.String(
        validate=validate.OneOf(shipped_names()),
        metadata={
            "description": "committee: the shipped earlier scan whose published shares are set "
            f"beside this one's ({', '.join(shipped_names())})"
        },
    )

    @validates_schema
    def options_fit_the_kind(self, data: dict[str, Any], **kwargs: Any) -> None:
        """Refuses an option the kind does not take, and a format the kind is not made in."""
        kind, fmt = data.get("kind"), data.get("format")
        if kind not in KINDS:
            return
        given = {option: data.get(name) for option, name in OPTION_FIELDS.items()}
        errors = {OPTION_FIELDS[o]: [m] for o, m in misplaced(kind, given).items()}
        if fmt in FORMATS and wrong_format(kind, fmt):
            errors["format"] = [wrong_format(kind, fmt)]
        if errors:
            raise ValidationError(errors)


class ReportQuery(Schema):
    """Filters of the report list: kind and snapshot."""

    kind = fields.String(validate=validate.OneOf(KINDS))
    snapshot_id = fields.Integer(validate=validate.Range(min=1, max=MAX_ID))


class ReportOut(Schema):
    """A report file: its kind, format, snapshot and practice, and the path to download it."""

    id = fields.Integer()
    kind = fields.String()
    format = fields.String(attribute="fmt")
    filename = fields.String()
    content_type = fields.String()
    snapshot_id = fields.Integer()
    practice = fields.String()
    created_at = fields.DateTime()
    download = fields.Function(lambda row: f"/reports/{row.id}/download")


@blp.route("/snapshots/<int:snapshot_id>/reports")
class SnapshotReports(MethodView):
    @require("facilitator")
    @blp.arguments(ReportIn)
    @blp.response(202, JobOut)
    def post(self, body: dict[str, Any], snapshot_id: int) -> Job:
        """Queue a report of the snapshot; the job's result names the report file."""
        return queue_report(snapshot_id, body)


def queue_report(snapshot_id: int, body: dict[str, Any]) -> Job:
    """Queue the report ``body`` (a loaded ReportIn) describes; 403, 404 or 422 as the API
    answers for a report the caller may not make, a snapshot or practice it may not see, or
    options that do not fit."""
    if caller().role == "facilitator":
        if body["kind"] != "practice":
            raise ApiProblem(403, "a facilitator key makes practice feedback reports only")
        if "practice" not in body:
            errors = {"practice": ["name one of the practices assigned to the key"]}
            raise ApiProblem(422, "the request has invalid fields; see errors", errors)
    found = snapshot_or_problem(snapshot_id)
    fitting = report_kinds(found.instrument)
    if body["kind"] not in fitting:
        errors = {"kind": [f"a snapshot of '{found.instrument.id}' makes: {', '.join(fitting)}"]}
        raise ApiProblem(422, "the request has invalid fields; see errors", errors)
    compare_by = body.get("compare_by")
    try:
        check_comparison_field(found.instrument, compare_by)
    except ValueError as exc:
        errors = {"compare_by": [str(exc)]}
        raise ApiProblem(422, "the request has invalid fields; see errors", errors) from None
    practice = visible_unit(found, body["practice"]) if "practice" in body else None
    supporters = body.get("supporters_snapshot")
    if supporters is not None:
        try:
            snapshot_or_problem(supporters)
        except ApiProblem as exc:
            errors = {"supporters_snapshot": [exc.message]}
            raise ApiProblem(422, "the request has invalid fields; see errors", errors) from None
    params = {
        "snapshot_id": snapshot_id,
        "kind": body["kind"],
        "format": body["format"],
        "practice": practice,
        "supporters_snapshot": supporters,
        "suppress_below": body.get("suppress_below"),
    }
    if compare_by is not None:  # absent otherwise: the jobs queued before it keep their key
        params["compare_by"] = compare_by
    if "reference" in body:
        params["reference"] = body["reference"]
    db = session()
    job = enqueue(
        db,
        "report",
        params,
        connection_id=snapshot_connection(snapshot_id),
        dedupe_key="report:" + ":".join(str(v) for v in params.values()),
    )
    db.commit()
    return job


def visible_reports() -> sa.Select[ReportFile]:
    """The query of the report files the caller may see (a facilitator: practice feedback of their
    practices only)."""
    select = sa.select(ReportFile)
    key = caller()
    if key.role == "facilitator":
        select = select.where(
            ReportFile.kind == "practice", ReportFile.practice.in_(key.practices or [])
        )
    return select


@blp.route("/reports")
class Reports(MethodView):
    @require("facilitator")
    @blp.arguments(ReportQuery, location="query")
    @blp.response(200, ReportOut(many=True))
    def get(self, query: dict[str, Any]) -> list[ReportFile]:
        """The report files made, newest first (a facilitator: their practices' only)."""
        select = visible_reports().order_by(ReportFile.id.desc())
        if "kind" in query:
            select = select.where(ReportFile.kind == query["kind"])
        if "snapshot_id" in query:
            select = select.where(ReportFile.snapshot_id == query["snapshot_id"])
        return list(session().scalars(select))


@blp.route("/reports/<int:report_id>/download")
class ReportDownload(MethodView):
    @require("facilitator")
    @blp.response(200, description="the report file, as an attachment")
    def get(self, report_id: int) -> Response:
        """The report file, with its content type and file name."""
        return report_answer(report_id)


def report_answer(report_id: int) -> Response:
    """The report file as an attachment with its content type and name; 404 for a report
    the caller may not see or whose file is gone."""
    row = session().scalar(visible_reports().where(ReportFile.id == report_id))
    if row is None:
        raise ApiProblem(404, f"there is no report {report_id}; GET /reports lists them")
    path = Path(row.path)
    folder = reports_dir(current_app.config).resolve()
    if not path.resolve().is_relative_to(folder) or not path.is_file():
        raise ApiProblem(404, f"the file of report {report_id} is gone; make the report again")
    answer = send_file(
        path, mimetype=row.content_type, as_attachment=True, download_name=row.filename
    )
    # Werkzeug appends a charset to a text type even when the type already names one.
    answer.headers["Content-Type"] = row.content_type
    return answer
