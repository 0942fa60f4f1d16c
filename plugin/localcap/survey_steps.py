"""Where a respondent is in a survey, and the answers as they stand.

A :class:`Visit` is one request of one respondent's survey: the project, the participant, the
language and the form's pages. The answers travel with the pages (``__answers``, a JSON object of
every column not on the current page) until the response is stored; each request reads them back
over what is stored, takes the current page's answers from the form, keeps each read-only
question at its stored value and blanks each question branching hides, as REDCap's page does.
A page with no question branching shows is passed over; after the last comes the review.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field

from flask import request

from instruments.labels import plain_text
from instruments.naming import checkbox_column
from plugin.localcap.action_tags import kept_readonly
from plugin.localcap.project import Field, Project, Survey
from plugin.localcap.storage import Database
from plugin.localcap.survey_answers import normalised
from plugin.localcap.survey_texts import Language
from plugin.localcap.survey_view import asks, showing
from plugin.localcap.surveys import Participant, Place

REVIEW = "review"


@dataclass
class Visit:
    """One request of one respondent's survey: where it stands and in which language."""

    db: Database
    project: Project
    person: Participant
    survey: Survey
    language: Language
    languages: list[Language]
    fields: list[Field]
    stored: dict[str, str]
    return_code: str = ""
    pages: list[list[Field]] = field(default_factory=list)

    @property
    def place(self) -> Place:
        return self.person.place

    @property
    def say(self) -> dict[str, str]:
        """The words of the page itself (buttons, messages) in the page's language."""
        return self.language.say

    @property
    def title(self) -> str:
        """The survey's title in the page's language, else its own title, else the form's label."""
        form = self.project.form_map[self.place.form].label
        return self.language.title or self.survey.title or form

    @property
    def instructions(self) -> str:
        """The survey's instructions in the page's language, as plain lines (REDCap keeps them
        as rich text)."""
        own = self.survey.instructions if self.language is self.languages[0] else ""
        return plain_text(self.language.instructions or own)

    @property
    def acknowledgement(self) -> str:
        """The closing message in the page's language, as plain lines."""
        own = self.survey.acknowledgement if self.language is self.languages[0] else ""
        return plain_text(self.language.acknowledgement or own)

    def context(self) -> dict[str, object]:
        """What every template of the visit is given: its title, words and language code."""
        return {"title": self.title, "say": self.say, "lang": self.language.code}


def columns(fields: list[Field]) -> list[str]:
    """The answer columns of ``fields``: one per checkbox option, none for descriptive text."""
    return [column for item in fields if item.holds_data for column in item.export_columns()]


def current_page(visit: Visit) -> int | str:
    """The page the form was posted from: a page's index or the review; the first page when the form
    names no valid one."""
    where = request.form.get("__page", "")
    if where == REVIEW:
        return REVIEW
    return int(where) if where.isdigit() and int(where) < len(visit.pages) else 0


def collected(visit: Visit, where: int | str) -> dict[str, str]:
    """The answers as they stand: stored, then carried from earlier pages, then this page's
    (or, for a page posted whole, every question it sends); read-only questions keep their
    stored value and questions branching hides are blank."""
    values = dict(visit.stored)
    known = set(columns(visit.fields))
    try:
        carried = json.loads(request.form.get("__answers") or "{}")
    except ValueError:
        carried = {}
    if isinstance(carried, dict):
        values.update({k: v for k, v in carried.items() if k in known and isinstance(v, str)})
    on_page = {item.name for item in visit.pages[where]} if isinstance(where, int) else set()
    for item in visit.fields:
        if not item.holds_data or (item.name not in on_page and item.name not in request.form):
            continue
        if item.is_checkbox:
            picked = set(request.form.getlist(item.name))
            for code, _ in item.choices:
                values[checkbox_column(item.name, code)] = "1" if code in picked else "0"
        else:
            values[item.name] = normalised(item, request.form.get(item.name, ""))
    values = kept_readonly(visit.fields, values, visit.stored)
    for _ in range(len(visit.fields) + 1):  # a blanked answer may hide another in turn
        shown = showing(visit.project, visit.fields, values)
        changed = False
        for item in visit.fields:
            if item.name in shown or not item.holds_data:
                continue
            blank = "0" if item.is_checkbox else ""
            for column in item.export_columns():
                if values.get(column, blank) != blank:
                    values[column] = blank
                    changed = True
        if not changed:
            break
    return values


def asking(visit: Visit, shown: set[str]) -> list[int]:
    """The indices of the pages holding a question among ``shown``."""
    return [index for index, sheet in enumerate(visit.pages) if asks(sheet, shown)]


def first_page(visit: Visit, values: dict[str, str]) -> int | str:
    """The first page with a question to show for ``values``, else the review."""
    found = asking(visit, showing(visit.project, visit.fields, values))
    return found[0] if found else REVIEW


def neighbour(visit: Visit, where: int | str, shown: set[str], ahead: bool) -> int | str:
    """The next (or previous) page with a question to answer; after the last, the review."""
    pages = asking(visit, shown)
    here = len(visit.pages) if where == REVIEW else int(where)
    later = [index for index in pages if (index > here if ahead else index < here)]
    if ahead:
        return later[0] if later else REVIEW
    return later[-1] if later else (pages[0] if pages else REVIEW)


def page_of(visit: Visit, name: str) -> int:
    """The page that asks ``name`` (the first page for a field no page shows, such as one an
    action tag hides, which the import may still refuse)."""
    found = (i for i, sheet in enumerate(visit.pages) if any(f.name == name for f in sheet))
    return next(found, 0)
