"""Export Users (``content=user``) and the user-DAG assignments it reflects, through PyCap.

The simple project (PyCap's ``test_simple_project.xml``) has one form, ``demographics``, one DAG,
"Test DAG" (``test_dag``), and one user, the owner of its token, ``site_admin``. Expected shapes:
redcap-api.md §2.9, PyCap's ``export_users`` doctest (captured from a real REDCap 15) and its
integration tests ``test_export_users`` and ``test_import_user_dag_assignment``.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from redcap import Project, RedcapError

from plugin.localcap import RunningServer
from plugin.localcap.storage import initialise, open_database
from tests.localcap.conftest import post

OWNER = "site_admin"
SECOND_TOKEN = "5EC0ND" * 5 + "CD"
# REDCap 15's keys in its order: data_access_group_id follows data_access_group, and reports
# follows data_access_groups (no data_export: export rights are per form, in forms_export).
USER_KEYS = [
    "username",
    "email",
    "firstname",
    "lastname",
    "expiration",
    "data_access_group",
    "data_access_group_id",
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
    "forms",
    "forms_export",
]


def add_user(database: str, project: Project, username: str = "second_user") -> None:
    """A second user of the project: localcap's users are the owners of its tokens."""
    project_id = project.export_project_info()["project_id"]
    with open_database(database) as db:
        db.add_token(SECOND_TOKEN, project_id, username)


def users_by_name(project: Project) -> dict[str, dict[str, object]]:
    return {user["username"]: user for user in project.export_users()}


def test_export_users_as_pycaps_integration_test_expects(simple: Project) -> None:
    # PyCap: one user, who (having a token) has API export rights, as an int.
    [user] = simple.export_users()
    assert user["username"] == OWNER
    assert user["api_export"] == 1


def test_user_keys_and_value_types(simple: Project) -> None:
    [user] = simple.export_users()
    assert list(user) == USER_KEYS
    # A user in no DAG: blank strings, not 0 (PyCap's doctest: 'data_access_group_id': '').
    assert (user["expiration"], user["data_access_group"], user["data_access_group_id"]) == (
        "",
        "",
        "",
    )
    assert {key: user[key] for key in ("design", "alerts", "user_rights", "reports")} == {
        "design": 1,
        "alerts": 1,
        "user_rights": 1,
        "reports": 1,
    }
    assert user["forms"] == {"demographics": 1}
    assert user["forms_export"] == {"demographics": 1}


def test_export_users_as_csv_and_dataframe(simple: Project) -> None:
    text = simple.export_users(format_type="csv")
    header, row, end = text.split("\n")
    assert header.split(",") == USER_KEYS
    assert end == ""
    assert row.startswith(f"{OWNER},,,,,,,1,1,")
    assert row.endswith(",demographics:1,demographics:1")
    frame = simple.export_users(format_type="df")
    assert frame["username"].tolist() == [OWNER]
    assert frame["forms_export"].tolist() == ["demographics:1"]


def test_export_users_as_xml(server: RunningServer, simple: Project) -> None:
    xml = post(server, token=simple.token, content="user", format="xml").text
    assert xml.startswith('<?xml version="1.0" encoding="UTF-8" ?>\n<users>\n<item>')
    assert f"<username><![CDATA[{OWNER}]]></username><email></email>" in xml
    assert "<forms><![CDATA[demographics:1]]></forms>" in xml


def test_a_users_dag_shows_in_the_export(database: str, simple: Project) -> None:
    add_user(database, simple)
    [dag] = simple.export_dags()
    assert (
        simple.import_user_dag_assignment(
            [{"username": "second_user", "redcap_data_access_group": "test_dag"}]
        )
        == 1
    )
    users = users_by_name(simple)
    assert list(users) == ["second_user", OWNER]
    assert users["second_user"]["data_access_group"] == "test_dag"
    assert users["second_user"]["data_access_group_id"] == str(dag["data_access_group_id"])
    assert users[OWNER]["data_access_group"] == ""
    # A blank group takes the user out of every DAG.
    blank = [{"username": "second_user", "redcap_data_access_group": ""}]
    assert simple.import_user_dag_assignment(blank) == 1
    assert users_by_name(simple)["second_user"]["data_access_group_id"] == ""


def test_reimporting_the_exported_assignments(simple: Project) -> None:
    # PyCap's test_import_user_dag_assignment: the export imports back, one row counted.
    mapping = simple.export_user_dag_assignment()
    assert simple.import_user_dag_assignment(mapping, return_format_type="csv") == "1"
    assert simple.export_user_dag_assignment() == mapping


def test_an_imported_user_can_be_mapped_to_a_dag(simple: Project) -> None:
    """A user imported with their rights is one of the project's users for the user-DAG
    mapping too, as in REDCap (not only the owners of tokens)."""
    simple.import_users([{"username": NEW_USER}])
    assert NEW_USER in {row["username"] for row in simple.export_user_dag_assignment()}
    simple.import_user_dag_assignment(
        [{"username": NEW_USER, "redcap_data_access_group": "test_dag"}]
    )
    mapped = {
        row["username"]: row["redcap_data_access_group"]
        for row in simple.export_user_dag_assignment()
    }
    assert mapped[NEW_USER] == "test_dag"
    assert users_by_name(simple)[NEW_USER]["data_access_group"] == "test_dag"


@pytest.mark.parametrize(
    ("row", "message"),
    [
        (
            {"username": "stranger", "redcap_data_access_group": "test_dag"},
            "the user 'stranger' is not a user of this project",
        ),
        (
            {"username": "second_user", "redcap_data_access_group": "no_such_dag"},
            "the redcap_data_access_group 'no_such_dag' is not the unique group name",
        ),
    ],
)
def test_a_refused_mapping_stores_nothing(
    database: str, simple: Project, row: dict[str, str], message: str
) -> None:
    add_user(database, simple)
    before = simple.export_users()
    good = {"username": OWNER, "redcap_data_access_group": "test_dag"}
    with pytest.raises(RedcapError, match=message):
        simple.import_user_dag_assignment([good, row])
    # The good row before the bad one is not stored either: all or nothing.
    assert simple.export_users() == before
    assert all(user["data_access_group"] == "" for user in before)


NEW_USER = "pandeharris@gmail.com"
# PyCap's import_users doctest, with the simple project's form in place of the doctest's form_1.
ALL_OPTIONS = {
    "username": NEW_USER,
    "email": NEW_USER,
    "firstname": "REDCap Trial",
    "lastname": "User",
    "expiration": "",
    "data_access_group": "",
    "data_access_group_id": "",
    "design": 0,
    "user_rights": 0,
    "data_export": 2,
    "reports": 1,
    "stats_and_charts": 1,
    "manage_survey_participants": 1,
    "calendar": 1,
    "data_access_groups": 0,
    "data_import_tool": 0,
    "data_comparison_tool": 0,
    "logging": 0,
    "file_repository": 1,
    "data_quality_create": 0,
    "data_quality_execute": 0,
    "api_export": 0,
    "api_import": 0,
    "mobile_app": 0,
    "mobile_app_download_data": 0,
    "record_create": 1,
    "record_rename": 0,
    "record_delete": 0,
    "lock_records_all_forms": 0,
    "lock_records": 0,
    "lock_records_customization": 0,
    "forms": {"demographics": 3},
}


def test_import_and_delete_a_user_as_pycaps_doctests_show(simple: Project) -> None:
    # PyCap's doctests: only username is required; the count comes back, '1' as text in XML.
    assert simple.import_users([{"username": NEW_USER}]) == 1
    users = users_by_name(simple)
    assert list(users) == [NEW_USER, OWNER]  # by username
    new = users[NEW_USER]
    assert list(new) == USER_KEYS
    # A new user's missing attributes are "no access" (redcap-api.md §2.9).
    assert all(new[right] == 0 for right in USER_KEYS[7:-2])
    assert new["forms"] == {"demographics": 0}
    assert new["forms_export"] == {"demographics": 0}
    assert simple.delete_users([NEW_USER], return_format_type="xml") == "1"
    assert list(users_by_name(simple)) == [OWNER]


def test_import_every_option(simple: Project) -> None:
    assert simple.import_users([ALL_OPTIONS]) == 1
    new = users_by_name(simple)[NEW_USER]
    assert new["design"] == 0 and new["reports"] == 1 and new["record_create"] == 1
    # Account details come from the account, not the import; alerts was not sent.
    assert new["email"] == "" and new["alerts"] == 0
    assert new["forms"] == {"demographics": 3}
    # data_export without forms_export sets every form's export right (2: de-identified).
    assert new["forms_export"] == {"demographics": 2}


def test_an_update_changes_only_what_it_sends(simple: Project) -> None:
    simple.import_users([ALL_OPTIONS])
    before = users_by_name(simple)[NEW_USER]
    assert (
        simple.import_users([{"username": NEW_USER, "alerts": 1}], return_format_type="csv") == "1"
    )
    after = users_by_name(simple)[NEW_USER]
    assert after == {**before, "alerts": 1}
    # A forms list sent gives every form it leaves out no access.
    simple.import_users([{"username": NEW_USER, "forms": {}}])
    assert users_by_name(simple)[NEW_USER]["forms"] == {"demographics": 0}


def test_the_token_owner_keeps_the_rights_not_sent(simple: Project) -> None:
    simple.import_users([{"username": OWNER, "design": 0}])
    [owner] = simple.export_users()
    assert owner["design"] == 0
    assert owner["api_export"] == 1 and owner["forms"] == {"demographics": 1}


@pytest.mark.parametrize("format_type", ["json", "csv"])
def test_an_export_imports_back_unchanged(simple: Project, format_type: str) -> None:
    # redcapAPI's test against a real REDCap: export, import, export again, equal.
    simple.import_users([ALL_OPTIONS, {"username": "other", "data_access_group": "test_dag"}])
    before = simple.export_users(format_type=format_type)
    assert simple.import_users(before, import_format=format_type) == 3
    assert simple.export_users(format_type=format_type) == before


def test_an_imported_users_dag(simple: Project) -> None:
    [dag] = simple.export_dags()
    simple.import_users([{"username": NEW_USER, "data_access_group": "test_dag"}])
    new = users_by_name(simple)[NEW_USER]
    assert new["data_access_group"] == "test_dag"
    assert new["data_access_group_id"] == str(dag["data_access_group_id"])
    # Left out, the DAG stays; sent blank, the user is in no DAG.
    simple.import_users([{"username": NEW_USER, "design": 1}])
    assert users_by_name(simple)[NEW_USER]["data_access_group"] == "test_dag"
    simple.import_users([{"username": NEW_USER, "data_access_group": ""}])
    assert users_by_name(simple)[NEW_USER]["data_access_group_id"] == ""


@pytest.mark.parametrize(
    ("row", "message"),
    [
        # REDCap's own texts (API/user/import.php, English.ini api_111 and api_113 to api_119)
        ({"username": ""}, "The username is missing for user #2 in the list of users provided"),
        ({"username": "x", "design": 5}, "Row 2: design is '5'; it must be one of 0, 1"),
        ({"username": "x", "lock_records": 3}, "lock_records is '3'; it must be one of 0, 1, 2"),
        ({"username": "x", "data_export": "full"}, "data_export is 'full'"),
        (
            {"username": "x", "forms": {"demographics": 4}},
            'The form named "demographics" with value "4" is not a valid form-level rights '
            "value. It must be 0, 1, 2 or 3.",
        ),
        (
            {"username": "x", "forms": {"nope": 1}},
            'The form named "nope" is incorrect for the user "x". The form does not exist in '
            "this project.",
        ),
        ({"username": "x", "expiration": "12/31/2030"}, "expiration '12/31/2030' is not a date"),
        (
            {"username": "x", "data_access_group": "no_dag"},
            'data_access_group "no_dag" is not a valid unique Data Access Group name for this '
            "project.",
        ),
    ],
)
def test_a_refused_user_import_stores_nothing(
    simple: Project, row: dict[str, object], message: str
) -> None:
    before = simple.export_users()
    good = {"username": OWNER, "design": 0, "data_access_group": "test_dag"}
    with pytest.raises(RedcapError, match=message):
        simple.import_users([good, row])
    # The good row before the bad one is not stored either: all or nothing.
    assert simple.export_users() == before


def test_a_csv_import_reads_form_lists(simple: Project) -> None:
    data = "username,forms,forms_export\nnew_user,demographics:2,demographics:3\n"
    assert simple.import_users(data, import_format="csv") == 1
    new = users_by_name(simple)["new_user"]
    assert new["forms"] == {"demographics": 2} and new["forms_export"] == {"demographics": 3}


def test_deleting_an_unknown_user_deletes_nothing(simple: Project) -> None:
    simple.import_users([{"username": NEW_USER}])
    with pytest.raises(RedcapError, match="'stranger'"):
        simple.delete_users([NEW_USER, "stranger"])
    assert list(users_by_name(simple)) == [NEW_USER, OWNER]


def test_delete_needs_an_array_of_users(server: RunningServer, simple: Project) -> None:
    answer = post(server, token=simple.token, content="user", action="delete", users=OWNER)
    assert answer.status_code == 400
    assert "must be passed as an array" in answer.text
    assert list(users_by_name(simple)) == [OWNER]


def test_a_deleted_token_owner_loses_token_and_dag(
    server: RunningServer, database: str, simple: Project
) -> None:
    add_user(database, simple)
    simple.import_user_dag_assignment(
        [{"username": "second_user", "redcap_data_access_group": "test_dag"}]
    )
    assert simple.delete_users(["second_user"]) == 1
    assert list(users_by_name(simple)) == [OWNER]
    answer = post(server, token=SECOND_TOKEN, content="user", format="json")
    assert answer.status_code == 403
    # Back in the project, the user starts in no DAG.
    add_user(database, simple)
    assert users_by_name(simple)["second_user"]["data_access_group"] == ""


def test_an_existing_database_gets_the_rights_table(tmp_path: Path) -> None:
    path = tmp_path / "old.db"
    initialise(path)
    with open_database(path) as db:
        db.execute("DROP TABLE user_rights")
    initialise(path)
    with open_database(path) as db:
        assert db.rows("SELECT * FROM user_rights") == []


@pytest.mark.parametrize("action", ["import", "delete", "nonsense"])
def test_user_dag_mapping_without_data_exports_whatever_the_action(
    server: RunningServer, simple: Project, action: str
) -> None:
    # REDCap's API/index.php reads no action for userDagMapping: no data means an export.
    answer = post(
        server, token=simple.token, content="userDagMapping", action=action, format="json"
    )
    assert answer.status_code == 200, answer.text
    assert answer.json() == simple.export_user_dag_assignment()


def test_user_dag_mapping_with_data_imports_whatever_the_action(
    server: RunningServer, simple: Project
) -> None:
    # ... and data sent means an import, even with action=export.
    data = '[{"username": "site_admin", "redcap_data_access_group": "test_dag"}]'
    answer = post(
        server,
        token=simple.token,
        content="userDagMapping",
        action="export",
        format="json",
        data=data,
    )
    assert answer.status_code == 200, answer.text
    assert answer.text == "1"
    assert users_by_name(simple)[OWNER]["data_access_group"] == "test_dag"


def manage_entries(project: Project) -> list[str]:
    """The details of the project's Manage/Design log entries, oldest first."""
    entries = project.export_logging(log_type="manage")
    return [entry["details"] for entry in reversed(entries) if entry["details"] != LOG_EXPORT]


LOG_EXPORT = "Export Logging (API)"


def test_user_exports_and_imports_are_logged_as_redcap_logs_them(simple: Project) -> None:
    """REDCap's API/user/export.php and import.php log these texts; a refused import, which
    stops before it, logs nothing."""
    before = manage_entries(simple)
    simple.export_users()
    simple.import_users([{"username": NEW_USER, "design": 1}])
    with pytest.raises(RedcapError):
        simple.import_users([{"username": ""}])
    assert manage_entries(simple)[len(before) :] == ["Export users (API)", "Import users (API)"]


@pytest.mark.parametrize(
    ("right", "call", "refusal"),
    [
        ("api_export", lambda p: p.export_records(), "You do not have API Export privileges"),
        ("api_export", lambda p: p.export_version(), "You do not have API Export privileges"),
        (
            "api_import",
            lambda p: p.import_records([{"record_id": "9"}]),
            "You do not have API Import/Update privileges",
        ),
        (
            "record_delete",
            lambda p: p.delete_records(["9"]),
            "You do not have Delete Record privileges",
        ),
    ],
)
def test_api_rights_are_checked_before_the_call_as_redcap_checks_them(
    server: RunningServer, database: str, simple: Project, right, call, refusal
) -> None:
    """REDCap's API/index.php refuses an export without api_export, an import without api_import
    and a delete without record_delete, each with 403 and its own words, before any content."""
    add_user(database, simple)
    second = Project(server.url, SECOND_TOKEN)
    simple.import_records([{"record_id": "9"}])
    call(second)  # a token's owner with no rights stored has every right
    simple.import_records([{"record_id": "9"}])
    simple.import_users([{"username": "second_user", right: 0}])
    before = simple.export_records()
    response = post(server, token=SECOND_TOKEN, content="version")
    assert response.status_code == (403 if right == "api_export" else 200)
    with pytest.raises(RedcapError, match=refusal):
        call(second)
    assert simple.export_records() == before
    simple.import_users([{"username": "second_user", right: 1}])
    call(second)
