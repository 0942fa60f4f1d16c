"""Data Access Groups: ``content=dag`` (export, import, delete, switch) and ``userDagMapping``.

REDCap stores only a DAG's name; its unique name is derived from the names of all the project's
DAGs in creation order (``Project::getUniqueGroupNames``), so renaming a DAG renames its unique
name, and deleting one can give a later namesake the unsuffixed name. localcap stores the derived
names and derives them again after every change. A user's DAG (set by a user-DAG import or by
``switch``) lives in ``user_dags``; a user in a DAG may not export, import or delete DAGs (§2.9).
"""

from __future__ import annotations

import hashlib

from plugin.localcap import answers
from plugin.localcap.creation import unique_group_name
from plugin.localcap.errors import ApiError, invalid_values
from plugin.localcap.import_data import read_rows
from plugin.localcap.params import Params
from plugin.localcap.project import Dag, Project
from plugin.localcap.storage import MANAGE, Database

DAG_COLUMNS = ("data_access_group_name", "unique_group_name", "data_access_group_id")
MAPPING_COLUMNS = ("username", "redcap_data_access_group")

# REDCap's exact wording for these is not known (api_183 is only known by its code).
IN_A_DAG = (
    "You do not have permissions to use this API method because you are assigned to a Data "
    "Access Group: only users who are not in a DAG may export, import or delete DAGs."
)
DAGS_NOT_ARRAY = (
    "Incorrect format for 'dags' parameter. It must be passed as an array, even if it only "
    "contains a single unique group name."
)
DAGS_EMPTY = "The 'dags' parameter is missing or empty: list at least one unique group name."
DAG_NAME_MISSING = (
    "Row {row}: data_access_group_name is missing or blank. Every DAG needs a name; leave "
    "unique_group_name blank to create one."
)
UNKNOWN_UNIQUE = (
    "Row {row}: the unique_group_name '{name}' is not a DAG of this project. Give an existing "
    "unique group name to rename that DAG, or leave it blank to create a new one."
)
USERNAME_MISSING = "Row {row}: username is missing or blank."
UNKNOWN_USER = "Row {row}: the user '{name}' is not a user of this project."
UNKNOWN_GROUP = (
    "Row {row}: the redcap_data_access_group '{name}' is not the unique group name of a DAG of "
    "this project; leave it blank for no DAG."
)
BAD_SWITCH = (
    "The DAG '{name}' is not a Data Access Group of this project: give the unique group name of "
    "one of its DAGs, or leave 'dag' blank to be in no DAG."
)


def _name_source(name: str) -> str:
    """What the unique name is made from: the name, or REDCap's fallback when none of it is kept.

    A name with no letter, digit, space or underscore (one written in another script, say) gets
    the first 10 hexadecimal digits of its MD5, as REDCap does.
    """
    if unique_group_name(name, set()):
        return name
    return hashlib.md5(name.encode("utf-8")).hexdigest()[:10]


def derive_unique_names(db: Database, project_id: int) -> None:
    """Give every DAG of the project the unique name REDCap derives for it."""
    taken: set[str] = set()
    updates: list[tuple[str, int]] = []
    for row in db.rows(
        "SELECT group_id, group_name FROM dags WHERE project_id = ? ORDER BY group_id",
        (project_id,),
    ):
        unique = unique_group_name(_name_source(row["group_name"]), taken)
        taken.add(unique)
        updates.append((unique, row["group_id"]))
    db.executemany("UPDATE dags SET unique_group_name = ? WHERE group_id = ?", updates)


def user_groups(db: Database, project: Project) -> dict[str, int]:
    """Each assigned user's DAG id."""
    return {
        row["username"]: row["group_id"]
        for row in db.rows(
            "SELECT username, group_id FROM user_dags WHERE project_id = ?", (project.project_id,)
        )
    }


def _outside_dags(db: Database, project: Project, username: str) -> None:
    if username in user_groups(db, project):
        raise ApiError(IN_A_DAG, 403)


def export_dags(db: Database, project: Project, params: Params, username: str) -> answers.Answer:
    """REDCap's Export DAGs: each DAG's name, unique name and id, logged as REDCap's API/dag
    export logs it. A user in a DAG is refused (403)."""
    _outside_dags(db, project, username)
    rows: list[answers.Row] = [
        {
            "data_access_group_name": dag.name,
            "unique_group_name": dag.unique_name,
            "data_access_group_id": dag.group_id,
        }
        for dag in project.dags
    ]
    db.log(project.project_id, username, "manage", MANAGE, "Export DAGs (API)")
    return answers.table(rows, params.format, DAG_COLUMNS, root="dags")


def import_dags(db: Database, project: Project, params: Params, username: str) -> answers.Answer:
    """REDCap's Import DAGs: a row without a known ``unique_group_name`` creates a DAG, one with it
    renames that DAG; every row is checked first, and the answer is the number of rows. A user in a
    DAG is refused (403)."""
    _outside_dags(db, project, username)
    rows = read_rows(params.text("data"), params.format)
    existing = {dag.unique_name: dag for dag in project.dags}
    problems: list[str] = []
    for number, row in enumerate(rows, start=1):
        if not row.get("data_access_group_name", "").strip():
            problems.append(DAG_NAME_MISSING.format(row=number))
        unique = row.get("unique_group_name", "").strip()
        if unique and unique not in existing:
            problems.append(UNKNOWN_UNIQUE.format(row=number, name=unique))
    if problems:
        raise ApiError("\n".join(problems))
    pid = project.project_id
    with db.transaction():
        for row in rows:
            name = row["data_access_group_name"].strip()
            current = existing.get(row.get("unique_group_name", "").strip())
            if current is None:
                db.execute(
                    "INSERT INTO dags (project_id, group_name, unique_group_name) "
                    "VALUES (?, ?, '')",
                    (pid, name),
                )
                details = f"Create data access group (API) (group_name = '{name}')"
                db.log(pid, username, "manage", MANAGE, details)
            elif name != current.name:
                db.execute(
                    "UPDATE dags SET group_name = ? WHERE group_id = ?", (name, current.group_id)
                )
                details = f"Rename data access group (API) ('{current.name}' to '{name}')"
                db.log(pid, username, "manage", MANAGE, details)
        derive_unique_names(db, pid)
    return answers.number(len(rows), params.return_format)


def delete_dags(db: Database, project: Project, params: Params, username: str) -> answers.Answer:
    """REDCap's Delete DAGs: ``dags`` must be an array of existing unique names, or nothing is
    deleted; the DAGs' records and users stay, in no DAG. A user in a DAG is refused (403)."""
    _outside_dags(db, project, username)
    wanted, was_array = params.array("dags")
    if wanted and not was_array:
        raise ApiError(DAGS_NOT_ARRAY)
    if not wanted:
        raise ApiError(DAGS_EMPTY)
    existing = {dag.unique_name: dag for dag in project.dags}
    unknown = [name for name in wanted if name.strip() not in existing]
    if unknown:
        raise ApiError(invalid_values("dags", unknown))
    doomed: list[Dag] = list(dict.fromkeys(existing[name.strip()] for name in wanted))
    pid = project.project_id
    with db.transaction():
        for dag in doomed:
            # Records and users of a deleted DAG stay, in no DAG.
            for table in ("record_dags", "user_dags", "dags"):
                db.execute(
                    f"DELETE FROM {table} WHERE project_id = ? AND group_id = ?",
                    (pid, dag.group_id),
                )
            details = f"Delete data access group (API) (group_name = '{dag.name}')"
            db.log(pid, username, "manage", MANAGE, details)
        derive_unique_names(db, pid)
    return answers.number(len(doomed), params.return_format)


def _assign(db: Database, project: Project, username: str, dag: Dag | None) -> None:
    db.execute(
        "DELETE FROM user_dags WHERE project_id = ? AND username = ?",
        (project.project_id, username),
    )
    if dag is not None:
        db.execute(
            "INSERT INTO user_dags (project_id, username, group_id) VALUES (?, ?, ?)",
            (project.project_id, username, dag.group_id),
        )


def switch_dag(db: Database, project: Project, params: Params, username: str) -> answers.Answer:
    """Move the token's user into the DAG ``dag`` names, or into none when it is blank.

    localcap has no DAG Switcher page, so every DAG of the project is open to every user.
    """
    name = params.text("dag").strip()
    existing = {dag.unique_name: dag for dag in project.dags}
    if name and name not in existing:
        raise ApiError(BAD_SWITCH.format(name=name))
    dag = existing.get(name) if name else None
    with db.transaction():
        _assign(db, project, username, dag)
        group = dag.unique_name if dag else ""
        details = f"Switch data access group (API) (group = '{group}')"
        db.log(project.project_id, username, "manage", MANAGE, details)
    return answers.number(1, params.return_format)


def project_users(db: Database, project: Project) -> list[str]:
    """The project's users: the owners of its tokens and the users imported with their rights
    (``content=user``, :mod:`plugin.localcap.users`)."""
    return [
        row["username"]
        for row in db.rows(
            "SELECT username FROM tokens WHERE project_id = ?1 "
            "UNION SELECT username FROM user_rights WHERE project_id = ?1 ORDER BY username",
            (project.project_id,),
        )
    ]


def export_user_dags(
    db: Database, project: Project, params: Params, username: str
) -> answers.Answer:
    """REDCap's Export User-DAG Assignment: every user of the project with the unique name of their
    DAG, blank for none, logged as REDCap's API/userDagMapping export logs it."""
    groups = user_groups(db, project)
    names = {dag.group_id: dag.unique_name for dag in project.dags}
    rows = [
        {"username": user, "redcap_data_access_group": names.get(groups.get(user, -1), "")}
        for user in project_users(db, project)
    ]
    db.log(project.project_id, username, "manage", MANAGE, "Export User-DAG assignments (API)")
    return answers.table(rows, params.format, MAPPING_COLUMNS, root="items")


def import_user_dags(
    db: Database, project: Project, params: Params, username: str
) -> answers.Answer:
    """REDCap's Import User-DAG Assignment: each row puts a known user in a DAG, or in none when the
    group is blank; every row is checked first, and the answer is the number of rows."""
    rows = read_rows(params.text("data"), params.format)
    users = set(project_users(db, project))
    existing = {dag.unique_name: dag for dag in project.dags}
    problems: list[str] = []
    for number, row in enumerate(rows, start=1):
        user = row.get("username", "").strip()
        if not user:
            problems.append(USERNAME_MISSING.format(row=number))
        elif user not in users:
            problems.append(UNKNOWN_USER.format(row=number, name=user))
        group = row.get("redcap_data_access_group", "").strip()
        if group and group not in existing:
            problems.append(UNKNOWN_GROUP.format(row=number, name=group))
    if problems:
        raise ApiError("\n".join(problems))
    with db.transaction():
        for row in rows:
            user = row["username"].strip()
            group = row.get("redcap_data_access_group", "").strip()
            _assign(db, project, user, existing.get(group) if group else None)
            if group:
                details = (
                    f"Assign user to data access group (API) (user = '{user}', group = '{group}')"
                )
            else:
                details = f"Remove user from data access group (API) (user = '{user}')"
            db.log(project.project_id, username, "manage", MANAGE, details)
    return answers.number(len(rows), params.return_format)
