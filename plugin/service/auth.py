"""API keys and roles.

Every endpoint but ``/health`` needs a key, sent as ``Authorization: Bearer <key>`` (or
``X-API-Key``). Keys are stored as hashes with a role:

* admin: connections, deploys, keys; and everything an analyst may do;
* analyst: pulls, results, reports;
* facilitator: results and reports of the practices assigned to the key only (another
  practice answers 404, as if it did not exist).
"""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import ParamSpec, TypeVar

import sqlalchemy as sa
from flask import g, request

from plugin.service.crypto import hash_key, new_key
from plugin.service.db import session
from plugin.service.errors import ApiProblem
from plugin.service.models import ROLES, ApiKey

P = ParamSpec("P")
R = TypeVar("R")
# who may do what: a role's own endpoints, and an admin everything
GRANTS = {
    "admin": set(ROLES),
    "analyst": {"analyst", "facilitator"},
    "facilitator": {"facilitator"},
}


def presented_key() -> str:
    header = request.headers.get("Authorization", "")
    if header.lower().startswith("bearer "):
        return header[7:].strip()
    return request.headers.get("X-API-Key", "").strip()


def caller() -> ApiKey:
    """The key of this request (401 when missing or unknown)."""
    if "api_key" in g:
        found: ApiKey = g.api_key
        return found
    key = presented_key()
    if not key:
        raise ApiProblem(401, "send an API key: Authorization: Bearer <key>")
    stored = session().scalar(sa.select(ApiKey).where(ApiKey.key_hash == hash_key(key)))
    if stored is None:
        raise ApiProblem(401, "the API key is not known to this service")
    g.api_key = stored
    return stored


def require(role: str) -> Callable[[Callable[P, R]], Callable[P, R]]:
    """Only keys whose role grants ``role`` may call the endpoint (403 otherwise)."""

    def decorate(view: Callable[P, R]) -> Callable[P, R]:
        @wraps(view)
        def wrapped(*args: P.args, **kwargs: P.kwargs) -> R:
            key = caller()
            if role not in GRANTS.get(key.role, set()):
                raise ApiProblem(403, f"this endpoint needs the {role} role; the key is {key.role}")
            return view(*args, **kwargs)

        wrapped.__dict__["required_role"] = role  # read by the docs page
        return wrapped

    return decorate


def may_see_practice(practice: str) -> bool:
    key = caller()
    return key.role != "facilitator" or practice in (key.practices or [])


def create_key(role: str, label: str, practices: list[str] | None = None) -> tuple[ApiKey, str]:
    """A new key: the stored row and the key itself, shown once."""
    if role not in ROLES:
        raise ApiProblem(422, "unknown role", {"role": [f"one of {', '.join(ROLES)}"]})
    key = new_key()
    row = ApiKey(label=label, key_hash=hash_key(key), role=role, practices=practices or [])
    session().add(row)
    session().flush()
    return row, key
