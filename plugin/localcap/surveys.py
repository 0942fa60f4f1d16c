"""The survey methods: ``surveyLink``, ``surveyAccessCode``, ``surveyReturnCode``,
``surveyQueueLink`` and ``participantList`` (redcap-api.md §2.7).

A participant is one record's place in one survey: (record, event, form, instance). It gets its
hash (the ``?s=`` of its link), access code and return code the first time anything asks for
them, and keeps them. Whether a participant has responded comes from the ``responses`` table,
which only the survey pages write: data imported through the API is not a survey response, in
REDCap as here.
"""

from __future__ import annotations

import secrets
import sqlite3
import string
from dataclasses import dataclass

from flask import current_app, request

from plugin.localcap import answers
from plugin.localcap.errors import ApiError
from plugin.localcap.params import Params
from plugin.localcap.project import Event, Project
from plugin.localcap.record_writers import NOT_COMPLETED
from plugin.localcap.rows import natural_key
from plugin.localcap.storage import Database

RECORD_MISSING = "The parameter 'record' is missing"
RECORD_UNKNOWN = 'The record "{record}" does not exist'
BAD_INSTRUMENT = "Invalid instrument"
NOT_A_SURVEY = "The instrument '{form}' has not been enabled as a survey"
EVENT_MISSING = "The parameter 'event' is missing"
BAD_EVENT = "Invalid event"
NOT_DESIGNATED = 'The instrument "{form}" has not been designated for the event "{event}"'
NO_RETURN = "The 'Save & Return Later' feature has not been enabled for this survey"
NO_QUEUE = (
    "The Survey Queue has not been enabled in this project. You will need to enable the "
    "Survey Queue before using this method."
)
BAD_INSTANCE = "The parameter 'repeat_instance' must be a positive integer"

_CODE_CHARACTERS = string.ascii_uppercase + string.digits
HASH_LENGTH = 16
ACCESS_CODE_LENGTH = 9
RETURN_CODE_LENGTH = 8
NOT_STARTED, PARTIAL, COMPLETE = 0, 1, 2

PARTICIPANT_COLUMNS = [
    "email",
    "email_occurrence",
    "identifier",
    "record",
    "invitation_sent_status",
    "invitation_send_time",
    "response_status",
    "survey_access_code",
    "survey_link",
]


@dataclass(frozen=True)
class Place:
    """One record's place in one survey."""

    record: str
    event_id: int
    form: str
    instance: int


@dataclass(frozen=True)
class Participant:
    """A place in a survey with its link's hash, its access and return codes and its e-mail
    address ("" for none)."""

    place: Place
    hash: str
    access_code: str
    return_code: str
    email: str


def base_url() -> str:
    """What REDCap calls its own address: the configured base URL, else where the call came."""
    configured = current_app.config.get("LOCALCAP_BASE_URL")
    return str(configured or request.url_root).rstrip("/") + "/"


def survey_link(hash_: str) -> str:
    """The survey link of a participant's hash (``/surveys/?s=``), at REDCap's own address."""
    return f"{base_url()}surveys/?s={hash_}"


def queue_link(hash_: str) -> str:
    """The survey queue link of a record's queue hash (``/surveys/?sq=``), at REDCap's own
    address."""
    return f"{base_url()}surveys/?sq={hash_}"


def _code(length: int) -> str:
    return "".join(secrets.choice(_CODE_CHARACTERS) for _ in range(length))


def survey_form(project: Project, name: str) -> str:
    """``name`` when it is a form enabled as a survey; REDCap's error otherwise."""
    if not name or name not in project.form_map:
        raise ApiError(BAD_INSTRUMENT)
    if name not in project.survey_forms:
        raise ApiError(NOT_A_SURVEY.format(form=name))
    return name


def survey_event(project: Project, form: str, name: str) -> Event | None:
    """The event a survey is asked about: required in a longitudinal project, None in a classic."""
    if not project.longitudinal:
        return None
    if not name:
        raise ApiError(EVENT_MISSING)
    event = project.event_map.get(name)
    if event is None:
        raise ApiError(BAD_EVENT)
    if not project.designated(event.event_id, form):
        raise ApiError(NOT_DESIGNATED.format(form=form, event=name))
    return event


def event_id_of(project: Project, event: Event | None) -> int:
    """The event's id; a classic project's single hidden event for None."""
    if event is not None:
        return event.event_id
    return project.events[0].event_id


def repeats(project: Project, event_id: int, form: str) -> bool:
    """Whether ``form`` repeats on the event, by itself or as part of a repeating event."""
    return project.repeats_form(event_id, form) or project.repeats_event(event_id)


def record_exists(db: Database, project: Project, record: str) -> bool:
    """Whether ``record`` holds any data in the project."""
    return bool(
        db.rows(
            "SELECT 1 FROM data WHERE project_id = ? AND record = ? LIMIT 1",
            (project.project_id, record),
        )
    )


def place_from(db: Database, project: Project, params: Params) -> Place:
    """The participant a survey call names, checked as REDCap checks it."""
    record = params.text("record").strip()
    if not record:
        raise ApiError(RECORD_MISSING)
    form = survey_form(project, params.text("instrument").strip())
    event = survey_event(project, form, params.text("event").strip())
    if not record_exists(db, project, record):
        raise ApiError(RECORD_UNKNOWN.format(record=record))
    event_id = event_id_of(project, event)
    instance = 1
    if repeats(project, event_id, form):
        text = params.text("repeat_instance", "1").strip() or "1"
        if not text.isdigit() or int(text) < 1:
            raise ApiError(BAD_INSTANCE)
        instance = int(text)
    return Place(record, event_id, form, instance)


def _participant(row: sqlite3.Row) -> Participant:
    place = Place(row["record"], row["event_id"], row["form_name"], row["instance"])
    return Participant(place, row["hash"], row["access_code"], row["return_code"], row["email"])


def participant(db: Database, project: Project, place: Place) -> Participant:
    """The participant at ``place``, given its hash and codes the first time it is asked for."""
    key = (project.project_id, place.record, place.event_id, place.form, place.instance)
    where = (
        "SELECT * FROM participants WHERE project_id = ? AND record = ? AND event_id = ? "
        "AND form_name = ? AND instance = ?"
    )
    found = db.rows(where, key)
    if not found:
        with db.transaction():
            db.execute(
                "INSERT OR IGNORE INTO participants (project_id, record, event_id, form_name, "
                "instance, hash, access_code, return_code) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                (
                    *key,
                    _code(HASH_LENGTH),
                    _code(ACCESS_CODE_LENGTH),
                    _code(RETURN_CODE_LENGTH),
                ),
            )
        found = db.rows(where, key)
    return _participant(found[0])


def participant_by_hash(db: Database, hash_: str) -> tuple[int, Participant] | None:
    """The project id and participant a survey link's hash belongs to."""
    found = db.rows("SELECT * FROM participants WHERE hash = ?", (hash_,))
    if not found:
        return None
    return int(found[0]["project_id"]), _participant(found[0])


def queue_hash(db: Database, project: Project, record: str) -> str:
    """The record's survey queue hash, made on first use."""
    where = "SELECT hash FROM queue_links WHERE project_id = ? AND record = ?"
    found = db.rows(where, (project.project_id, record))
    if not found:
        with db.transaction():
            db.execute(
                "INSERT OR IGNORE INTO queue_links (project_id, record, hash) VALUES (?, ?, ?)",
                (project.project_id, record, _code(HASH_LENGTH)),
            )
        found = db.rows(where, (project.project_id, record))
    return str(found[0]["hash"])


def queue_by_hash(db: Database, hash_: str) -> tuple[int, str] | None:
    """The project id and record a survey queue hash belongs to, or None."""
    found = db.rows("SELECT project_id, record FROM queue_links WHERE hash = ?", (hash_,))
    return (int(found[0]["project_id"]), str(found[0]["record"])) if found else None


def response_status(db: Database, project: Project, place: Place) -> tuple[int, str]:
    """(0 not started / 1 partial / 2 complete, the survey identifier)."""
    found = db.rows(
        "SELECT identifier, completion_time FROM responses WHERE project_id = ? AND record = ? "
        "AND event_id = ? AND form_name = ? AND instance = ?",
        (project.project_id, place.record, place.event_id, place.form, place.instance),
    )
    if not found:
        return NOT_STARTED, ""
    completed = found[0]["completion_time"]
    status = COMPLETE if completed and completed != NOT_COMPLETED else PARTIAL
    return status, str(found[0]["identifier"])


def _text(body: str) -> answers.Answer:
    return answers.Answer(body, answers.TEXT_TYPE)


def export_survey_link(
    db: Database, project: Project, params: Params, username: str
) -> answers.Answer:
    """REDCap's Export Survey Link of the participant the call names, as plain text."""
    return _text(survey_link(participant(db, project, place_from(db, project, params)).hash))


def export_access_code(
    db: Database, project: Project, params: Params, username: str
) -> answers.Answer:
    """REDCap's Export Survey Access Code of the participant the call names, as plain text."""
    return _text(participant(db, project, place_from(db, project, params)).access_code)


def export_return_code(
    db: Database, project: Project, params: Params, username: str
) -> answers.Answer:
    """REDCap's Export Survey Return Code of the participant the call names, as plain text; refused
    when the survey has no Save & Return."""
    place = place_from(db, project, params)
    if not project.surveys[place.form].save_and_return:
        raise ApiError(NO_RETURN)
    return _text(participant(db, project, place).return_code)


def export_queue_link(
    db: Database, project: Project, params: Params, username: str
) -> answers.Answer:
    """REDCap's Export Survey Queue Link of ``record``, as plain text; refused without a record,
    without a survey queue, or for a record that does not exist."""
    record = params.text("record").strip()
    if not record:
        raise ApiError(RECORD_MISSING)
    if not project.survey_queue:
        raise ApiError(NO_QUEUE)
    if not record_exists(db, project, record):
        raise ApiError(RECORD_UNKNOWN.format(record=record))
    return _text(queue_link(queue_hash(db, project, record)))


def participant_places(db: Database, project: Project, event_id: int, form: str) -> list[Place]:
    """Every existing record's place in the survey: in the event's arm, each existing instance
    of repeating data (at least instance 1), records in REDCap's order."""
    arm = project.event_by_id[event_id].arm_num
    arm_events = [event.event_id for event in project.events if event.arm_num == arm]
    marks = ", ".join("?" for _ in arm_events)
    records = {
        row["record"]
        for row in db.rows(
            f"SELECT DISTINCT record FROM data WHERE project_id = ? AND event_id IN ({marks})",
            (project.project_id, *arm_events),
        )
    }
    instances: dict[str, set[int]] = {record: {1} for record in records}
    if repeats(project, event_id, form):
        names = [item.name for item in project.form_fields(form)]
        if project.repeats_event(event_id):
            names = [item.name for item in project.data_fields]
        field_marks = ", ".join("?" for _ in names)
        for row in db.rows(
            "SELECT DISTINCT record, instance FROM data WHERE project_id = ? AND event_id = ? "
            f"AND field_name IN ({field_marks})",
            (project.project_id, event_id, *names),
        ):
            instances.setdefault(row["record"], {1}).add(int(row["instance"]))
    return [
        Place(record, event_id, form, instance)
        for record in sorted(instances, key=natural_key)
        for instance in sorted(instances[record])
    ]


def export_participants(
    db: Database, project: Project, params: Params, username: str
) -> answers.Answer:
    """REDCap's Export Survey Participant List of one survey (``instrument``, and ``event`` in a
    longitudinal project): every record's place in it with its codes, status and links."""
    form = survey_form(project, params.text("instrument").strip())
    event_id = event_id_of(project, survey_event(project, form, params.text("event").strip()))
    repeating = repeats(project, event_id, form)
    rows: list[dict[str, answers.Cell]] = []
    for place in participant_places(db, project, event_id, form):
        person = participant(db, project, place)
        status, identifier = response_status(db, project, place)
        row: dict[str, answers.Cell] = {
            "email": person.email,
            "email_occurrence": 1 if person.email else "",
            "identifier": identifier,
            "record": place.record,
        }
        if repeating:
            row["repeat_instance"] = place.instance
        row.update(
            invitation_sent_status=0,
            invitation_send_time="",
            response_status=status,
            survey_access_code=person.access_code,
            survey_link="" if status == COMPLETE else survey_link(person.hash),
        )
        if project.survey_queue:
            row["survey_queue_link"] = queue_link(queue_hash(db, project, place.record))
        rows.append(row)
    columns = list(rows[0]) if rows else PARTICIPANT_COLUMNS
    return answers.table(rows, params.format, columns)
