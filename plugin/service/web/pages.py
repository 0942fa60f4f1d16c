"""The pages: projects and their latest snapshots, one project's snapshots and reports, a job's
progress (where it can be cancelled or retried), and the report files to download. Every change
is a POST form with the CSRF token, answered with a redirect (the job's page for what starts or
stops a job)."""

from __future__ import annotations

import re
from typing import Any

import sqlalchemy as sa
from flask import (
    Blueprint,
    Response,
    abort,
    flash,
    g,
    jsonify,
    redirect,
    render_template,
    request,
    url_for,
)
from flask import session as cookie
from marshmallow import ValidationError
from werkzeug.wrappers import Response as BaseResponse

from plugin.service.api.pulls import (
    canceller,
    job_or_404,
    may_cancel,
    project_snapshots,
    queue_pull,
)
from plugin.service.api.reports import ReportIn, queue_report, report_answer, visible_reports
from plugin.service.connections import get_connection
from plugin.service.db import session
from plugin.service.definitions import UnknownInstrument, resolve
from plugin.service.errors import ApiProblem
from plugin.service.jobs import FINISHED, cancel, retry
from plugin.service.models import Connection, Job, ReportFile
from plugin.service.web.signin import (
    check_csrf,
    key_for,
    page,
    safe_next,
    sign_in,
    signed_in_key,
)
from reports.catalogue import kind_of, report_kinds
from reports.render import FORMATS

blp = Blueprint(
    "web",
    __name__,
    url_prefix="/web",
    template_folder="templates",
    static_folder="static",
    static_url_path="/static",
)
WHOLE_NUMBER = re.compile(r"[0-9]{1,12}")


@blp.route("/sign-in", methods=["GET", "POST"])
def sign_in_page() -> str | BaseResponse | tuple[str, int]:
    """The sign-in form; posting a known API key signs in and goes on to ``next`` (401 with the form
    again for an unknown key)."""
    target = safe_next(request.values.get("next"))
    if request.method == "GET":
        if signed_in_key() is not None:
            return redirect(target or url_for("web.projects"))
        return render_template("web/sign_in.html", next=target or "")
    check_csrf()
    key = key_for(request.form.get("key", "").strip())
    if key is None:
        message = "That API key is not known to this service. Check it and paste it again."
        return render_template("web/sign_in.html", next=target or "", error=message), 401
    sign_in(key)
    return redirect(target or url_for("web.projects"))


@blp.post("/sign-out")
@page("facilitator")
def sign_out() -> BaseResponse:
    """End the session and go back to the sign-in form."""
    cookie.clear()
    flash("You are signed out.")
    return redirect(url_for("web.sign_in_page"))


@blp.get("/")
@page("facilitator")
def projects() -> str | BaseResponse:
    """Every project with its latest snapshot and last pull; a facilitator gets their reports
    instead."""
    if g.api_key.role == "facilitator":
        return redirect(url_for("web.reports"))  # a facilitator's page is their reports
    rows = []
    for connection in session().scalars(sa.select(Connection).order_by(Connection.name)):
        latest = project_snapshots(connection.id, limit=1)
        rows.append(
            {
                "connection": connection,
                "latest": latest[0] if latest else None,
                "last_pull": last_job(connection.id),
            }
        )
    return render_template("web/projects.html", rows=rows)


@blp.get("/projects/<int:connection_id>")
@page("analyst")
def project(connection_id: int) -> str:
    """One project: its snapshots, reports and latest jobs, and the report form with the kinds its
    instrument makes."""
    connection = get_connection(connection_id)
    files = list(
        session().scalars(
            visible_reports()
            .where(ReportFile.connection_id == connection_id)
            .order_by(ReportFile.id.desc())
            .limit(100)
        )
    )
    kinds = kinds_of(connection.instrument)
    # the options some kind of this project's takes: the form asks for those only
    takes = {option for kind in kinds for option in kind_of(kind).takes}
    return render_template(
        "web/project.html",
        connection=connection,
        snapshots=project_snapshots(connection_id, limit=20),
        files=files,
        jobs=project_jobs(connection_id),
        kinds=kinds,
        takes=takes,
        formats=FORMATS,
    )


@blp.post("/projects/<int:connection_id>/pull")
@page("analyst")
def pull(connection_id: int) -> BaseResponse:
    """Queue a pull of the project (incremental unless ``full`` is ticked) and show its job."""
    job = queue_pull(connection_id, full=request.form.get("full") == "on")
    return redirect(url_for("web.job", job_id=job.id))


@blp.post("/snapshots/<int:snapshot_id>/reports")
@page("facilitator")
def make_report(snapshot_id: int) -> BaseResponse:
    """Queue the report the form asks for and show its job; a refused request goes back to the form
    with its errors."""
    back = safe_next(request.form.get("back")) or url_for("web.reports")
    try:
        job = queue_report(snapshot_id, ReportIn().load(report_form()))
    except ValidationError as exc:
        flash(problem_text(exc.normalized_messages()), "error")
        return redirect(back)
    except ApiProblem as exc:
        flash(problem_text(exc.errors) if exc.errors else exc.message, "error")
        return redirect(back)
    return redirect(url_for("web.job", job_id=job.id))


def report_form() -> dict[str, Any]:
    """The report form's fields as the API takes them: blanks left out, and whole numbers as
    numbers (a form sends text; the API's schema takes JSON numbers only)."""
    form: dict[str, Any] = {name: value for name, value in request.form.items() if value.strip()}
    for name in ("csrf_token", "back"):
        form.pop(name, None)
    for name in ("supporters_snapshot", "suppress_below"):
        if name in form and WHOLE_NUMBER.fullmatch(form[name].strip()):
            form[name] = int(form[name])
    return form


@blp.get("/jobs/<int:job_id>")
@page("facilitator")
def job(job_id: int) -> str:
    """A job's page: its state and progress, and cancel or retry where the caller may."""
    found = job_or_404(job_id)
    return render_template(
        "web/job.html", job=found, state=job_state(found), may_cancel=may_cancel(found)
    )


@blp.get("/jobs/<int:job_id>/state")
@page("facilitator")
def job_state_json(job_id: int) -> Response:
    """The job's state as JSON, for its page to poll."""
    return jsonify(job_state(job_or_404(job_id)))


@blp.post("/jobs/<int:job_id>/retry")
@page("analyst")
def retry_job(job_id: int) -> BaseResponse:
    """Queue a failed or cancelled job again and show its page, which says why not for another."""
    found = job_or_404(job_id)
    try:
        retry(session(), found)
    except ValueError as exc:
        flash(str(exc), "error")
    else:
        session().commit()
    return redirect(url_for("web.job", job_id=job_id))


@blp.post("/jobs/<int:job_id>/cancel")
@page("facilitator")
def cancel_job(job_id: int) -> BaseResponse:
    """Cancel the job and show its page (which says why not, for a finished one); 403 for a kind the
    caller may not cancel."""
    found = job_or_404(job_id)
    if not may_cancel(found):
        abort(403, f"cancelling a {found.kind} job needs the analyst role")
    try:
        cancel(session(), found, canceller())
    except ValueError as exc:
        flash(str(exc), "error")
    else:
        session().commit()
        if found.state == "running":
            flash("The job is being stopped; this page shows when it has.")
    return redirect(url_for("web.job", job_id=job_id))


@blp.get("/reports")
@page("facilitator")
def reports() -> str:
    """The report files the caller may see, the 500 newest."""
    files = list(session().scalars(visible_reports().order_by(ReportFile.id.desc()).limit(500)))
    return render_template("web/reports.html", files=files)


@blp.get("/reports/<int:report_id>/download")
@page("facilitator")
def download(report_id: int) -> Response:
    return report_answer(report_id)


# --- what the pages show ------------------------------------------------------------------


def last_job(connection_id: int) -> Job | None:
    """The project's newest pull job, or None before its first."""
    return session().scalar(
        sa.select(Job)
        .where(Job.kind == "pull", Job.connection_id == connection_id)
        .order_by(Job.id.desc())
        .limit(1)
    )


def project_jobs(connection_id: int) -> list[Job]:
    """The project's latest pulls and reports, newest first."""
    return list(
        session().scalars(
            sa.select(Job)
            .where(Job.connection_id == connection_id, Job.kind.in_(("pull", "report")))
            .order_by(Job.id.desc())
            .limit(20)
        )
    )


def kinds_of(instrument: str) -> tuple[str, ...]:
    """The report kinds the project's instrument makes (its newest version)."""
    try:
        return report_kinds(resolve(session(), instrument))
    except UnknownInstrument:
        return ("quality",)


def job_state(job: Job) -> dict[str, Any]:
    """What a job's page shows, and its poll answers."""
    links: dict[str, str] = {}
    if job.state == "done" and "report_id" in job.result:
        links["download"] = url_for("web.download", report_id=job.result["report_id"])
    if job.state == "done" and job.kind == "pull" and job.connection_id is not None:
        links["project"] = url_for("web.project", connection_id=job.connection_id)
    percent = round(100 * job.done / job.total) if job.total else None
    return {
        "id": job.id,
        "kind": job.kind,
        "state": job.state,
        "finished": job.state in FINISHED,
        "cancel_requested": job.cancel_requested_at is not None,
        "done": job.done,
        "total": job.total,
        "percent": percent,
        "progress": progress_text(job, percent),
        "error": job.error,
        "result": job.result,
        "links": links,
    }


def progress_text(job: Job, percent: int | None) -> str:
    """How far a job is, in words for its page."""
    if job.state == "running" and job.cancel_requested_at is not None:
        return "stopping: a cancel was asked for"
    if percent is not None:
        return pulled_text(job, percent) or f"{job.done} of {job.total} ({percent}%)"
    if job.state == "queued":
        return "waiting for the worker"
    if job.state == "running":
        return "started"
    return ""


def pulled_text(job: Job, percent: int) -> str:
    """A finished pull's progress in what it counted: its records, then the result tables it
    built for the new snapshot (:func:`plugin.service.tasks.prepare`); "" for any other job."""
    records = (job.result or {}).get("records")
    if job.kind != "pull" or job.state != "done" or not isinstance(records, int):
        return ""
    built = job.total - records
    if built <= 0:
        return ""
    tables = "table" if built == 1 else "tables"
    return f"{records} of {records} records pulled, then {built} result {tables} built ({percent}%)"


def problem_text(errors: Any) -> str:
    """Field errors as one sentence per field: "kind: ..."."""
    if not isinstance(errors, dict):
        return str(errors)
    parts = []
    for name, messages in errors.items():
        listed = messages if isinstance(messages, list) else [messages]
        parts.append(f"{name}: {'; '.join(str(m) for m in listed)}")
    return " ".join(parts)
