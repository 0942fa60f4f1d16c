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
REDCap 16 adds ``data_access_group_label`` after ``data_access_group_id`` (redcapAPI's tests of
its user structure and REDCap's 16.0.0 change log); REDCap 15, which localcap follows, has none.

Import Users (§2.9) adds users or changes their rights; the answer is the number of rows. What a
row leaves out keeps its value for a user already in the project and is "no access" (``0``) for a
new one (redcapAPI's integration tests against a real REDCap); a ``forms`` or ``forms_export`` sent
gives every form it leaves out ``0``, and ``data_export`` without ``forms_export`` sets every
form's export right, as REDCap 15 kept the old single right. ``email``, ``firstname``, ``lastname``
and ``data_access_group_id`` belong to the account or are derived: they are read and ignored, so an
export imports back unchanged. A user added this way has rights but no API token (REDCap's import
creates rights, not tokens); localcap keeps imported rights in ``user_rights`` (one JSON object per
user), and a token's owner without a row there has every right. Of the rights, those REDCap's
``API/index.php`` checks before any content are enforced (``api_export`` for an export,
``api_import`` for an import, ``record_delete`` for a delete, each refused with its 403 message);
the others are stored and exported. Delete Users (``action=delete``, ``users[]``) takes users out
of the project with their rights, DAG and tokens. Both check everything first: one bad row or name
and nothing is stored. An import's refusals of a missing username, an unknown DAG or form and a bad
form right are REDCap's own (its ``API/user/import.php`` and ``English.ini``, as published in
REDCap 7.1.2's source); REDCap checks no other right's value, so those refusals, and a delete's,
are localcap's. Export and import are logged as REDCap logs them; a delete's log text is not known,
so a delete is not logged.
"""

from __future__ import annotations

import json
from datetime import date

from plugin.localcap import answers
from plugin.localcap.dags import project_users, user_groups
from plugin.localcap.errors import ApiError
from plugin.localcap.import_data import read_rows
from plugin.localcap.params import Params
from plugin.localcap.project import Project
from plugin.localcap.storage import MANAGE, Database

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
# 1 is access, and as a form right "view and edit" in forms and "full data set" in forms_export.
FULL_FORM_RIGHT = 1
NO_ACCESS = 0
# Each right is 0 (no access) or 1 (access), but for these: user_rights 2 is read-only and
# lock_records 2 is lock with e-signature. Form rights are 0 none, 2 read-only, 1 view and edit,
# 3 edit survey responses; export rights (and data_export) 0 none, 2 de-identified,
# 3 without identifiers, 1 full data set.
RIGHT_VALUES = {"user_rights": (0, 1, 2), "lock_records": (0, 1, 2)}
FORM_RIGHT_VALUES = (0, 1, 2, 3)

# REDCap's own refusals (API/user/import.php with English.ini's api_111, api_113 to api_119).
USERNAME_MISSING = "The username is missing for user #{row} in the list of users provided."
UNKNOWN_GROUP = (
    'data_access_group "{name}" is not a valid unique Data Access Group name for this project.'
)
UNKNOWN_FORM = (
    'The form named "{form}" is incorrect for the user "{user}". The form does not exist in '
    "this project."
)
BAD_FORM_RIGHT = (
    'The form named "{form}" with value "{value}" is not a valid form-level rights value. It '
    "must be 0, 1, 2 or 3."
)
# localcap's own, where REDCap's import checks nothing of the kind.
BAD_RIGHT = "Row {row}: {key} is '{value}'; it must be one of {allowed}."
BAD_EXPIRATION = "Row {row}: expiration '{value}' is not a date as YYYY-MM-DD (or blank for none)."
BAD_FORM_LIST = "Row {row}: {key} must list form:right pairs joined by commas, not '{value}'."
# What REDCap logs (API/user/export.php and import.php); a refused import logs nothing.
EXPORT_LOGGED = "Export users (API)"
IMPORT_LOGGED = "Import users (API)"
USERS_NOT_ARRAY = (
    "Incorrect format for 'users' parameter. It must be passed as an array, even if it only "
    "contains a single username."
)
# API/index.php refuses a call whose action the caller's rights do not allow (403).
ACTION_RIGHTS = {
    "export": ("api_export", "You do not have API Export privileges"),
    "import": ("api_import", "You do not have API Import/Update privileges"),
    "delete": ("record_delete", "You do not have Delete Record privileges"),
}
USERS_EMPTY = "The 'users' parameter is missing or empty: list at least one username."
UNKNOWN_USERS = "These users are not users of this project, so nothing was deleted: {names}"

Rights = dict[str, object]


def _stored_rights(db: Database, project: Project) -> dict[str, Rights]:
    return {
        row["username"]: json.loads(row["rights"])
        for row in db.rows(
            "SELECT username, rights FROM user_rights WHERE project_id = ?", (project.project_id,)
        )
    }


def _rights(project: Project, level: int) -> Rights:
    """Every right at ``level``: 1 for a token's owner (localcap refuses them nothing), 0 for a
    new user."""
    forms = {form.name: level for form in project.forms}
    rights: Rights = {"expiration": ""}
    rights.update({right: level for right in RIGHTS})
    rights["forms"] = dict(forms)
    rights["forms_export"] = dict(forms)
    return rights


def require_right(db: Database, project_id: int, username: str, action: str) -> None:
    """Refuse (403) a call whose ``action`` the caller's stored rights do not allow, as REDCap's
    ``API/index.php`` refuses it before any content is read: an export needs ``api_export``, an
    import ``api_import`` and a delete (of anything) ``record_delete``. A token's owner with no
    rights stored has every right."""
    needed = ACTION_RIGHTS.get(action)
    if needed is None:
        return
    stored = db.rows(
        "SELECT rights FROM user_rights WHERE project_id = ? AND username = ?",
        (project_id, username),
    )
    right, refusal = needed
    if stored and json.loads(stored[0]["rights"]).get(right) != 1:
        raise ApiError(refusal, 403)


def users_rights(db: Database, project: Project) -> dict[str, Rights]:
    """Every user of the project (the owners of its tokens and the users imported into it) with
    their rights, by username."""
    stored = _stored_rights(db, project)
    return {
        user: stored[user] if user in stored else _rights(project, FULL_FORM_RIGHT)
        for user in project_users(db, project)
    }


def user_rows(db: Database, project: Project) -> list[dict[str, object]]:
    """Every user of the project, by username, as REDCap's JSON export gives them."""
    groups = user_groups(db, project)
    dags = {dag.group_id: dag.unique_name for dag in project.dags}
    rows: list[dict[str, object]] = []
    for user, rights in users_rights(db, project).items():
        group_id = groups.get(user)
        row: dict[str, object] = {"username": user, "email": "", "firstname": "", "lastname": ""}
        row["expiration"] = rights.get("expiration", "")
        row["data_access_group"] = dags.get(group_id, "") if group_id is not None else ""
        row["data_access_group_id"] = str(group_id) if group_id is not None else ""
        row.update({right: rights.get(right, NO_ACCESS) for right in RIGHTS})
        for key in FORM_RIGHTS:
            # A form added after the rights were stored has none (REDCap's rule for new forms
            # is not known here, so none is granted).
            kept = rights.get(key)
            given = kept if isinstance(kept, dict) else {}
            row[key] = {form.name: given.get(form.name, NO_ACCESS) for form in project.forms}
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
        answer = answers.Answer(body, answers.JSON_TYPE)
    else:
        flat = [_flat(row) for row in rows]
        answer = answers.table(flat, params.format, USER_COLUMNS, root="users")
    db.log(project.project_id, username, "manage", MANAGE, EXPORT_LOGGED)
    return answer


def _level(value: str, allowed: tuple[int, ...]) -> int | None:
    """``value`` as a right when it is one of ``allowed``, else None."""
    text = value.strip()
    if text.isdigit() and int(text) in allowed:
        return int(text)
    return None


def _form_rights(value: str) -> dict[str, str] | None:
    """A ``forms`` or ``forms_export`` value (a JSON object, or ``form:right`` pairs joined by
    commas as CSV and XML give them) as form to right, None when it is neither."""
    text = value.strip()
    if text.startswith("{"):
        try:
            decoded = json.loads(text)
        except json.JSONDecodeError:
            return None
        if not isinstance(decoded, dict):
            return None
        return {str(form): _text(right) for form, right in decoded.items()}
    pairs: dict[str, str] = {}
    for pair in filter(None, (part.strip() for part in text.split(","))):
        form, colon, right = pair.partition(":")
        if not colon or not form.strip():
            return None
        pairs[form.strip()] = right.strip()
    return pairs


def _text(value: object) -> str:
    """A right decoded from JSON as text (``1`` for ``1``, ``true`` and ``"1"``)."""
    if value is True:
        return "1"
    return "" if value is None or value is False else str(value)


def _changes(
    row: dict[str, str], number: int, user: str, project: Project
) -> tuple[Rights, list[str]]:
    """What one row sets, and what is wrong with it."""
    changes: Rights = {}
    problems: list[str] = []
    for key in RIGHTS + ("data_export",):
        value = row.get(key, "").strip()
        if not value:
            continue
        allowed = FORM_RIGHT_VALUES if key == "data_export" else RIGHT_VALUES.get(key, (0, 1))
        level = _level(value, allowed)
        if level is None:
            options = ", ".join(map(str, allowed))
            problems.append(BAD_RIGHT.format(row=number, key=key, value=value, allowed=options))
        changes[key] = level
    expiration = row.get("expiration")
    if expiration is not None:
        try:
            if expiration.strip():
                date.fromisoformat(expiration.strip())
            changes["expiration"] = expiration.strip()
        except ValueError:
            problems.append(BAD_EXPIRATION.format(row=number, value=expiration))
    forms = {form.name for form in project.forms}
    for key in FORM_RIGHTS:
        if key not in row:
            continue
        pairs = _form_rights(row[key])
        if pairs is None:
            problems.append(BAD_FORM_LIST.format(row=number, key=key, value=row[key]))
            continue
        given: dict[str, int] = {}
        for form, right in pairs.items():
            level = _level(right, FORM_RIGHT_VALUES)
            if form not in forms:
                problems.append(UNKNOWN_FORM.format(form=form, user=user))
            elif level is None:
                problems.append(BAD_FORM_RIGHT.format(form=form, value=right))
            else:
                given[form] = level
        # A form left out of the list has no access (redcapAPI's tests against a real REDCap).
        changes[key] = {form.name: given.get(form.name, NO_ACCESS) for form in project.forms}
    return changes, problems


def _apply(rights: Rights, changes: Rights, project: Project) -> Rights:
    """``rights`` with a row's ``changes``; ``data_export`` is not kept but sets every form's
    export right when the row sends no ``forms_export``."""
    updated = dict(rights)
    updated.update((key, value) for key, value in changes.items() if key != "data_export")
    export = changes.get("data_export")
    if isinstance(export, int) and "forms_export" not in changes:
        updated["forms_export"] = {form.name: export for form in project.forms}
    return updated


def import_users(db: Database, project: Project, params: Params, username: str) -> answers.Answer:
    """REDCap's Import Users: add users or change their rights and DAG (see the module's
    docstring); every row is checked first, and the answer is the number of rows."""
    rows = read_rows(params.text("data"), params.format)
    dags = {dag.unique_name: dag for dag in project.dags}
    problems: list[str] = []
    planned: list[tuple[str, Rights, str | None]] = []
    for number, row in enumerate(rows, start=1):
        user = row.get("username", "").strip()
        if not user:
            # REDCap reports the missing name and checks nothing else of that row
            problems.append(USERNAME_MISSING.format(row=number))
            continue
        group = row.get("data_access_group")
        if group is not None and group.strip() and group.strip() not in dags:
            problems.append(UNKNOWN_GROUP.format(name=group.strip()))
        changes, wrong = _changes(row, number, user, project)
        problems.extend(wrong)
        planned.append((user, changes, None if group is None else group.strip()))
    if problems:
        raise ApiError("\n".join(problems))
    pid = project.project_id
    known = users_rights(db, project)
    with db.transaction():
        for user, changes, group in planned:
            current = known.get(user) or _rights(project, NO_ACCESS)
            known[user] = _apply(current, changes, project)
            db.execute(
                "INSERT OR REPLACE INTO user_rights (project_id, username, rights) "
                "VALUES (?, ?, ?)",
                (pid, user, json.dumps(known[user])),
            )
            if group is not None:
                db.execute(
                    "DELETE FROM user_dags WHERE project_id = ? AND username = ?", (pid, user)
                )
                if group:
                    db.execute(
                        "INSERT INTO user_dags (project_id, username, group_id) VALUES (?, ?, ?)",
                        (pid, user, dags[group].group_id),
                    )
        db.log(pid, username, "manage", MANAGE, IMPORT_LOGGED)
    return answers.number(len(rows), params.return_format)


def delete_users(db: Database, project: Project, params: Params, username: str) -> answers.Answer:
    """REDCap's Delete Users: ``users`` must be an array of the project's users, or nothing is
    deleted; each leaves the project with their rights, DAG and tokens. The answer is the number
    of users deleted."""
    wanted, was_array = params.array("users")
    if wanted and not was_array:
        raise ApiError(USERS_NOT_ARRAY)
    if not wanted:
        raise ApiError(USERS_EMPTY)
    known = users_rights(db, project)
    names = list(dict.fromkeys(name.strip() for name in wanted))
    unknown = [name for name in names if name not in known]
    if unknown:
        raise ApiError(UNKNOWN_USERS.format(names=", ".join(f"'{name}'" for name in unknown)))
    with db.transaction():
        for name in names:
            for table in ("user_rights", "user_dags", "tokens"):
                db.execute(
                    f"DELETE FROM {table} WHERE project_id = ? AND username = ?",
                    (project.project_id, name),
                )
    return answers.number(len(names), params.return_format)
