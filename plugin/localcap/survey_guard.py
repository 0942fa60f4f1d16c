"""What the survey pages accept from an anonymous respondent, and the headers they send.

* **An answer** is at most :data:`MAX_ANSWER_BYTES` (65,535) bytes of UTF-8: REDCap keeps every
  value, text and notes answers included, in a MySQL ``TEXT`` column (``redcap_data.value``),
  which holds no more. A longer one is refused with the page's other errors, nothing saved.
* **A page's body** may hold each of its questions at that length, URL-encoded (a byte can take
  three), and a little more for the page's own fields: a larger body is refused (413) by its
  length before it is read (``plugin.localcap.server.whole_body``).
* **A return code** may be guessed wrong :data:`TRIES` times within :data:`WINDOW` seconds;
  then the survey link is locked for :data:`WINDOW` seconds after the last wrong try, and
  a right code clears the count. REDCap's return codes have no such limit of their own; this
  follows its Survey Login, which locks a respondent out after a set number of failed logins
  within a set window (``survey_auth_fail_limit``, ``survey_auth_fail_window``). The tries are
  kept in localcap's database, per survey link, so a new browser or address does not reset them.
* **Headers**: every localcap answer forbids framing and content sniffing; the pages allow only
  their own inline stylesheet (by its hash), scripts from localcap itself only (the branching
  script; the page's data travels as a JSON block, never as inline script), and forms posting
  back to localcap; a survey link never leaks in a Referer header, and pages are not cached (answers
  are personal).
"""

from __future__ import annotations

import base64
import hashlib
import math
import re
import time

from flask import Flask, Response, request

from plugin.localcap.project import Field, Project
from plugin.localcap.storage import Database

MAX_ANSWER_BYTES = 65_535
PAGE_OVERHEAD = 64 * 1024  # the action, the return code, the field names
TRIES = 5
WINDOW = 15 * 60
STYLE = re.compile(r"<style>(.*?)</style>", re.S)
PAGE_TOO_LARGE = (
    "This page sent more than a survey page can hold, so nothing was saved: go back, shorten "
    "the longest answers and send it again."
)


def asked(project: Project, form: str, answered_types: frozenset[str]) -> list[Field]:
    """The questions a page of ``form`` asks."""
    return [
        item
        for item in project.form_fields(form)
        if item.field_type in answered_types and item.name != project.record_id
    ]


def page_body_limit(project: Project, form: str, answered_types: frozenset[str]) -> int:
    """The largest body a page of ``form`` can need: each question at the longest answer."""
    return len(asked(project, form, answered_types)) * 3 * MAX_ANSWER_BYTES + PAGE_OVERHEAD


def locked_for(db: Database, link_hash: str, now: float | None = None) -> int:
    """The seconds the survey link stays locked for wrong return codes; 0 when it is open."""
    now = time.time() if now is None else now
    found = [
        float(row["failed_at"])
        for row in db.rows(
            "SELECT failed_at FROM return_code_tries WHERE hash = ? "
            "ORDER BY failed_at DESC LIMIT ?",
            (link_hash, TRIES),
        )
    ]
    if len(found) < TRIES or found[0] - found[-1] > WINDOW:
        return 0
    return max(0, math.ceil(found[0] + WINDOW - now))


def tries_left(db: Database, link_hash: str, now: float | None = None) -> int:
    """How many wrong return codes the link may still take before it is locked."""
    since = (time.time() if now is None else now) - WINDOW
    found = db.rows(
        "SELECT COUNT(*) AS n FROM return_code_tries WHERE hash = ? AND failed_at > ?",
        (link_hash, since),
    )
    return max(0, TRIES - int(found[0]["n"]))


def wrong_code(db: Database, link_hash: str) -> None:
    """Count a wrong return code against the survey link ``link_hash``."""
    now = time.time()
    with db.transaction():
        db.execute(
            "DELETE FROM return_code_tries WHERE hash = ? AND failed_at < ?",
            (link_hash, now - 2 * WINDOW),
        )
        db.execute(
            "INSERT INTO return_code_tries (hash, failed_at) VALUES (?, ?)", (link_hash, now)
        )


def right_code(db: Database, link_hash: str) -> None:
    """Forget the wrong return codes of ``link_hash`` once the right one is given."""
    with db.transaction():
        db.execute("DELETE FROM return_code_tries WHERE hash = ?", (link_hash,))


def style_hash(app: Flask) -> str:
    """The CSP source of the pages' one inline stylesheet (in ``survey_base.html``, which has
    no template tags inside it, so the page carries it exactly as written)."""
    assert app.jinja_env.loader is not None
    source, _, _ = app.jinja_env.loader.get_source(app.jinja_env, "survey_base.html")
    found = STYLE.search(source)
    if found is None:
        raise RuntimeError("survey_base.html has no <style> block for the CSP to allow")
    digest = hashlib.sha256(found.group(1).encode("utf-8")).digest()
    return "'sha256-" + base64.b64encode(digest).decode("ascii") + "'"


def register(app: Flask) -> None:
    """Send the security headers on every answer of a localcap app."""
    policy = (
        f"default-src 'none'; script-src 'self'; style-src {style_hash(app)}; "
        "form-action 'self'; "
        "frame-ancestors 'none'; base-uri 'none'"
    )

    @app.after_request
    def _headers(response: Response) -> Response:
        response.headers.setdefault("Content-Security-Policy", policy)
        response.headers.setdefault("X-Frame-Options", "DENY")
        response.headers.setdefault("X-Content-Type-Options", "nosniff")
        response.headers.setdefault("Referrer-Policy", "no-referrer")
        if request.path.startswith("/surveys/"):
            response.headers.setdefault("Cache-Control", "no-store")
        return response
