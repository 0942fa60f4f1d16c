"""Project-level methods: ``version``, ``project`` (export information, create from XML),
``generateNextRecordName`` and ``log``.
"""

from __future__ import annotations

from plugin.localcap import answers
from plugin.localcap.creation import blank_definition, create_project
from plugin.localcap.errors import ApiError
from plugin.localcap.import_data import read_rows
from plugin.localcap.odm import read_odm
from plugin.localcap.params import Params
from plugin.localcap.project import Project
from plugin.localcap.record_filters import parse_time
from plugin.localcap.rows import next_record_name
from plugin.localcap.storage import Caller, Database

VERSION = "15.7.6"  # the REDCap release whose behaviour localcap reproduces
CREATE_SETTINGS = (
    "purpose",
    "purpose_other",
    "project_notes",
    "is_longitudinal",
    "surveys_enabled",
    "record_autonumbering_enabled",
)
LOG_TYPES: dict[str, tuple[str, ...]] = {
    "export": ("export",),
    "manage": ("manage",),
    "user": ("user",),
    "record": ("record_add", "record_edit", "record_delete"),
    "record_add": ("record_add",),
    "record_edit": ("record_edit",),
    "record_delete": ("record_delete",),
    "lock_record": ("lock_record",),
    "page_view": ("page_view",),
}
LOG_COLUMNS = ("timestamp", "username", "action", "details", "record")
# An entry belongs to a DAG when its user is in the DAG or its record is; ``dag`` is compared as
# text so that a value that is no number matches no DAG instead of failing.
DAG_CLAUSE = (
    "(username IN (SELECT username FROM user_dags WHERE project_id = ? "
    "AND CAST(group_id AS TEXT) = ?) OR (record <> '' AND record IN (SELECT record FROM "
    "record_dags WHERE project_id = ? AND CAST(group_id AS TEXT) = ?)))"
)


def version() -> answers.Answer:
    """The REDCap version localcap answers as (:data:`VERSION`), as plain text."""
    return answers.Answer(VERSION)


def _flag(settings: dict[str, str], name: str) -> int:
    return int(settings.get(name, "0") == "1")


def project_information(project: Project) -> dict[str, str | int]:
    """REDCap's project information, its keys in REDCap's order and integers where it has them."""
    settings = project.settings
    return {
        "project_id": project.project_id,
        "project_title": project.title,
        "creation_time": project.creation_time,
        "production_time": project.production_time,
        "in_production": int(project.in_production),
        "project_language": settings.get("project_language", "English"),
        "purpose": int(settings.get("purpose", "0") or 0),
        "purpose_other": settings.get("purpose_other", ""),
        "project_notes": settings.get("project_notes", ""),
        "custom_record_label": settings.get("custom_record_label", ""),
        "secondary_unique_field": settings.get("secondary_unique_field", ""),
        "is_longitudinal": int(project.longitudinal),
        "has_repeating_instruments_or_events": int(project.has_repeating),
        "surveys_enabled": _flag(settings, "surveys_enabled"),
        "scheduling_enabled": _flag(settings, "scheduling_enabled"),
        "record_autonumbering_enabled": _flag(settings, "record_autonumbering_enabled"),
        "randomization_enabled": _flag(settings, "randomization_enabled"),
        "ddp_enabled": 0,
        "project_irb_number": "",
        "project_grant_number": "",
        "project_pi_firstname": "",
        "project_pi_lastname": "",
        "display_today_now_button": _flag(settings, "display_today_now_button"),
        "missing_data_codes": settings.get("missing_data_codes", ""),
        "external_modules": "",
        "bypass_branching_erase_field_prompt": 0,
    }


def export_project(project: Project, params: Params) -> answers.Answer:
    """REDCap's Export Project Information: one object of :func:`project_information`."""
    return answers.single(project_information(project), params.format)


def create_from_request(db: Database, params: Params, caller: Caller) -> answers.Answer:
    """Create a project (super token only) from ``data`` and an optional ``odm`` project XML."""
    rows = read_rows(params.text("data"), params.format)
    if len(rows) != 1:
        raise ApiError("The data must describe exactly one project.")
    info = {key: value.strip() for key, value in rows[0].items()}
    missing = [name for name in ("project_title", "purpose") if not info.get(name)]
    if missing:
        raise ApiError(
            "One or more components are missing in your input data. The following attributes "
            f"are required: {', '.join(missing)}"
        )
    if info["purpose"] not in ("0", "1", "2", "3", "4"):
        raise ApiError("The value of purpose must be an integer from 0 to 4.")
    if info["purpose"] == "1" and not info.get("purpose_other"):
        raise ApiError("The attribute purpose_other is required when purpose is 1 (Other).")
    settings = {name: info[name] for name in CREATE_SETTINGS if info.get(name, "") != ""}
    odm = params.text("odm")
    if odm.strip():
        definition = read_odm(odm, info["project_title"])
        definition.settings.update(
            {name: value for name, value in settings.items() if name != "is_longitudinal"}
        )
    else:
        definition = blank_definition(info["project_title"], settings)
    token = create_project(db, definition, caller.username)
    return answers.Answer(token)


def next_name(db: Database, project: Project) -> answers.Answer:
    """REDCap's Generate Next Record Name: the largest integer record name plus one, as text."""
    return answers.Answer(str(next_record_name(db, project.project_id)))


def export_log(db: Database, project: Project, params: Params) -> answers.Answer:
    """REDCap's Export Logging (§2.5): ``{timestamp, username, action, details, record}`` per
    entry, newest first (as REDCapR's recorded exports show, and PyCap's test pops the oldest from
    the end), the timestamp to the minute (``YYYY-MM-DD HH:MM``) and ``record`` blank when the
    entry is about no record.

    Filters, all optional and combined: ``logtype`` (:data:`LOG_TYPES`; an unknown one filters
    nothing), ``user``, ``record``, ``dag`` (a DAG's id, as REDCap's API help says: the entries
    by users in that DAG or about records in it; an id of no DAG gives none), ``beginTime`` and
    ``endTime`` (inclusive).
    """
    clauses = ["project_id = ?"]
    args: list[object] = [project.project_id]
    dag = params.text("dag").strip()
    if dag:
        clauses.append(DAG_CLAUSE)
        args += [project.project_id, dag, project.project_id, dag]
    kinds = LOG_TYPES.get(params.text("logtype").strip())
    if kinds:
        clauses.append(f"kind IN ({', '.join('?' for _ in kinds)})")
        args += kinds
    for name, column in (("user", "username"), ("record", "record")):
        value = params.text(name).strip()
        if value:
            clauses.append(f"{column} = ?")
            args.append(value)
    for name, op in (("beginTime", ">="), ("endTime", "<=")):
        value = params.text(name).strip()
        if value:
            clauses.append(f"ts {op} ?")
            args.append(parse_time(name, value, end=op == "<="))
    found = db.rows(
        "SELECT ts, username, action, details, record FROM log "
        f"WHERE {' AND '.join(clauses)} ORDER BY ts DESC, log_id DESC",
        args,
    )
    rows = [
        {
            "timestamp": row["ts"][:16],
            "username": row["username"],
            "action": row["action"],
            "details": row["details"],
            "record": row["record"],
        }
        for row in found
    ]
    return answers.table(rows, params.format, LOG_COLUMNS)
