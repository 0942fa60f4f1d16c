"""The languages a survey page can be read in, and its texts in the one chosen.

The project's own language comes from its dictionary; each other language from a translation
file kept for the project (``storage.set_translation``: the file ``qiscan instruments compile``
writes, as REDCap's Multi-Language Management takes one). A respondent's language is the one the
page was switched to, else the one the invitation link names (``&lang=fr``), else the best match
of the browser's languages, else the project's own. Answers are stored as codes whatever the
language, so a response reads the same in every one.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from functools import lru_cache

from flask import request

from instruments.translation_file import FieldPageTexts, PageTexts, read_translation_file
from plugin.localcap.project import Project
from plugin.localcap.storage import SURVEY_LANGUAGE, Database
from plugin.localcap.survey_words import words


@dataclass
class Language:
    """A language a survey page can be shown in, with the form's texts translated into it (none for
    the project's own language, whose texts are the dictionary's)."""

    code: str
    name: str
    fields: dict[str, FieldPageTexts] = field(default_factory=dict)
    title: str = ""
    instructions: str = ""
    acknowledgement: str = ""

    @property
    def say(self) -> dict[str, str]:
        """The words of the page itself in this language, English where it has none."""
        return words(self.code)


def primary(project: Project) -> tuple[str, str]:
    """The code and name of the project's own language (the ``survey_language`` setting), English
    when unset."""
    code, _, name = project.settings.get(SURVEY_LANGUAGE, "en|English").partition("|")
    return code or "en", name or code or "English"


def available(db: Database, project: Project, form: str) -> list[Language]:
    """The page's languages, the project's own first, each with its texts for ``form``."""
    code, name = primary(project)
    found = [Language(code, name)]
    for row in db.rows(
        "SELECT language, content FROM translations WHERE project_id = ? ORDER BY language",
        (project.project_id,),
    ):
        if row["language"] == code:
            continue
        texts = _read(row["content"])
        form_texts = texts.forms.get(form)
        survey = form_texts.survey if form_texts else None
        found.append(
            Language(
                texts.language,
                texts.name or texts.language,
                dict(texts.fields),
                survey.title if survey else "",
                survey.instructions if survey else "",
                survey.acknowledgement if survey else "",
            )
        )
    return found


@lru_cache(maxsize=64)
def _read(content: str) -> PageTexts:
    """A stored translation file read once per content, not on every page request."""
    return read_translation_file(json.loads(content))


def chosen(languages: list[Language], asked: str) -> Language:
    """The language asked for (the page's switch or the link), else the browser's best."""
    by_code = {language.code: language for language in languages}
    if asked in by_code:
        return by_code[asked]
    best = request.accept_languages.best_match(list(by_code))
    return by_code[best] if best else languages[0]
