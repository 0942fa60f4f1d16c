"""REDCap's Export Users (``content=user``): each user of the project with their rights (§2.9).

localcap has no User Rights page: a project's users are the owners of its tokens, and it refuses
none of them any method, so every user is exported with every right (``1``), full rights to view,
edit and export every form, no expiration and no email or name (localcap stores none). A user's
DAG is the one a user-DAG import or ``switch`` put them in (:mod:`plugin.localcap.dags`).

The keys and their order are REDCap 15's: PyCap's doctest of ``export_users``, captured from a
real REDCap, shows ``data_access_group_id`` after ``data_access_group`` (blank, as a string, for
a user in no DAG) and ``reports`` straight after ``data_access_groups``, with no ``data_export``
(REDCap 15 gives export rights per form, in ``forms_export``). Rights are integers. In JSON
``forms`` and ``forms_export`` are objects of form name to right; in CSV and XML they are one
``form:right`` list joined by commas, as REDCapR's recorded export shows (``demographics:1``).
"""

from __future__ import annotations

from plugin.localcap import answers
from plugin.localcap.dags import project_users, user_groups
from plugin.localcap.params import Params
from plugin.localcap.project import Project
from plugin.localcap.storage import Database

PROFILE = ("username", "email", "firstname", "lastname", "expiration")
GROUP = ("data_access_group", "data_access_group_id")
RIGHTS = (
    "design",
    "alerts",
    "user_rights",
    "data_access_groups",
    "reports",
    "stats_and_charts",
    "manage_survey_participants",
    "calendar",
    "data_import_tool",
    "data_comparison_tool",
    "logging",
    "email_logging",
    "file_repository",
    "data_quality_create",
    "data_quality_execute",
    "api_export",
    "api_import",
    "api_modules",
    "mobile_app",
    "mobile_app_download_data",
    "record_create",
    "record_rename",
    "record_delete",
    "lock_records_customization",
    "lock_records",
    "lock_records_all_forms",
)
FORM_RIGHTS = ("forms", "forms_export")
USER_COLUMNS = PROFILE + GROUP + RIGHTS + FORM_RIGHTS
# Form rights: 1 is "view and edit" in forms and "full data set" in forms_export.
FULL_FORM_RIGHT = 1


def user_rows(db: Database, project: Project) -> list[dict[str, object]]:
    """Every user of the project, by username, as REDCap's JSON export gives them."""
    groups = user_groups(db, project)
    dags = {dag.group_id: dag.unique_name for dag in project.dags}
    form_rights = {form.name: FULL_FORM_RIGHT for form in project.forms}
    rows: list[dict[str, object]] = []
    for user in project_users(db, project):
        group_id = groups.get(user)
        row: dict[str, object] = {"username": user, "email": "", "firstname": "", "lastname": ""}
        row["expiration"] = ""
        row["data_access_group"] = dags.get(group_id, "") if group_id is not None else ""
        row["data_access_group_id"] = str(group_id) if group_id is not None else ""
        row.update({right: 1 for right in RIGHTS})
        row["forms"] = dict(form_rights)
        row["forms_export"] = dict(form_rights)
        rows.append(row)
    return rows


def _flat(row: dict[str, object]) -> dict[str, answers.Cell]:
    """A row for CSV or XML: each form-rights object as ``form:right`` joined by commas."""
    flat: dict[str, answers.Cell] = {}
    for key, value in row.items():
        if isinstance(value, dict):
            flat[key] = ",".join(f"{form}:{right}" for form, right in value.items())
        elif isinstance(value, str | int):
            flat[key] = value
    return flat


def export_users(db: Database, project: Project, params: Params, username: str) -> answers.Answer:
    """REDCap's Export Users: one object per user of the project (see the module's docstring)."""
    rows = user_rows(db, project)
    if params.format == "json":
        body = "[" + ",".join(answers.php_json(row) for row in rows) + "]"
        return answers.Answer(body, answers.JSON_TYPE)
    return answers.table([_flat(row) for row in rows], params.format, USER_COLUMNS, root="users")
