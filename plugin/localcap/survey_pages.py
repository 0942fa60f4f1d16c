"""The survey pages: what a respondent opens from a survey link (``/surveys/?s=``) or a survey
queue link (``/surveys/?sq=``).

A page shows the survey form; submitting it saves the answers through the same checks as an
API import (all or nothing: a rejected value is shown back and nothing is stored), records the
survey response (complete, or partial for "Save & Return Later") and then fires the Data Entry
Trigger. A finished response needs every required question that branching shows; each refused or
missing answer is said beside its question (``survey_checks``), every answer given is kept on
the page, and nothing is stored. Questions hidden by branching logic are saved blank, as
REDCap's page erases them; the logic itself is never shown to a respondent. A
partial response with Save & Return asks for its return code before showing the answers again.
A page's body, each answer's length and wrong return codes are bounded (``survey_guard``).
"""

from __future__ import annotations

import hmac
import math
from dataclasses import dataclass

from flask import Flask, render_template, request

from instruments.labels import plain_text
from instruments.naming import checkbox_column, complete_field
from plugin.localcap.errors import ApiError
from plugin.localcap.import_check import number_records, plan_import
from plugin.localcap.project import Field, Project, load_project
from plugin.localcap.record_filters import EVENT_COLUMN
from plugin.localcap.records_import import apply_plan
from plugin.localcap.rows import RecordRow, load_rows
from plugin.localcap.server import whole_body
from plugin.localcap.storage import Database, now, open_database
from plugin.localcap.survey_checks import (
    ANSWERED_TYPES,
    by_field,
    required_missing,
    shown,
    submitted_values,
)
from plugin.localcap.survey_guard import (
    TRIES,
    asked,
    locked_for,
    page_body_limit,
    right_code,
    too_long,
    tries_left,
    wrong_code,
)
from plugin.localcap.surveys import (
    COMPLETE,
    PARTIAL,
    Participant,
    Place,
    base_url,
    participant,
    participant_by_hash,
    queue_by_hash,
    response_status,
    survey_link,
)
from plugin.localcap.trigger import SURVEY_USERNAME, fire, trigger_payload, trigger_url


@dataclass
class Question:
    field: Field
    value: str
    checked: set[str]

    @property
    def label(self) -> str:
        return plain_text(self.field.label)

    @property
    def header(self) -> str:
        return plain_text(self.field.row.get("section_header", ""))

    @property
    def note(self) -> str:
        return plain_text(self.field.row.get("field_note", ""))

    @property
    def kind(self) -> str:
        return self.field.field_type

    @property
    def required(self) -> bool:
        return self.field.row.get("required_field", "").strip().lower() == "y"

    @property
    def choices(self) -> tuple[tuple[str, str], ...]:
        return self.field.choices


def questions(project: Project, form: str, row: dict[str, str]) -> list[Question]:
    found = []
    for item in project.form_fields(form):
        if item.status or item.name == project.record_id:
            continue
        if item.field_type not in ANSWERED_TYPES and item.field_type != "descriptive":
            continue
        checked = {
            code for code, _ in item.choices if row.get(checkbox_column(item.name, code)) == "1"
        }
        value = row.get(item.name, "")
        found.append(Question(item, value, checked))
    return found


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
    found = db.rows(
        "SELECT group_id FROM record_dags WHERE project_id = ? AND record = ?",
        (project.project_id, place.record),
    )
    dag = project.dag_by_id.get(found[0]["group_id"]) if found else None
    return dag.unique_name if dag else ""


def page(template: str, status: int = 200, **context: object) -> tuple[str, int]:
    return render_template(template, **context), status


def survey_page(db: Database, hash_: str) -> tuple[str, int]:
    found = participant_by_hash(db, hash_)
    if found is None:
        return page(
            "survey_message.html",
            404,
            title="Survey not found",
            message="This survey link is not valid. Check the link in your invitation.",
        )
    project = load_project(db, found[0])
    person = found[1]
    place = person.place
    if place.form not in project.survey_forms:
        return page(
            "survey_message.html",
            404,
            title="Survey not active",
            message="This survey is not active at the moment.",
        )
    survey = project.surveys[place.form]
    status, _ = response_status(db, project, place)
    context = {"title": survey.title or project.form_map[place.form].label}
    if status == COMPLETE:
        return page(
            "survey_message.html",
            title=context["title"],
            message="Thank you: this survey has already been completed.",
        )
    request.max_content_length = page_body_limit(project, place.form, ANSWERED_TYPES)
    whole_body()  # refused (413) past the page's limit, before the form is read
    code = request.form.get("__return_code", "").strip().upper()
    needs_code = status == PARTIAL and survey.save_and_return
    if needs_code:
        refused = check_return_code(db, person, code, context["title"])
        if refused is not None:
            return refused
    current = stored_row(db, project, place)
    action = request.form.get("__action", "") if request.method == "POST" else ""
    errors: list[str] = []
    field_errors: dict[str, str] = {}
    if action in ("submit", "save"):
        values = submitted_values(project, place, current)
        questions_asked = asked(project, place.form, ANSWERED_TYPES)
        # Only a finished response needs every required answer (Save & Return stores it as is).
        missing = {}
        if action == "submit":
            showing = {
                item.name
                for item in questions_asked
                if shown(project, item.row.get("branching_logic", ""), values)
            }
            missing = required_missing(project, questions_asked, values, showing)
        errors = (
            too_long(questions_asked, values)
            or [
                f"'{plain_text(project.field_map[name].label)}': {why}"
                for name, why in missing.items()
            ]
            or save_response(db, project, person, values, complete=action == "submit")
        )
        field_errors = missing or by_field(errors)
        if not errors and action == "submit":
            return page(
                "survey_message.html",
                title=context["title"],
                message="Thank you for taking the survey.",
            )
        if not errors:
            return page(
                "survey_saved.html",
                title=context["title"],
                return_code=person.return_code,
                link=survey_link(person.hash),
                save_and_return=survey.save_and_return,
            )
        current = values
    return page(
        "survey_form.html",
        400 if errors else 200,
        errors=errors,
        questions=questions(project, place.form, current),
        field_errors=field_errors,
        save_and_return=survey.save_and_return,
        return_code=code if needs_code else "",
        **context,
    )


def check_return_code(
    db: Database, person: Participant, code: str, title: str
) -> tuple[str, int] | None:
    """None when ``code`` is the participant's return code; else the page that asks for it
    again, or says the link is locked after too many wrong codes (``survey_guard``)."""
    wait = locked_for(db, person.hash)
    if not wait and code and hmac.compare_digest(code.encode(), person.return_code.encode()):
        right_code(db, person.hash)
        return None
    if not wait and code:
        wrong_code(db, person.hash)
        wait = locked_for(db, person.hash)
    if wait:
        minutes = math.ceil(wait / 60)
        return page(
            "survey_message.html",
            429,
            title=title,
            message=(
                f"This survey link is locked for {minutes} more minute"
                f"{'s' if minutes != 1 else ''}: a wrong return code was entered {TRIES} times. "
                "Wait, then enter the return code shown when your answers were saved (the "
                "survey team can send it to you again)."
            ),
        )
    wrong = bool(code)
    left = tries_left(db, person.hash)
    return page("survey_code.html", 403 if wrong else 200, wrong=wrong, left=left, title=title)


def queue_page(db: Database, hash_: str) -> tuple[str, int]:
    found = queue_by_hash(db, hash_)
    if found is None:
        return page(
            "survey_message.html",
            404,
            title="Survey queue not found",
            message="This survey queue link is not valid.",
        )
    project = load_project(db, found[0])
    record = found[1]
    arm = _record_arm(db, project, record)
    entries = []
    for event in project.events:
        if event.arm_num != arm:
            continue
        for form in project.survey_forms:
            if not project.designated(event.event_id, form):
                continue
            person = participant(db, project, Place(record, event.event_id, form, 1))
            status, _ = response_status(db, project, person.place)
            label = project.surveys[form].title or project.form_map[form].label
            if project.longitudinal:
                label = f"{label} ({event.name})"
            entries.append((label, status, survey_link(person.hash)))
    return page("survey_queue.html", title="Survey queue", entries=entries)


def _record_arm(db: Database, project: Project, record: str) -> int:
    found = db.rows(
        "SELECT event_id FROM data WHERE project_id = ? AND record = ? LIMIT 1",
        (project.project_id, record),
    )
    event = project.event_by_id.get(found[0]["event_id"]) if found else None
    return event.arm_num if event else (project.events[0].arm_num if project.events else 1)


def register(app: Flask) -> None:
    """Add the survey pages to a localcap app."""

    @app.route("/surveys/", methods=["GET", "POST"])
    def surveys() -> tuple[str, int]:
        with open_database(app.config["LOCALCAP_DB"]) as db:
            try:
                if request.args.get("sq"):
                    return queue_page(db, request.args["sq"])
                return survey_page(db, request.args.get("s", ""))
            except ApiError as exc:
                return page("survey_message.html", 400, title="Survey", message=exc.message)
