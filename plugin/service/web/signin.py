"""Signing in to the web page, and the CSRF token its forms carry.

Signing in takes an API key once and starts a session the service keeps
(:class:`~plugin.service.models.WebSession`): the cookie holds a random session id and the
CSRF token, never the key, and the service stores only the id's hash, with the key (and a
fingerprint of the key's hash, so that a later key reusing a deleted key's id is not taken for
it) and when the session ends, a working day after signing in. Clearing a session, as signing
out and signing in afresh do, deletes its row (:class:`EndingSessions`), so every copy of the
old cookie is signed out with it; deleting the key ends its sessions too. The cookie is signed
with the service's secret key, HttpOnly and SameSite=Lax. Every form posts the session's CSRF
token, checked before anything is changed. Where a sign-in leads next is a plain path of the
web part or nowhere (:func:`safe_next`).
"""

from __future__ import annotations

import hmac
import re
import secrets
from collections.abc import Callable
from functools import wraps
from typing import ParamSpec, TypeVar
from urllib.parse import unquote

import sqlalchemy as sa
from flask import Flask, abort, current_app, g, redirect, request, session, url_for
from flask.sessions import SecureCookieSession, SecureCookieSessionInterface, SessionMixin
from flask.wrappers import Request, Response
from werkzeug.wrappers import Response as WerkzeugResponse

from plugin.service.auth import GRANTS
from plugin.service.crypto import hash_key
from plugin.service.db import session as db_session
from plugin.service.models import ApiKey, WebSession, utcnow

P = ParamSpec("P")
R = TypeVar("R")
CSRF_FIELD = "csrf_token"
SESSION_ID = "sid"
# A path of the web part in URL characters only: no control character, space, backslash or
# anything a Location header or a browser could read another way.
PLAIN_NEXT = re.compile(r"/web/[A-Za-z0-9\-._~!$&'()*+,;=:@%/?]*")


class TrackedSession(SecureCookieSession):
    """A cookie session that remembers the session id it was opened with."""

    opened_id: str | None = None


class EndingSessions(SecureCookieSessionInterface):
    """Flask's signed-cookie sessions, which also end the stored session that a request
    cleared or replaced (signing out, signing in afresh, a session found ended)."""

    session_class = TrackedSession

    def open_session(self, app: Flask, request: Request) -> SecureCookieSession | None:
        found = super().open_session(app, request)
        if isinstance(found, TrackedSession):
            opened = found.get(SESSION_ID)
            found.opened_id = opened if isinstance(opened, str) else None
        return found

    def save_session(self, app: Flask, session: SessionMixin, response: Response) -> None:
        opened = getattr(session, "opened_id", None)
        if opened is not None and session.get(SESSION_ID) != opened:
            end_session(app, opened)
        super().save_session(app, session, response)


def end_session(app: Flask, session_id: str) -> None:
    """Delete the stored session ``session_id``, in a transaction of its own (the request's
    may hold work its view chose not to commit)."""
    with app.extensions["qiscan.db"]() as db:
        db.execute(sa.delete(WebSession).where(WebSession.id_hash == hash_key(session_id)))
        db.commit()


def csrf_token() -> str:
    """The session's CSRF token, made on first use."""
    if "csrf" not in session:
        session["csrf"] = secrets.token_urlsafe(32)
    token: str = session["csrf"]
    return token


def check_csrf() -> None:
    """400 unless the form carries the session's CSRF token."""
    sent = request.form.get(CSRF_FIELD, "")
    expected = session.get("csrf", "")
    if not expected or not hmac.compare_digest(sent.encode(), str(expected).encode()):
        abort(400, "the form has expired or did not come from this page: reload it and try again")


def fingerprint(key: ApiKey) -> str:
    return key.key_hash[:16]


def key_for(presented: str) -> ApiKey | None:
    if not presented:
        return None
    return db_session().scalar(sa.select(ApiKey).where(ApiKey.key_hash == hash_key(presented)))


def sign_in(key: ApiKey) -> None:
    """A fresh session for ``key``; the one it replaces is ended (nothing of it is kept)."""
    session.clear()
    session.permanent = True
    session_id = secrets.token_urlsafe(32)
    started = utcnow()
    db = db_session()
    db.execute(sa.delete(WebSession).where(WebSession.expires_at <= started))  # ended ones
    db.add(
        WebSession(
            id_hash=hash_key(session_id),
            key_id=key.id,
            key_fp=fingerprint(key),
            created_at=started,
            expires_at=started + current_app.permanent_session_lifetime,
        )
    )
    db.commit()
    session[SESSION_ID] = session_id
    session["csrf"] = secrets.token_urlsafe(32)


def signed_in_key() -> ApiKey | None:
    """The key of this request's session; None (and the cookie cleared) when it has none, or
    its session was ended, has run out, or its key was deleted."""
    session_id = session.get(SESSION_ID)
    if not isinstance(session_id, str):
        return None
    db = db_session()
    stored = db.get(WebSession, hash_key(session_id))
    key = db.get(ApiKey, stored.key_id) if stored is not None else None
    if (
        stored is None
        or key is None
        or stored.expires_at <= utcnow()
        or not hmac.compare_digest(fingerprint(key), stored.key_fp)
    ):
        session.clear()
        return None
    return key


def safe_next(target: str | None) -> str | None:
    """``target`` if it is a plain path of this site's web part, else None: no other site
    ("//host"), no other part of this one ("/web/../api"), and nothing a redirect's Location
    header cannot carry (a line break once made this a 500)."""
    if not target or not PLAIN_NEXT.fullmatch(target):
        return None
    path = target.split("?", 1)[0]
    if any(unquote(step) in (".", "..") for step in path.split("/")):  # browsers read %2e as .
        return None
    return target


def page(role: str) -> Callable[[Callable[P, R]], Callable[P, R | WerkzeugResponse]]:
    """A page for signed-in keys whose role grants ``role``: signed out, the sign-in page
    (coming back here after); a lesser role, 403. A POST must carry the CSRF token."""

    def decorate(view: Callable[P, R]) -> Callable[P, R | WerkzeugResponse]:
        @wraps(view)
        def wrapped(*args: P.args, **kwargs: P.kwargs) -> R | WerkzeugResponse:
            key = signed_in_key()
            if key is None:
                back = request.full_path.rstrip("?") if request.method == "GET" else None
                return redirect(url_for("web.sign_in_page", next=safe_next(back)))
            g.api_key = key  # what plugin.service.auth.caller() answers from here on
            if request.method == "POST":
                check_csrf()
            if role not in GRANTS.get(key.role, set()):
                abort(403, f"this page needs the {role} role; you signed in with a {key.role} key")
            return view(*args, **kwargs)

        return wrapped

    return decorate
