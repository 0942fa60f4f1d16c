"""Signing in to the web page, and the CSRF token its forms carry.

Signing in takes an API key once. The session cookie then holds the key's id and a fingerprint
of its hash, never the key: a deleted key signs its sessions out, and a later key that reuses
the id is not mistaken for it. The cookie is signed with the service's secret key, HttpOnly and
SameSite=Lax. Every form posts the session's CSRF token, checked before anything is changed.
"""

from __future__ import annotations

import hmac
import secrets
from collections.abc import Callable
from functools import wraps
from typing import Any, TypeVar

import sqlalchemy as sa
from flask import abort, g, redirect, request, session, url_for

from plugin.service.auth import GRANTS
from plugin.service.crypto import hash_key
from plugin.service.db import session as db_session
from plugin.service.models import ApiKey

F = TypeVar("F", bound=Callable[..., Any])
CSRF_FIELD = "csrf_token"


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
    """A fresh session for ``key`` (nothing of the signed-out one is kept)."""
    session.clear()
    session.permanent = True
    session["key_id"] = key.id
    session["key_fp"] = fingerprint(key)
    session["csrf"] = secrets.token_urlsafe(32)


def signed_in_key() -> ApiKey | None:
    key_id = session.get("key_id")
    if not isinstance(key_id, int):
        return None
    key = db_session().get(ApiKey, key_id)
    if key is None or not hmac.compare_digest(fingerprint(key), str(session.get("key_fp", ""))):
        session.clear()
        return None
    return key


def safe_next(target: str | None) -> str | None:
    """``target`` if it is a page of this site's web part, else None (no open redirect)."""
    if not target or not target.startswith("/web/"):  # a path of this site, never "//host"
        return None
    return target


def page(role: str) -> Callable[[F], F]:
    """A page for signed-in keys whose role grants ``role``: signed out, the sign-in page
    (coming back here after); a lesser role, 403. A POST must carry the CSRF token."""

    def decorate(view: F) -> F:
        @wraps(view)
        def wrapped(*args: Any, **kwargs: Any) -> Any:
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

        return wrapped  # type: ignore[return-value]

    return decorate
