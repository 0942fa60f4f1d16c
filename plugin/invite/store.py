"""Who was invited to which project: kept locally, never in the survey project itself.

Member names and e-mail addresses are contact details, not survey data, so they stay in the
instance folder's ``invitations.sqlite``; REDCap holds only the member's record (pre-filled
with its organisation type) and answers the survey link and return code for it.
"""

from __future__ import annotations

import sqlite3
from contextlib import closing
from dataclasses import dataclass
from pathlib import Path

SCHEMA = """
CREATE TABLE IF NOT EXISTS invitation (
    project TEXT NOT NULL,
    instrument TEXT NOT NULL,
    record TEXT NOT NULL,
    name TEXT NOT NULL,
    email TEXT NOT NULL,
    org_code TEXT NOT NULL,
    survey_link TEXT NOT NULL,
    return_code TEXT NOT NULL,
    language TEXT NOT NULL DEFAULT '',
    PRIMARY KEY (project, email)
);
"""
COLUMNS = "project, instrument, record, name, email, org_code, survey_link, return_code, language"


@dataclass(frozen=True)
class Invitation:
    """A member invited to a project: their record, contact details, and personal survey link and
    return code ("" until fetched)."""

    project: str
    instrument: str
    record: str
    name: str
    email: str
    org_code: str
    survey_link: str
    return_code: str
    language: str = ""  # the page's language the member's link opens in; "" for the default

    @property
    def link(self) -> str:
        """The survey link to send: in the member's language when the list named one."""
        if not self.survey_link or not self.language:
            return self.survey_link
        return f"{self.survey_link}&lang={self.language}"


class InvitationStore:
    """The invitations, kept in a local SQLite file that opening the store makes or brings up to
    date."""

    def __init__(self, path: Path) -> None:
        self.path = Path(path)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        with closing(sqlite3.connect(self.path)) as connection, connection:
            connection.executescript(SCHEMA)
            known = {row[1] for row in connection.execute("PRAGMA table_info(invitation)")}
            if "language" not in known:  # a store made before members had a language
                connection.execute(
                    "ALTER TABLE invitation ADD COLUMN language TEXT NOT NULL DEFAULT ''"
                )

    def invitations(self, project: str) -> list[Invitation]:
        """The project's invitations, in record order."""
        with closing(sqlite3.connect(self.path)) as connection:
            rows = connection.execute(
                f"SELECT {COLUMNS} FROM invitation WHERE project = ?"
                " ORDER BY CAST(record AS INTEGER), record",
                (project,),
            ).fetchall()
        return [Invitation(*row) for row in rows]

    def save(self, invitations: list[Invitation]) -> None:
        """Add invitations, or replace those with the same project and e-mail."""
        with closing(sqlite3.connect(self.path)) as connection, connection:
            connection.executemany(
                f"INSERT OR REPLACE INTO invitation ({COLUMNS}) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
                [
                    (
                        i.project,
                        i.instrument,
                        i.record,
                        i.name,
                        i.email,
                        i.org_code,
                        i.survey_link,
                        i.return_code,
                        i.language,
                    )
                    for i in invitations
                ],
            )
