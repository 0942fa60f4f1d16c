"""The localcap Flask application: REDCap's single ``/api/`` endpoint (and, beside it, the survey
pages and localcap's project setup, :mod:`plugin.localcap.project_setup`).

Every call is a form-encoded POST dispatched on ``content`` and ``action`` (§1.2): the token is
checked first (403 in the requested format for a missing, malformed or unknown one), then the
content and action; a method raises :class:`ApiError` to answer as REDCap does. A request opens
its own SQLite connection and closes it before answering; the app holds one more open for its
life (:func:`plugin.localcap.storage.hold_open`), so that a request's close stays cheap. A body
over :data:`MAX_BODY` is refused with 413 before it is read, in REDCap's error shape (on a
survey page, as a page).
"""

from __future__ import annotations

import re
import weakref
from collections.abc import Callable
from contextlib import ExitStack
from pathlib import Path

from flask import Flask, Response, request
from werkzeug.exceptions import RequestEntityTooLarge

from plugin.localcap import answers, project_setup, survey_guard, survey_pages
from plugin.localcap.dags import (
    delete_dags,
    export_dags,
    export_user_dags,
    import_dags,
    import_user_dags,
    switch_dag,
)
from plugin.localcap.dictionary_import import import_metadata
from plugin.localcap.errors import (
    BAD_ACTION,
    BAD_CONTENT,
    BODY_TOO_LARGE,
    INTERNAL_ERROR,
    NO_PERMISSION,
    NOT_IMPLEMENTED,
    ApiError,
)
from plugin.localcap.files import delete_file, export_file, import_file
from plugin.localcap.metadata import export_field_names, export_instruments, export_metadata
from plugin.localcap.params import Params
from plugin.localcap.pdf import export_pdf
from plugin.localcap.project import Project, load_project
from plugin.localcap.project_info import (
    create_from_request,
    export_log,
    export_project,
    next_name,
    version,
)
from plugin.localcap.project_settings import import_project_settings
from plugin.localcap.record_writers import StreamedAnswer
from plugin.localcap.records_delete import delete_records
from plugin.localcap.records_export import export_records
from plugin.localcap.records_import import import_records
from plugin.localcap.server import whole_body
from plugin.localcap.storage import MANAGE, Database, hold_open, initialise, open_database
from plugin.localcap.structure import (
    export_arms,
    export_events,
    export_mappings,
    export_repeating,
)
from plugin.localcap.structure_import import (
    delete_arms,
    delete_events,
    import_arms,
    import_events,
    import_mappings,
    import_repeating,
)
from plugin.localcap.surveys import (
    export_access_code,
    export_participants,
    export_queue_link,
    export_return_code,
    export_survey_link,
)
from plugin.localcap.users import delete_users, export_users, import_users, require_right

SUPER_TOKEN = re.compile(r"^[A-Za-z0-9]{64}$")
TEMPLATES = Path(__file__).with_name("templates")
# The largest API body. REDCap's is its server's PHP post_max_size; 32 MB is far more than a
# batch of records needs (redcap-api.md §7: 100 to 1000 records a call).
MAX_BODY = 32 * 1024 * 1024

Write = Callable[[Database, Project, Params, str], answers.Answer | StreamedAnswer]
Read = Callable[[Project, Params], answers.Answer]


def logged(read: Read, details: str) -> Write:
    """``read``, then a Manage/Design entry of ``details`` by the caller, as REDCap's
    ``API/<content>/export.php`` logs an export once it has built the answer (a refused one is not
    logged)."""

    def answer_and_log(
        db: Database, project: Project, params: Params, username: str
    ) -> answers.Answer:
        answer = read(project, params)
        db.log(project.project_id, username, "manage", MANAGE, details)
        return answer

    return answer_and_log


# (content, action) -> handler; resolve_action gives the action REDCap assumes when none is sent.
# A read logs nothing: REDCap's log text for these two exports, if it has one, is not known here.
READS: dict[tuple[str, str], Read] = {
    ("exportFieldNames", "export"): export_field_names,
    ("repeatingFormsEvents", "export"): export_repeating,
}
WRITES: dict[tuple[str, str], Write] = {
    # The texts REDCap 15.7.6 logs (Logging::logEvent in each API/<content>/export.php).
    ("metadata", "export"): logged(export_metadata, "Download data dictionary (API)"),
    ("instrument", "export"): logged(export_instruments, "Export instruments (API)"),
    ("arm", "export"): logged(export_arms, "Export arms (API)"),
    ("event", "export"): logged(export_events, "Export events (API)"),
    ("formEventMapping", "export"): logged(
        export_mappings, "Export instrument-event mappings (API)"
    ),
    ("project", "export"): logged(export_project, "Export project information (API)"),
    ("record", "export"): export_records,
    ("record", "import"): import_records,
    ("record", "delete"): delete_records,
    ("metadata", "import"): import_metadata,
    ("project_settings", "import"): import_project_settings,
    ("arm", "import"): import_arms,
    ("arm", "delete"): delete_arms,
    ("event", "import"): import_events,
    ("event", "delete"): delete_events,
    ("formEventMapping", "import"): import_mappings,
    ("repeatingFormsEvents", "import"): import_repeating,
    ("pdf", "export"): export_pdf,
    ("dag", "export"): export_dags,
    ("dag", "import"): import_dags,
    ("dag", "delete"): delete_dags,
    ("dag", "switch"): switch_dag,
    ("userDagMapping", "export"): export_user_dags,
    ("userDagMapping", "import"): import_user_dags,
    ("surveyLink", "export"): export_survey_link,
    ("surveyAccessCode", "export"): export_access_code,
    ("surveyReturnCode", "export"): export_return_code,
    ("surveyQueueLink", "export"): export_queue_link,
    ("participantList", "export"): export_participants,
    ("file", "import"): import_file,
    ("file", "export"): export_file,
    ("file", "delete"): delete_file,
    ("user", "export"): export_users,
    ("user", "import"): import_users,
    ("user", "delete"): delete_users,
}
CONTENTS = frozenset(
    {content for content, _ in READS}
    | {content for content, _ in WRITES}
    | {"version", "generateNextRecordName", "log"}
)
LOG_EXPORT = "Export Logging (API)"  # API/log/export.php
VERSION_EXPORT = "Export REDCap version (API)"  # API/version/export.php
# REDCap assumes export for these even when data is sent; the others import when data is sent.
EXPORT_BY_DEFAULT = frozenset({"version", "event", "arm", "dag"})
# REDCap reads no action for these: sending ``data`` imports, else it exports (API/index.php).
ACTION_BY_DATA = frozenset({"userDagMapping"})


def resolve_action(params: Params) -> str:
    """The call's ``action``; when none is sent, the one REDCap assumes: ``export`` for the contents
    in :data:`EXPORT_BY_DEFAULT` or a call without ``data``, else ``import``. For the contents in
    :data:`ACTION_BY_DATA` the action sent is ignored and ``data`` alone decides."""
    if params.content in ACTION_BY_DATA:
        return "import" if params.has("data") else "export"
    action = params.action.strip()
    if action:
        return action
    if params.content in EXPORT_BY_DEFAULT or not params.has("data"):
        return "export"
    return "import"


def dispatch(db: Database, params: Params) -> answers.Answer | StreamedAnswer:
    """Answer one API call. The token is checked first (403 when unknown); the super token may only
    read ``version`` and create a project; ``ApiError`` carries every refusal."""
    caller = db.caller(params.text("token"))
    content = params.content
    if content not in CONTENTS:
        raise ApiError(BAD_CONTENT)
    if content == "version":
        if caller.project_id is not None:
            require_right(db, caller.project_id, caller.username, "export")
            # API/version/export.php logs the export to the token's project before answering
            db.log(caller.project_id, caller.username, "manage", MANAGE, VERSION_EXPORT)
        return version()
    action = resolve_action(params)
    if caller.project_id is None:
        if content == "project" and action == "import":
            return create_from_request(db, params, caller)
        raise ApiError(NO_PERMISSION, 403)
    require_right(db, caller.project_id, caller.username, action)
    project = load_project(db, caller.project_id)
    if content == "generateNextRecordName":
        return next_name(db, project)
    if content == "log":
        answer = export_log(db, project, params)
        # Logged once the answer is built, so an export never lists itself (API/log/export.php).
        db.log(project.project_id, caller.username, "manage", MANAGE, LOG_EXPORT)
        return answer
    read = READS.get((content, action))
    if read is not None:
        return read(project, params)
    write = WRITES.get((content, action))
    if write is None:
        if content == "project" and action == "import":
            raise ApiError(NO_PERMISSION, 403)
        raise ApiError(BAD_ACTION)
    return write(db, project, params, caller.username)


def _respond(answer: answers.Answer | StreamedAnswer) -> Response:
    if isinstance(answer, StreamedAnswer):
        return Response(answer.pieces, status=answer.status, content_type=answer.content_type)
    return Response(answer.body, status=answer.status, content_type=answer.content_type)


def create_app(
    db_path: str | Path, *, base_url: str | None = None, super_token: str | None = None
) -> Flask:
    """A localcap app on the SQLite file ``db_path``.

    ``super_token`` (64 letters and digits) becomes the only super token, which may create
    projects; only its SHA-256 hash is stored. ``base_url`` is what REDCap calls its own address;
    by default the address a request arrives at.
    """
    if super_token is not None and not SUPER_TOKEN.match(super_token):
        raise ValueError("a localcap super token must be 64 letters and digits")
    initialise(db_path, super_token)
    app = Flask("localcap", template_folder=str(TEMPLATES))
    weakref.finalize(app, hold_open(db_path).close)
    app.config.update(
        LOCALCAP_DB=str(db_path),
        LOCALCAP_BASE_URL=base_url,
        MAX_FORM_MEMORY_SIZE=MAX_BODY,
        MAX_CONTENT_LENGTH=MAX_BODY,
    )

    @app.route("/api/", methods=["GET", "POST", "PUT", "DELETE", "PATCH"])
    def api() -> Response:
        if request.method != "POST":
            params = Params(request.args)
            return _respond(answers.error(NOT_IMPLEMENTED, params.return_format, 501))
        whole_body()  # refused (413) past MAX_BODY, before the form is read
        params = Params(request.form)
        # A streamed answer still reads the database after this returns: its connection closes
        # when the response does.
        opened = ExitStack()
        try:
            db = opened.enter_context(open_database(app.config["LOCALCAP_DB"]))
            answer = dispatch(db, params)
        except ApiError as exc:
            opened.close()
            return _respond(answers.error(exc.message, params.return_format, exc.status))
        except Exception:
            opened.close()
            # A REDCap-shaped error body lets clients report the failure instead of failing to
            # parse an HTML page; the traceback goes to the server's log, never to the client.
            app.logger.exception("localcap failed on content=%s", params.content)
            return _respond(answers.error(INTERNAL_ERROR, params.return_format, 500))
        if not isinstance(answer, StreamedAnswer):
            opened.close()
            return _respond(answer)
        response = _respond(answer)
        response.call_on_close(opened.close)
        return response

    @app.errorhandler(RequestEntityTooLarge)
    def too_large(error: RequestEntityTooLarge) -> Response | tuple[str, int]:
        if request.path.startswith("/surveys/"):
            message = survey_guard.PAGE_TOO_LARGE
            return survey_pages.page("survey_message.html", 413, title="Survey", message=message)
        message = BODY_TOO_LARGE.format(limit=request.max_content_length or MAX_BODY)
        if request.path.startswith(project_setup.PATH):
            return _respond(answers.error(message, "json", 413))
        # The body, which would name the format, is not read: the query's, else REDCap's xml.
        return _respond(answers.error(message, Params(request.args).return_format, 413))

    app.jinja_env.trim_blocks = True
    app.jinja_env.lstrip_blocks = True
    survey_pages.register(app)
    survey_guard.register(app)
    project_setup.register(app)
    return app
