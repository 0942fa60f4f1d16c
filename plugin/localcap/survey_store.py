"""Where a survey page's answers come from and go to: the stored response read as a flat row
(what branching logic reads), and a finished or saved page written through the record import
(all or nothing), with its survey response and the Data Entry Trigger.
"""

from __future__ import annotations

from instruments.naming import checkbox_column, complete_field
from plugin.localcap.import_check import number_records, plan_import
from plugin.localcap.project import Project
from plugin.localcap.record_filters import EVENT_COLUMN
from plugin.localcap.records_import import apply_plan
from plugin.localcap.rows import RecordRow, load_rows
from plugin.localcap.storage import Database, now
from plugin.localcap.survey_checks import ANSWERED_TYPES
from plugin.localcap.surveys import Participant, Place, base_url
from plugin.localcap.trigger import SURVEY_USERNAME, fire, trigger_payload, trigger_url


def flat_row(project: Project, row: RecordRow | None) -> dict[str, str]:
    """A stored row as the logic engine reads it: every column, checkboxes as 1/0."""
    flat: dict[str, str] = {}
    for item in project.data_fields:
        if item.is_checkbox:
            ticked = row.checked.get(item.name, set()) if row else set()
            for code, _ in item.choices:
                flat[checkbox_column(item.name, code)] = "1" if code in ticked else "0"
        elif item.holds_data:
            flat[item.name] = row.values.get(item.name, "") if row else ""
    return flat


def stored_row(db: Database, project: Project, place: Place) -> dict[str, str]:
    """The stored values at ``place`` as one flat row (blank when nothing is stored)."""
    rows = load_rows(db, project, [place.record])
    repeat = place.form if project.repeats_form(place.event_id, place.form) else ""
    row = rows.get((place.record, place.event_id, repeat, place.instance))
    flat = flat_row(project, row)
    if project.longitudinal:
        flat[EVENT_COLUMN] = project.event_by_id[place.event_id].unique_name
    return flat


def import_row(
    project: Project, place: Place, values: dict[str, str], status: str
) -> dict[str, str]:
    """A survey page's answers at ``place`` as a record import row with the form's status."""
    row: dict[str, str] = {project.record_id: place.record}
    if project.longitudinal:
        row[EVENT_COLUMN] = project.event_by_id[place.event_id].unique_name
    if project.repeats_form(place.event_id, place.form):
        row["redcap_repeat_instrument"] = place.form
    if project.repeats_form(place.event_id, place.form) or project.repeats_event(place.event_id):
        row["redcap_repeat_instance"] = str(place.instance)
    for item in project.form_fields(place.form):
        if item.status or item.name == project.record_id:
            continue
        if item.is_checkbox:
            for code, _ in item.choices:
                column = checkbox_column(item.name, code)
                row[column] = values.get(column, "0")
        elif item.field_type in ANSWERED_TYPES:
            row[item.name] = values.get(item.name, "")
    row[complete_field(place.form)] = status
    return row


def save_response(
    db: Database, project: Project, person: Participant, values: dict[str, str], complete: bool
) -> list[str]:
    """Save the page; REDCap's import errors when a value is refused (then nothing is saved)."""
    place = person.place
    status = "2" if complete else "0"
    plan = plan_import(project, [import_row(project, place, values, status)], "YMD", False)
    if plan.errors:
        return plan.errors
    number_records(plan, None)

    def record_response() -> None:
        db.execute(
            "INSERT INTO responses (project_id, record, event_id, form_name, instance, "
            "completion_time) VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT (project_id, record, "
            "event_id, form_name, instance) DO UPDATE SET completion_time = excluded."
            "completion_time",
            (
                project.project_id,
                place.record,
                place.event_id,
                place.form,
                place.instance,
                now() if complete else "",
            ),
        )

    apply_plan(db, project, plan, True, SURVEY_USERNAME, via="survey", also=record_response)
    url = trigger_url(project, base_url())
    if url:
        fire(
            url, trigger_payload(project, base_url(), place, status, record_dag(db, project, place))
        )
    return []


def record_dag(db: Database, project: Project, place: Place) -> str:
    """The unique name of the record's data access group, or ""."""
    found = db.rows(
        "SELECT group_id FROM record_dags WHERE project_id = ? AND record = ?",
        (project.project_id, place.record),
    )
    dag = project.dag_by_id.get(found[0]["group_id"]) if found else None
    return dag.unique_name if dag else ""
