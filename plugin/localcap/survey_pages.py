"""The survey pages: what a respondent opens from a survey link (``/surveys/?s=``) or a survey
queue link (``/surveys/?sq=``).

A survey is shown a page at a time, a new page at each section header (``survey_view``), with
its progress, then a review of every answer before the final submit. The answers travel with
the pages and nothing is stored until the respondent submits (complete) or uses "Save & Return
Later" (partial): then they go through the same checks as an API import, all or nothing, and the
Data Entry Trigger fires.

"Next" checks the page's answers first (``survey_answers``: required, type, minimum and
maximum, the action tags' limits) and says each problem beside its question, in the page's
language, every answer kept. Branching logic is the server's: the page's script
(``static/branching.js``, compiled from the same logic by ``logic_js``) only shows and hides
questions as the respondent answers. Without the script, a page whose answers bring up new
questions on it is shown again with them before it moves on. Questions hidden by branching are
saved blank, as REDCap's page erases them; the logic itself is never shown. A partial response
with Save & Return asks for its return code before showing the answers again. A page's body,
each answer's length and wrong return codes are bounded (``survey_guard``); a survey past its
expiration says it has closed.
"""

from __future__ import annotations

import hmac
import json
import math
from datetime import datetime
from pathlib import Path

from flask import Flask, Response, render_template, request, send_file

from plugin.localcap.action_tags import defaults
from plugin.localcap.errors import ApiError
from plugin.localcap.logic_js import page_logic, referenced_values, script_json
from plugin.localcap.project import Project, Survey, load_project
from plugin.localcap.server import whole_body
from plugin.localcap.storage import Database, open_database
from plugin.localcap.survey_answers import page_problems
from plugin.localcap.survey_checks import ANSWERED_TYPES, by_field
from plugin.localcap.survey_guard import (
    TRIES,
    asked,
    locked_for,
    page_body_limit,
    right_code,
    tries_left,
    wrong_code,
)
from plugin.localcap.survey_steps import (
    REVIEW,
    Visit,
    asking,
    collected,
    columns,
    current_page,
    first_page,
    neighbour,
    page_of,
)
from plugin.localcap.survey_store import save_response, stored_row
from plugin.localcap.survey_texts import available, chosen
from plugin.localcap.survey_view import questions, sheets, showing, survey_fields
from plugin.localcap.survey_words import words
from plugin.localcap.surveys import (
    COMPLETE,
    NOT_STARTED,
    PARTIAL,
    Place,
    participant,
    participant_by_hash,
    queue_by_hash,
    response_status,
    survey_link,
)

SCRIPT = Path(__file__).parent / "static" / "branching.js"


def page(template: str, status: int = 200, **context: object) -> tuple[str, int]:
    """The rendered template and its status; the page's words are English unless ``say`` and
    ``lang`` are given."""
    context.setdefault("say", words("en"))
    context.setdefault("lang", "en")
    return render_template(template, **context), status


def message(visit: Visit | None, status: int, title: str, text: str) -> tuple[str, int]:
    """A page that only says ``text`` under ``title``, in the visit's language (English without a
    visit)."""
    if visit is None:
        return page("survey_message.html", status, title=title, message=text)
    return page("survey_message.html", status, message=text, **{**visit.context(), "title": title})


def closed_since(survey: Survey, now: datetime | None = None) -> str:
    """The survey's expiration when it has passed ("" while it is open)."""
    if not survey.expiration.strip():
        return ""
    try:
        ends = datetime.fromisoformat(survey.expiration.strip())
    except ValueError:
        return ""
    return survey.expiration.strip() if (now or datetime.now()) >= ends else ""


def survey_page(db: Database, hash_: str) -> tuple[str, int]:
    """The page a survey link (``?s=``) opens or a posted page leads to: not found (404), closed,
    already done, the return code's prompt, or a page of questions."""
    found = participant_by_hash(db, hash_)
    if found is None:
        say = words(request.accept_languages.best_match(["en", "fr", "es"]) or "en")
        return page(
            "survey_message.html", 404, title=say["not_found_title"], message=say["not_found"]
        )
    project = load_project(db, found[0])
    person = found[1]
    if person.place.form not in project.survey_forms:
        say = words("en")
        return message(None, 404, say["not_active_title"], say["not_active"])
    request.max_content_length = page_body_limit(project, person.place.form, ANSWERED_TYPES)
    whole_body()  # refused (413) past the page's limit, before the form is read
    action = request.form.get("__action", "") if request.method == "POST" else ""
    languages = available(db, project, person.place.form)
    switched = action[5:] if action.startswith("lang:") else ""
    language = chosen(
        languages, switched or request.form.get("__lang") or request.args.get("lang", "")
    )
    visit = Visit(
        db,
        project,
        person,
        project.surveys[person.place.form],
        language,
        languages,
        survey_fields(project, person.place.form),
        {},
    )
    ended = closed_since(visit.survey)
    if ended:
        return message(visit, 200, visit.title, visit.say["closed"].format(date=ended[:10]))
    status, _ = response_status(db, project, visit.place)
    if status == COMPLETE:
        return message(visit, 200, visit.title, visit.say["already_done"])
    if status == PARTIAL and visit.survey.save_and_return:
        visit.return_code = request.form.get("__return_code", "").strip().upper()
        refused = check_return_code(visit)
        if refused is not None:
            return refused
    visit.stored = stored_row(db, project, visit.place)
    if status == NOT_STARTED:  # hidden questions' defaults too (@HIDDEN @DEFAULT='web')
        answers = asked(project, visit.place.form, ANSWERED_TYPES)
        visit.stored.update(defaults(answers, visit.stored))
    visit.pages = sheets(visit.fields)
    if request.method != "POST" or not action:
        return draw(visit, first_page(visit, visit.stored), visit.stored)
    return step(visit, action)


def step(visit: Visit, action: str) -> tuple[str, int]:
    """Act on a posted page's button: go to a page or back, go next once the page's answers pass
    their checks, or save or submit the response; a refused answer is said beside its question
    (400)."""
    where = current_page(visit)
    values = collected(visit, where)
    shown = showing(visit.project, visit.fields, values)
    say = visit.say
    if action.startswith("page:") and action[5:].isdigit():
        return draw(visit, min(int(action[5:]), len(visit.pages) - 1), values)
    if action == "previous":
        return draw(visit, neighbour(visit, where, shown, False), values)
    if action == "next" and isinstance(where, int):
        sheet = visit.pages[where]
        # Without the script, questions these answers bring up were never seen: show them first.
        drawn = set(request.form.get("__shown", "").split())
        brought = {
            item.name
            for item in sheet
            if item.name in shown and item.name not in drawn and item.holds_data
        }
        if request.form.get("__js") == "1":
            brought = set()
        problems = page_problems(sheet, values, visit.stored, shown - brought, say)
        if problems:
            return draw(visit, where, values, problems, status=400)
        if brought:
            return draw(visit, where, values, note=say["more_questions"])
        return draw(visit, neighbour(visit, where, shown, True), values)
    if action in ("save", "submit"):
        complete = action == "submit"
        problems = page_problems(visit.fields, values, visit.stored, shown, say, required=complete)
        if problems:
            return draw(visit, page_of(visit, next(iter(problems))), values, problems, status=400)
        refused = save_response(visit.db, visit.project, visit.person, values, complete)
        if refused:
            problems = by_field(refused, say)
            at = page_of(visit, next(iter(problems))) if problems else where
            return draw(visit, at, values, problems, errors=refused, status=400)
        if complete:
            return message(visit, 200, visit.title, visit.acknowledgement or say["thanks"])
        return page(
            "survey_saved.html",
            200,
            return_code=visit.person.return_code,
            link=survey_link(visit.person.hash),
            save_and_return=visit.survey.save_and_return,
            **visit.context(),
        )
    return draw(visit, where, values)


def draw(
    visit: Visit,
    where: int | str,
    values: dict[str, str],
    problems: dict[str, str] | None = None,
    *,
    note: str = "",
    errors: list[str] | None = None,
    status: int = 200,
) -> tuple[str, int]:
    """The page ``where`` (or the review) with ``values`` and each problem at its question."""
    problems = problems or {}
    shown = showing(visit.project, visit.fields, values)
    pages = asking(visit, shown)
    texts = visit.language.fields
    common = {
        **visit.context(),
        "languages": visit.languages if len(visit.languages) > 1 else [],
        "save_and_return": visit.survey.save_and_return,
        "return_code": visit.return_code,
        "pages": len(pages),
    }
    if where == REVIEW:
        sections = []
        for number, index in enumerate(pages, start=1):
            drawn = questions(visit.pages[index], values, shown, texts)
            heading = drawn[0].header_lines[0] or visit.say["page_of"].format(
                page=number, pages=len(pages)
            )
            answers = [q for q in drawn if q.visible and q.field.holds_data]
            sections.append((index, number, heading, answers))
        return page(
            "survey_review.html",
            status,
            sections=sections,
            answers=json.dumps({c: values.get(c, "") for c in columns(visit.fields)}),
            page=REVIEW,
            number=len(pages) + 1,
            **common,
        )
    index = int(where)
    sheet = visit.pages[index]
    on_page = set(columns(sheet))
    carried = {c: values.get(c, "") for c in columns(visit.fields) if c not in on_page}
    logic = page_logic(visit.project, visit.fields)  # a question elsewhere may hide one here
    logic["values"] = referenced_values(logic, values)
    drawn = questions(sheet, values, shown, texts)
    listed = [(q.name, q.label, problems[q.name]) for q in drawn if q.name in problems]
    return page(
        "survey_form.html",
        status,
        questions=drawn,
        field_errors=problems,
        listed=listed,
        errors=[] if listed else (errors or []),
        note=note,
        page=index,
        number=(pages.index(index) + 1) if index in pages else 1,
        first=not pages or index <= pages[0],
        instructions=visit.instructions if not pages or index == pages[0] else "",
        answers=json.dumps(carried),
        shown=" ".join(sorted(item.name for item in sheet if item.name in shown)),
        branching=script_json(logic),
        **common,
    )


def check_return_code(visit: Visit) -> tuple[str, int] | None:
    """None when the page was sent the participant's return code; else the page that asks for
    it again, or says the link is locked after too many wrong codes (``survey_guard``)."""
    db, person, code = visit.db, visit.person, visit.return_code
    wait = locked_for(db, person.hash)
    if not wait and code and hmac.compare_digest(code.encode(), person.return_code.encode()):
        right_code(db, person.hash)
        return None
    if not wait and code:
        wrong_code(db, person.hash)
        wait = locked_for(db, person.hash)
    if wait:
        minutes = math.ceil(wait / 60)
        return message(
            visit,
            429,
            visit.title,
            f"This survey link is locked for {minutes} more minute"
            f"{'s' if minutes != 1 else ''}: a wrong return code was entered {TRIES} times. "
            "Wait, then enter the return code shown when your answers were saved (the "
            "survey team can send it to you again).",
        )
    wrong = bool(code)
    left = tries_left(db, person.hash)
    return page(
        "survey_code.html", 403 if wrong else 200, wrong=wrong, left=left, **visit.context()
    )


def queue_page(db: Database, hash_: str) -> tuple[str, int]:
    """The survey queue of a queue link (``?sq=``): every survey of the record's arm with its status
    and link, or not found (404)."""
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

    @app.route("/surveys/branching.js")
    def branching_script() -> Response:
        return send_file(SCRIPT, mimetype="text/javascript", max_age=3600)

    @app.route("/surveys/", methods=["GET", "POST"])
    def surveys() -> tuple[str, int]:
        with open_database(app.config["LOCALCAP_DB"]) as db:
            try:
                if request.args.get("sq"):
                    return queue_page(db, request.args["sq"])
                return survey_page(db, request.args.get("s", ""))
            except ApiError as exc:
                return page("survey_message.html", 400, title="Survey", message=exc.message)
