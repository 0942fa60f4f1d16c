"""localcap's SQLite storage: one connection per request, WAL mode, hashed tokens.

An app holds one more connection open for its life (:func:`hold_open`), so that a request's
connection closing is never the file's last: the last one to close checkpoints the write-ahead
log into the file and deletes it, which a request would pay for (about 10 ms on a large project).

Record data is stored the way REDCap stores it: one row per (record, event, instance, field,
value), a checkbox holding one row per checked code, instance 1 for everything that does not
repeat. Whether a value belongs to a repeating instrument is not stored; it follows from the
project's repeating settings when the data is read, as in REDCap. The database file is its
owner's only. Wrong return codes are counted per survey link (``return_code_tries``,
:mod:`plugin.localcap.survey_guard`).

The settings REDCap's API cannot change (surveys and their settings, the survey language and
translations, missing-data codes, the Data Entry Trigger) are written by the setters here, which
localcap's project setup (:mod:`plugin.localcap.project_setup`) calls; ``set_production`` and
``set_upload_limit`` (REDCap's file upload limit), which no interface of localcap offers, are for
tests.
"""

from __future__ import annotations

import hashlib
import os
import re
import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from plugin.localcap.errors import NO_PERMISSION, ApiError
from reports.files import PRIVATE_FILE

SCHEMA = """
CREATE TABLE IF NOT EXISTS projects (
    project_id INTEGER PRIMARY KEY AUTOINCREMENT,
    title TEXT NOT NULL,
    creation_time TEXT NOT NULL,
    production_time TEXT NOT NULL DEFAULT '',
    in_production INTEGER NOT NULL DEFAULT 0
);
CREATE TABLE IF NOT EXISTS tokens (
    token_hash TEXT PRIMARY KEY,
    project_id INTEGER REFERENCES projects(project_id) ON DELETE CASCADE,
    username TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS settings (
    project_id INTEGER NOT NULL, name TEXT NOT NULL, value TEXT NOT NULL,
    PRIMARY KEY (project_id, name)
);
CREATE TABLE IF NOT EXISTS forms (
    project_id INTEGER NOT NULL, position INTEGER NOT NULL,
    form_name TEXT NOT NULL, form_label TEXT NOT NULL,
    PRIMARY KEY (project_id, form_name)
);
CREATE TABLE IF NOT EXISTS metadata (
    project_id INTEGER NOT NULL, position INTEGER NOT NULL,
    field_name TEXT NOT NULL, form_name TEXT NOT NULL, section_header TEXT NOT NULL,
    field_type TEXT NOT NULL, field_label TEXT NOT NULL,
    select_choices_or_calculations TEXT NOT NULL, field_note TEXT NOT NULL,
    text_validation_type_or_show_slider_number TEXT NOT NULL,
    text_validation_min TEXT NOT NULL, text_validation_max TEXT NOT NULL,
    identifier TEXT NOT NULL, branching_logic TEXT NOT NULL, required_field TEXT NOT NULL,
    custom_alignment TEXT NOT NULL, question_number TEXT NOT NULL,
    matrix_group_name TEXT NOT NULL, matrix_ranking TEXT NOT NULL, field_annotation TEXT NOT NULL,
    PRIMARY KEY (project_id, field_name)
);
CREATE TABLE IF NOT EXISTS arms (
    project_id INTEGER NOT NULL, arm_num INTEGER NOT NULL, name TEXT NOT NULL,
    PRIMARY KEY (project_id, arm_num)
);
CREATE TABLE IF NOT EXISTS events (
    event_id INTEGER PRIMARY KEY AUTOINCREMENT,
    project_id INTEGER NOT NULL, arm_num INTEGER NOT NULL, event_name TEXT NOT NULL,
    day_offset REAL NOT NULL DEFAULT 0, offset_min REAL NOT NULL DEFAULT 0,
    offset_max REAL NOT NULL DEFAULT 0, unique_event_name TEXT NOT NULL,
    custom_event_label TEXT NOT NULL DEFAULT ''
);
CREATE TABLE IF NOT EXISTS mappings (
    project_id INTEGER NOT NULL, event_id INTEGER NOT NULL, form_name TEXT NOT NULL,
    PRIMARY KEY (project_id, event_id, form_name)
);
CREATE TABLE IF NOT EXISTS repeating (
    project_id INTEGER NOT NULL, event_id INTEGER NOT NULL, form_name TEXT NOT NULL,
    custom_form_label TEXT NOT NULL DEFAULT '',
    PRIMARY KEY (project_id, event_id, form_name)
);
CREATE TABLE IF NOT EXISTS surveys (
    project_id INTEGER NOT NULL, form_name TEXT NOT NULL, title TEXT NOT NULL,
    save_and_return INTEGER NOT NULL DEFAULT 0,
    PRIMARY KEY (project_id, form_name)
);
CREATE TABLE IF NOT EXISTS survey_settings (
    project_id INTEGER NOT NULL, form_name TEXT NOT NULL,
    instructions TEXT NOT NULL DEFAULT '', acknowledgement TEXT NOT NULL DEFAULT '',
    expiration TEXT NOT NULL DEFAULT '',
    PRIMARY KEY (project_id, form_name)
);
CREATE TABLE IF NOT EXISTS translations (
    project_id INTEGER NOT NULL, language TEXT NOT NULL, content TEXT NOT NULL,
    PRIMARY KEY (project_id, language)
);
CREATE TABLE IF NOT EXISTS dags (
    group_id INTEGER PRIMARY KEY AUTOINCREMENT,
    project_id INTEGER NOT NULL, group_name TEXT NOT NULL, unique_group_name TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS record_dags (
    project_id INTEGER NOT NULL, record TEXT NOT NULL, group_id INTEGER NOT NULL,
    PRIMARY KEY (project_id, record)
);
CREATE TABLE IF NOT EXISTS user_dags (
    project_id INTEGER NOT NULL, username TEXT NOT NULL, group_id INTEGER NOT NULL,
    PRIMARY KEY (project_id, username)
);
CREATE TABLE IF NOT EXISTS user_rights (
    project_id INTEGER NOT NULL, username TEXT NOT NULL, rights TEXT NOT NULL,
    PRIMARY KEY (project_id, username)
);
CREATE TABLE IF NOT EXISTS data (
    project_id INTEGER NOT NULL, record TEXT NOT NULL, event_id INTEGER NOT NULL,
    instance INTEGER NOT NULL, field_name TEXT NOT NULL, value TEXT NOT NULL,
    PRIMARY KEY (project_id, record, event_id, instance, field_name, value)
) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS data_by_field ON data (project_id, field_name);
CREATE TABLE IF NOT EXISTS documents (
    doc_id INTEGER PRIMARY KEY AUTOINCREMENT, project_id INTEGER NOT NULL,
    name TEXT NOT NULL, mime_type TEXT NOT NULL, content BLOB NOT NULL
);
CREATE TABLE IF NOT EXISTS responses (
    project_id INTEGER NOT NULL, record TEXT NOT NULL, event_id INTEGER NOT NULL,
    form_name TEXT NOT NULL, instance INTEGER NOT NULL,
    identifier TEXT NOT NULL DEFAULT '', completion_time TEXT NOT NULL DEFAULT '',
    PRIMARY KEY (project_id, record, event_id, form_name, instance)
);
CREATE TABLE IF NOT EXISTS participants (
    project_id INTEGER NOT NULL, record TEXT NOT NULL, event_id INTEGER NOT NULL,
    form_name TEXT NOT NULL, instance INTEGER NOT NULL,
    hash TEXT NOT NULL UNIQUE, access_code TEXT NOT NULL, return_code TEXT NOT NULL,
    email TEXT NOT NULL DEFAULT '',
    PRIMARY KEY (project_id, record, event_id, form_name, instance)
);
CREATE TABLE IF NOT EXISTS queue_links (
    project_id INTEGER NOT NULL, record TEXT NOT NULL, hash TEXT NOT NULL UNIQUE,
    PRIMARY KEY (project_id, record)
);
CREATE TABLE IF NOT EXISTS log (
    log_id INTEGER PRIMARY KEY AUTOINCREMENT, project_id INTEGER NOT NULL,
    ts TEXT NOT NULL, username TEXT NOT NULL, kind TEXT NOT NULL,
    action TEXT NOT NULL, details TEXT NOT NULL, record TEXT NOT NULL DEFAULT ''
);
CREATE INDEX IF NOT EXISTS log_by_time ON log (project_id, ts);
CREATE TABLE IF NOT EXISTS return_code_tries (
    hash TEXT NOT NULL, failed_at REAL NOT NULL
);
CREATE INDEX IF NOT EXISTS return_code_tries_by_hash ON return_code_tries (hash, failed_at);
"""

SURVEY_LANGUAGE = "survey_language"  # the setting naming the dictionary's language: "code|name"
ADMIN_USER = "site_admin"  # the name REDCap gives its first administrator
_TOKEN = re.compile(r"^[A-Za-z0-9]+$")
TIME_FORMAT = "%Y-%m-%d %H:%M:%S"


# The first words of a record entry's ``action`` as REDCap's Export Logging writes them
# (Logging::renderLogRow: English.ini reporting_25/27/30 for a user, reporting_46/47 for a survey
# respondent, then " (API)" when the change came through the API).
RECORD_VERBS = {
    ("create", "API"): "Create record (API)",
    ("update", "API"): "Update record (API)",
    ("delete", "API"): "Delete record (API)",
    ("create", "survey"): "Create Response",
    ("update", "survey"): "Update Response",
}


def record_action(
    verb: str, record: str, via: str = "API", calculated: bool = False, event: str = ""
) -> str:
    """A record entry's ``action`` as REDCap writes it: ``Create record (API) 1``,
    ``Update record (API) (Auto calculation) 1``, ``Update Response 1`` for a survey page's save,
    ``Delete record (API) 1``. Each ends with the record's name (renderLogRow's ``$event<br>$id``
    with the line break made a space); in a longitudinal project ``event`` is the entry's event as
    REDCap labels it (``Event 1 (Arm 1: Arm 1)`` when there are several arms), which renderLogRow
    adds after the name in parentheses: ``Update record (API) 1 (Event 1 (Arm 1: Arm 1))``."""
    words = RECORD_VERBS[(verb, via)]
    if calculated:
        words += " (Auto calculation)"
    return f"{words} {record} ({event})" if event else f"{words} {record}"


def hash_token(token: str) -> str:
    """The SHA-256 hex digest of ``token``, which is all localcap keeps of a token."""
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


MANAGE = "Manage/Design "  # the action of every entry REDCap logs as a MANAGE event


def now() -> str:
    """REDCap's clock: the server's local time, to the second."""
    return datetime.now().strftime(TIME_FORMAT)


@dataclass(frozen=True)
class Caller:
    """Who a token belongs to: a project's user, or (``project_id`` None) the super user."""

    project_id: int | None
    username: str


class Database:
    """One SQLite connection in autocommit mode; writes go through :meth:`transaction`."""

    def __init__(self, connection: sqlite3.Connection) -> None:
        self.connection = connection

    def execute(self, sql: str, params: Any = ()) -> sqlite3.Cursor:
        return self.connection.execute(sql, params)

    def executemany(self, sql: str, rows: Any) -> sqlite3.Cursor:
        return self.connection.executemany(sql, rows)

    def rows(self, sql: str, params: Any = ()) -> list[sqlite3.Row]:
        """Every row of the query, read at once."""
        return list(self.connection.execute(sql, params))

    @contextmanager
    def transaction(self) -> Iterator[None]:
        """All or nothing: an exception rolls every write back."""
        self.connection.execute("BEGIN IMMEDIATE")
        try:
            yield
        except BaseException:
            self.connection.execute("ROLLBACK")
            raise
        self.connection.execute("COMMIT")

    def caller(self, token: str) -> Caller:
        """The owner of ``token``, or REDCap's 403 for a missing, malformed or unknown token."""
        if not _TOKEN.match(token or ""):
            raise ApiError(NO_PERMISSION, 403)
        found = self.rows(
            "SELECT project_id, username FROM tokens WHERE token_hash = ?", (hash_token(token),)
        )
        if not found:
            raise ApiError(NO_PERMISSION, 403)
        return Caller(found[0]["project_id"], found[0]["username"])

    def add_token(self, token: str, project_id: int | None, username: str = ADMIN_USER) -> None:
        """Keep ``token`` (its hash) for ``username`` in ``project_id``, or as a super token when it
        is None."""
        self.execute(
            "INSERT OR REPLACE INTO tokens (token_hash, project_id, username) VALUES (?, ?, ?)",
            (hash_token(token), project_id, username),
        )

    def log(
        self,
        project_id: int,
        username: str,
        kind: str,
        action: str,
        details: str,
        record: str = "",
        ts: str | None = None,
    ) -> None:
        """Add an entry to the project's log, which the API's ``log`` export reads: ``kind`` is its
        log type, ``action`` and ``details`` its text, at ``ts`` or now."""
        self.execute(
            "INSERT INTO log (project_id, ts, username, kind, action, details, record) "
            "VALUES (?, ?, ?, ?, ?, ?, ?)",
            (project_id, ts or now(), username, kind, action, details, record),
        )

    def setting(self, project_id: int, name: str, default: str = "") -> str:
        """A project setting's stored value, else ``default``."""
        found = self.rows(
            "SELECT value FROM settings WHERE project_id = ? AND name = ?", (project_id, name)
        )
        return found[0]["value"] if found else default

    def set_setting(self, project_id: int, name: str, value: str) -> None:
        """Store a project setting, replacing any value it had."""
        self.execute(
            "INSERT OR REPLACE INTO settings (project_id, name, value) VALUES (?, ?, ?)",
            (project_id, name, value),
        )


def connect(path: str | Path) -> sqlite3.Connection:
    """A SQLite connection in autocommit mode, rows readable by column name, foreign keys on; it
    waits up to 30 s for another writer's lock."""
    connection = sqlite3.connect(str(path), isolation_level=None, timeout=30)
    connection.row_factory = sqlite3.Row
    connection.execute("PRAGMA foreign_keys = ON")
    connection.execute("PRAGMA synchronous = NORMAL")
    return connection


def hold_open(path: str | Path) -> sqlite3.Connection:
    """A connection kept open, idle, which any thread may close: while it is open, no request's
    connection is the file's last to close (see the module's docstring)."""
    connection = sqlite3.connect(
        str(path), isolation_level=None, timeout=30, check_same_thread=False
    )
    # A read maps the log's shared memory, which is what makes a connection count as open.
    connection.execute("SELECT 1 FROM sqlite_master LIMIT 1").fetchall()
    return connection


@contextmanager
def open_database(path: str | Path) -> Iterator[Database]:
    """A connection for one request, closed however the request ends."""
    connection = connect(path)
    try:
        yield Database(connection)
    finally:
        connection.close()


def initialise(path: str | Path, super_token: str | None = None) -> None:
    """Create the schema (idempotent); with ``super_token``, make it the only super token.

    The file holds respondent data and token hashes, so it is made its owner's only (0600)
    before SQLite opens it, which gives its -wal and -shm files the same mode; a file an older
    localcap left readable by others is narrowed.
    """
    owner_only(Path(path))
    with open_database(path) as db:
        db.execute("PRAGMA journal_mode = WAL")
        db.connection.executescript(SCHEMA)
        if super_token is not None:
            with db.transaction():
                db.execute("DELETE FROM tokens WHERE project_id IS NULL")
                db.add_token(super_token, None)


def owner_only(path: Path) -> None:
    """Create ``path`` if missing and narrow it to its owner only (0600)."""
    os.close(os.open(path, os.O_WRONLY | os.O_CREAT, PRIVATE_FILE))
    if path.stat().st_mode & 0o777 != PRIVATE_FILE:
        path.chmod(PRIVATE_FILE)


def has_super_token(path: str | Path) -> bool:
    """Whether the database at ``path`` already has a super token (its hash, that is)."""
    if not Path(path).exists():
        return False
    with open_database(path) as db:
        try:
            return bool(db.rows("SELECT 1 FROM tokens WHERE project_id IS NULL LIMIT 1"))
        except sqlite3.OperationalError:
            return False


def set_production(path: str | Path, token: str, in_production: bool = True) -> None:
    """Move the token's project to production (or back to development).

    REDCap's API has no method for this; an administrator does it in the web interface. Tests use
    this to reach REDCap's production-status behaviour.
    """
    with open_database(path) as db:
        project_id = _project_of(db, token)
        with db.transaction():
            db.execute(
                "UPDATE projects SET in_production = ?, production_time = ? WHERE project_id = ?",
                (int(in_production), now() if in_production else "", project_id),
            )


def set_missing_data_codes(path: str | Path, token: str, codes: str) -> None:
    """Set the token's project's missing-data codes (``"NA, Not applicable | UNK, Unknown"``).

    REDCap's API cannot set them: a designer does it in Project Setup. localcap takes them over
    HTTP in its project setup (:mod:`plugin.localcap.project_setup`), which calls this.
    """
    with open_database(path) as db:
        project_id = _project_of(db, token)
        with db.transaction():
            db.set_setting(project_id, "missing_data_codes", codes)


def set_upload_limit(path: str | Path, token: str, megabytes: int | None) -> None:
    """Set (or, with None, clear) the largest file, in MB, that the token's project takes in a file
    upload field; it only ever lowers the server's own limit.

    In REDCap this is the administrator's "Maximum file size for file upload fields" (the
    ``edoc_upload_max`` setting of Control Center > File Upload Settings); the API has no method
    for it.
    """
    with open_database(path) as db:
        project_id = _project_of(db, token)
        with db.transaction():
            db.set_setting(
                project_id, "edoc_upload_max", "" if megabytes is None else str(megabytes)
            )


def _project_of(db: Database, token: str) -> int:
    caller = db.caller(token)
    if caller.project_id is None:
        raise ApiError(NO_PERMISSION, 403)
    return caller.project_id


def enable_surveys(
    path: str | Path,
    token: str,
    surveys: dict[str, str],
    *,
    save_and_return: bool = True,
    queue: bool = False,
) -> None:
    """Enable the forms ``surveys`` (form name -> survey title) as surveys of the token's project.

    REDCap's API cannot do this: a designer enables each survey in the Online Designer; localcap
    takes it in its project setup. A form that does not exist yet may be named;
    it becomes a survey once a data dictionary brings it. Existing survey settings are kept.
    """
    with open_database(path) as db:
        project_id = _project_of(db, token)
        with db.transaction():
            db.set_setting(project_id, "surveys_enabled", "1")
            if queue:
                db.set_setting(project_id, "survey_queue_enabled", "1")
            db.executemany(
                "INSERT OR IGNORE INTO surveys (project_id, form_name, title, save_and_return) "
                "VALUES (?, ?, ?, ?)",
                [
                    (project_id, form, title, int(save_and_return))
                    for form, title in surveys.items()
                ],
            )


def set_survey_settings(
    path: str | Path,
    token: str,
    form: str,
    *,
    title: str = "",
    instructions: str = "",
    acknowledgement: str = "",
    expiration: str = "",
) -> None:
    """Set what a survey's respondents read: its title, the instructions above its first page,
    the acknowledgement after a finished response, and its expiration ("YYYY-MM-DD HH:MM":
    from then on the link says the survey has closed; "" for none).

    In REDCap these are the Online Designer's Survey Settings; the API has no method for them.
    The form must already be a survey (``enable_surveys``).
    """
    with open_database(path) as db:
        project_id = _project_of(db, token)
        with db.transaction():
            if title:
                db.execute(
                    "UPDATE surveys SET title = ? WHERE project_id = ? AND form_name = ?",
                    (title, project_id, form),
                )
            db.execute(
                "INSERT INTO survey_settings (project_id, form_name, instructions, "
                "acknowledgement, expiration) VALUES (?, ?, ?, ?, ?) ON CONFLICT (project_id, "
                "form_name) DO UPDATE SET instructions = excluded.instructions, "
                "acknowledgement = excluded.acknowledgement, expiration = excluded.expiration",
                (project_id, form, instructions, acknowledgement, expiration),
            )


def set_translation(path: str | Path, token: str, language: str, content: str) -> None:
    """Keep (or, with ``content`` "", drop) the translation of the token's project into
    ``language``: the JSON translation file ``qiscan instruments compile`` writes, which the
    survey pages offer as a language. In REDCap a designer loads it in Multi-Language
    Management; the API has no method for it."""
    with open_database(path) as db:
        project_id = _project_of(db, token)
        with db.transaction():
            db.execute(
                "DELETE FROM translations WHERE project_id = ? AND language = ?",
                (project_id, language),
            )
            if content:
                db.execute(
                    "INSERT INTO translations (project_id, language, content) VALUES (?, ?, ?)",
                    (project_id, language, content),
                )


def set_survey_language(path: str | Path, token: str, code: str, name: str) -> None:
    """Name the language of the project's own dictionary (``code``, e.g. "en", and its name),
    the one its survey pages offer first; in REDCap, Multi-Language Management's base
    language."""
    with open_database(path) as db:
        project_id = _project_of(db, token)
        with db.transaction():
            db.set_setting(project_id, SURVEY_LANGUAGE, f"{code}|{name}")


def set_data_entry_trigger(path: str | Path, token: str, url: str) -> None:
    """Set (or, with ``""``, clear) the Data Entry Trigger URL of the token's project.

    In REDCap this is Project Setup > Additional customizations > Data Entry Trigger; the API
    has no method for it.
    """
    with open_database(path) as db:
        project_id = _project_of(db, token)
        with db.transaction():
            db.set_setting(project_id, "data_entry_trigger_url", url.strip())
