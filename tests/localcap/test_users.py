"""Export Users (``content=user``) and the user-DAG assignments it reflects, through PyCap.

The simple project (PyCap's ``test_simple_project.xml``) has one form, ``demographics``, one DAG,
"Test DAG" (``test_dag``), and one user, the owner of its token, ``site_admin``. Expected shapes:
redcap-api.md §2.9, PyCap's ``export_users`` doctest (captured from a real REDCap 15) and its
integration tests ``test_export_users`` and ``test_import_user_dag_assignment``.
"""

from __future__ import annotations

import pytest
from redcap import Project, RedcapError

from plugin.localcap import RunningServer
from plugin.localcap.storage import open_database
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


def test_user_import_is_not_offered(server: RunningServer, simple: Project) -> None:
    # Only the export is implemented: sending data asks for an import, which localcap refuses.
    answer = post(
        server, token=simple.token, content="user", format="json", data='[{"username":"x"}]'
    )
    assert answer.status_code == 400
    assert answer.json() == {"error": 'The value of the parameter "action" is not valid'}
    assert [user["username"] for user in simple.export_users()] == [OWNER]


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
