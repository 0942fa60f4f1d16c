"""Data Access Groups (``content=dag``) and user-DAG assignments (``content=userDagMapping``),
driven through PyCap's own methods; raw posts check status codes and error bodies.

The simple project has one DAG, "Test DAG" (``test_dag``), holding record 3; its only user is
the owner of the project token, ``site_admin``.
"""

from __future__ import annotations

import hashlib
import json

import pandas as pd
import pytest
from redcap import Project, RedcapError

from plugin.localcap import RunningServer
from plugin.localcap.storage import open_database
from tests.localcap.conftest import message_of, post

OWNER = "site_admin"
SECOND_TOKEN = "5EC0ND" * 5 + "AB"


def dag_names(project: Project) -> dict[str, str]:
    return {
        dag["unique_group_name"]: dag["data_access_group_name"] for dag in project.export_dags()
    }


def record_dags(project: Project) -> dict[str, str]:
    rows = project.export_records(fields=["record_id"], export_data_access_groups=True)
    return {row["record_id"]: row.get("redcap_data_access_group", "") for row in rows}


def stored_record_dags(database: str, project: Project) -> int:
    """How many records the project's DAGs hold, as stored (a stale row would hide in exports)."""
    project_id = project.export_project_info()["project_id"]
    with open_database(database) as db:
        found = db.rows("SELECT COUNT(*) AS n FROM record_dags WHERE project_id = ?", (project_id,))
    return int(found[0]["n"])


def add_user(database: str, project: Project, username: str = "second_user") -> None:
    """A second user of the project: localcap's users are the owners of its tokens."""
    project_id = project.export_project_info()["project_id"]
    with open_database(database) as db:
        db.add_token(SECOND_TOKEN, project_id, username)


def test_export_dags_in_every_format(server: RunningServer, simple: Project) -> None:
    [dag] = simple.export_dags()
    assert list(dag) == ["data_access_group_name", "unique_group_name", "data_access_group_id"]
    assert dag["data_access_group_name"] == "Test DAG"
    assert dag["unique_group_name"] == "test_dag"
    assert isinstance(dag["data_access_group_id"], int)
    group_id = dag["data_access_group_id"]
    assert simple.export_dags(format_type="csv") == (
        "data_access_group_name,unique_group_name,data_access_group_id\n"
        f'"Test DAG",test_dag,{group_id}\n'
    )
    frame = simple.export_dags(format_type="df")
    assert frame.to_dict("records") == [
        {
            "data_access_group_name": "Test DAG",
            "unique_group_name": "test_dag",
            "data_access_group_id": group_id,
        }
    ]
    xml = post(server, token=simple.token, content="dag", format="xml").text
    assert "<unique_group_name><![CDATA[test_dag]]></unique_group_name>" in xml
    assert f"<data_access_group_id><![CDATA[{group_id}]]></data_access_group_id>" in xml


def test_dag_defaults_to_export_even_with_data(server: RunningServer, simple: Project) -> None:
    data = json.dumps([{"data_access_group_name": "Ignored", "unique_group_name": ""}])
    answer = post(server, token=simple.token, content="dag", format="json", data=data)
    assert answer.status_code == 200
    assert [dag["unique_group_name"] for dag in answer.json()] == ["test_dag"]
    assert dag_names(simple) == {"test_dag": "Test DAG"}


def test_new_dags_get_unique_names_by_redcaps_rule(simple: Project) -> None:
    new = [
        {"data_access_group_name": "Site #1: North Clinic & Annex", "unique_group_name": ""},
        {"data_access_group_name": "Central Hospitals Y", "unique_group_name": ""},
        {"data_access_group_name": "Test DAG!", "unique_group_name": ""},
        {"data_access_group_name": "TEST dag", "unique_group_name": ""},
    ]
    assert simple.import_dags(new) == 4
    assert dag_names(simple) == {
        "test_dag": "Test DAG",
        # punctuation dropped, spaces to _, cut to 18 characters
        "site_1_north_clini": "Site #1: North Clinic & Annex",
        # "central_hospitals_" loses its trailing underscore
        "central_hospitals": "Central Hospitals Y",
        # clashes with test_dag take the suffixes b, c, ...
        "test_dagb": "Test DAG!",
        "test_dagc": "TEST dag",
    }
    ids = [dag["data_access_group_id"] for dag in simple.export_dags()]
    assert ids == sorted(ids) and len(set(ids)) == 5


def test_a_name_with_nothing_to_keep_falls_back_to_its_md5(simple: Project) -> None:
    # REDCap: the first 10 hexadecimal digits of the name's MD5, then the usual suffixes.
    digest = hashlib.md5("東京".encode()).hexdigest()[:10]
    same = {"data_access_group_name": "東京", "unique_group_name": ""}
    assert simple.import_dags([same, same]) == 2
    assert set(dag_names(simple)) == {"test_dag", digest, digest + "b"}


def test_import_dags_as_csv_and_dataframe(simple: Project) -> None:
    csv = 'data_access_group_name,unique_group_name\n"East Wing",\n'
    assert simple.import_dags(csv, import_format="csv") == 1
    frame = pd.DataFrame([{"data_access_group_name": "West Wing", "unique_group_name": ""}])
    assert simple.import_dags(frame, import_format="df", return_format_type="csv") == "1"
    assert set(dag_names(simple)) == {"test_dag", "east_wing", "west_wing"}


def test_an_existing_unique_name_renames_the_dag(simple: Project) -> None:
    [before] = simple.export_dags()
    renamed = [{"data_access_group_name": "North Site", "unique_group_name": "test_dag"}]
    assert simple.import_dags(renamed) == 1
    # REDCap derives the unique name from the name, so it follows the rename.
    assert simple.export_dags() == [
        {
            "data_access_group_name": "North Site",
            "unique_group_name": "north_site",
            "data_access_group_id": before["data_access_group_id"],
        }
    ]
    assert record_dags(simple)["3"] == "north_site"


def test_unique_names_are_derived_again_after_a_delete(simple: Project) -> None:
    simple.import_dags([{"data_access_group_name": "Test DAG", "unique_group_name": ""}])
    assert set(dag_names(simple)) == {"test_dag", "test_dagb"}
    assert simple.delete_dags(["test_dag"]) == 1
    # The namesake created later is now the first "Test DAG", so it loses its suffix.
    assert dag_names(simple) == {"test_dag": "Test DAG"}
    assert record_dags(simple)["3"] == ""


def test_import_dags_reports_every_bad_row(server: RunningServer, simple: Project) -> None:
    bad = [
        {"data_access_group_name": "Fine", "unique_group_name": ""},
        {"data_access_group_name": " ", "unique_group_name": ""},
        {"data_access_group_name": "Renamed", "unique_group_name": "no_such_dag"},
    ]
    with pytest.raises(RedcapError) as caught:
        simple.import_dags(bad)
    message = message_of(caught.value)
    assert "Row 2: data_access_group_name is missing or blank" in message
    assert "Row 3: the unique_group_name 'no_such_dag' is not a DAG of this project" in message
    assert dag_names(simple) == {"test_dag": "Test DAG"}
    answer = post(
        server, token=simple.token, content="dag", action="import", format="csv", data="x\n1\n"
    )
    assert answer.status_code == 400
    assert answer.text.startswith("ERROR: Row 1: data_access_group_name is missing")


def test_deleting_a_dag_unassigns_its_records(database: str, simple: Project) -> None:
    add_user(database, simple)
    simple.import_user_dag_assignment(
        [{"username": "second_user", "redcap_data_access_group": "test_dag"}]
    )
    simple.import_dags([{"data_access_group_name": "Other", "unique_group_name": ""}])
    assert record_dags(simple) == {"1": "", "2": "", "3": "test_dag"}
    assert simple.delete_dags(["test_dag", "test_dag"], return_format_type="csv") == "1"
    assert dag_names(simple) == {"other": "Other"}
    assert record_dags(simple) == {"1": "", "2": "", "3": ""}
    assert stored_record_dags(database, simple) == 0
    # The second user is in no DAG any more, so may manage DAGs.
    assert len(Project(simple.url, SECOND_TOKEN).export_dags()) == 1
    assert simple.export_user_dag_assignment() == [
        {"username": "second_user", "redcap_data_access_group": ""},
        {"username": OWNER, "redcap_data_access_group": ""},
    ]
    # A new DAG of the same name is a different group: record 3 does not come back to it.
    simple.import_dags([{"data_access_group_name": "Test DAG", "unique_group_name": ""}])
    assert record_dags(simple)["3"] == ""


@pytest.mark.parametrize(
    ("dags", "status", "message"),
    [
        (
            {"dags[0]": "test_dag", "dags[1]": "nope"},
            400,
            "The following values in the parameter \"dags\" are not valid: 'nope'",
        ),
        ({"dags": "test_dag"}, 400, "Incorrect format for 'dags' parameter."),
        ({}, 400, "The 'dags' parameter is missing or empty"),
    ],
)
def test_delete_dags_refuses_bad_lists(
    server: RunningServer, simple: Project, dags: dict[str, str], status: int, message: str
) -> None:
    answer = post(
        server, token=simple.token, content="dag", action="delete", returnFormat="json", **dags
    )
    assert answer.status_code == status
    assert answer.json()["error"].startswith(message)
    assert dag_names(simple) == {"test_dag": "Test DAG"}


def test_switch_dag_moves_the_tokens_user(server: RunningServer, simple: Project) -> None:
    assert simple.switch_dag("test_dag") == "1"
    assert simple.export_user_dag_assignment() == [
        {"username": OWNER, "redcap_data_access_group": "test_dag"}
    ]
    # A user in a DAG may not manage DAGs (api_183).
    refused = post(server, token=simple.token, content="dag", format="json")
    assert refused.status_code == 403
    with pytest.raises(RedcapError, match="you are assigned to a Data Access Group"):
        simple.export_dags()
    # A blank dag leaves every DAG.
    back = post(server, token=simple.token, content="dag", action="switch", dag="")
    assert (back.status_code, back.text) == (200, "1")
    assert simple.export_user_dag_assignment(format_type="csv") == (
        f"username,redcap_data_access_group\n{OWNER},\n"
    )
    assert len(simple.export_dags()) == 1


def test_switch_to_an_unknown_dag_is_an_error(server: RunningServer, simple: Project) -> None:
    with pytest.raises(RedcapError, match="The DAG 'elsewhere' is not a Data Access Group"):
        simple.switch_dag("elsewhere")
    answer = post(
        server, token=simple.token, content="dag", action="switch", returnFormat="csv", dag="x"
    )
    assert answer.status_code == 400
    assert answer.text.startswith("ERROR: The DAG 'x' is not a Data Access Group")
    assert simple.export_user_dag_assignment()[0]["redcap_data_access_group"] == ""


def test_user_dag_assignments(database: str, simple: Project) -> None:
    add_user(database, simple)
    assert simple.export_user_dag_assignment() == [
        {"username": "second_user", "redcap_data_access_group": ""},
        {"username": OWNER, "redcap_data_access_group": ""},
    ]
    assigned = [{"username": "second_user", "redcap_data_access_group": "test_dag"}]
    assert simple.import_user_dag_assignment(assigned) == 1
    frame = simple.export_user_dag_assignment(format_type="df")
    assert frame.set_index("username")["redcap_data_access_group"].fillna("").to_dict() == {
        "second_user": "test_dag",
        OWNER: "",
    }
    # The second user is in a DAG now; the owner, in none, may still manage DAGs.
    assert len(simple.export_dags()) == 1
    blank = "username,redcap_data_access_group\nsecond_user,\n"
    assert simple.import_user_dag_assignment(blank, import_format="csv") == 1
    assert simple.export_user_dag_assignment()[0] == {
        "username": "second_user",
        "redcap_data_access_group": "",
    }


def test_user_dag_import_reports_every_bad_row(
    server: RunningServer, database: str, simple: Project
) -> None:
    add_user(database, simple)
    bad = [
        {"username": "second_user", "redcap_data_access_group": "test_dag"},
        {"username": "stranger", "redcap_data_access_group": ""},
        {"username": OWNER, "redcap_data_access_group": "no_such_dag"},
    ]
    with pytest.raises(RedcapError) as caught:
        simple.import_user_dag_assignment(bad)
    message = message_of(caught.value)
    assert "Row 2: the user 'stranger' is not a user of this project." in message
    assert "Row 3: the redcap_data_access_group 'no_such_dag' is not the unique group" in message
    assert all(row["redcap_data_access_group"] == "" for row in simple.export_user_dag_assignment())
    answer = post(
        server,
        token=simple.token,
        content="userDagMapping",
        action="import",
        format="json",
        data='[{"redcap_data_access_group":"test_dag"}]',
    )
    assert answer.status_code == 400
    assert answer.json() == {"error": "Row 1: username is missing or blank."}


def test_record_import_assigns_and_unassigns_dags(simple: Project) -> None:
    assert record_dags(simple) == {"1": "", "2": "", "3": "test_dag"}
    simple.import_records([{"record_id": "1", "redcap_data_access_group": "test_dag"}])
    assert record_dags(simple)["1"] == "test_dag"
    # A blank value changes nothing unless blanks overwrite (REDCap's rule for every value).
    simple.import_records([{"record_id": "1", "redcap_data_access_group": ""}])
    assert record_dags(simple)["1"] == "test_dag"
    simple.import_records(
        [{"record_id": "1", "redcap_data_access_group": ""}], overwrite="overwrite"
    )
    assert record_dags(simple) == {"1": "", "2": "", "3": "test_dag"}
    with pytest.raises(RedcapError, match="not the unique group name of a data access group"):
        simple.import_records([{"record_id": "2", "redcap_data_access_group": "nope"}])
    assert record_dags(simple)["2"] == ""


def test_dag_changes_are_logged(database: str, simple: Project) -> None:
    add_user(database, simple)
    simple.import_dags([{"data_access_group_name": "East", "unique_group_name": ""}])
    simple.import_dags([{"data_access_group_name": "West", "unique_group_name": "east"}])
    simple.import_user_dag_assignment(
        [{"username": "second_user", "redcap_data_access_group": "west"}]
    )
    simple.delete_dags(["west"])
    simple.switch_dag("test_dag")
    entries = simple.export_logging(log_type="manage")
    assert [entry["details"] for entry in entries[:5]] == [
        "Switch data access group (API) (group = 'test_dag')",
        "Delete data access group (API) (group_name = 'West')",
        "Assign user to data access group (API) (user = 'second_user', group = 'west')",
        "Rename data access group (API) ('East' to 'West')",
        "Create data access group (API) (group_name = 'East')",
    ]
    assert {entry["username"] for entry in entries[:5]} == {OWNER}
    assert {entry["action"] for entry in entries[:5]} == {"Manage/Design "}
