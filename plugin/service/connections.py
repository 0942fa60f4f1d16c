"""The REDCap projects the service knows (its connections): find one, and reach it.

Other parts of the service use two functions:

    connection = get_connection(connection_id)       # 404 envelope when unknown
    client = client_for(connection, app.config["SECRET_KEY"])

A connection's token is stored encrypted and is decrypted only here, into the client that needs
it. Every message these functions raise passes through ``redact`` with the token, because a
REDCap token is a password: a server's error page could quote it back.
"""

from __future__ import annotations

from typing import Any

from plugin.redcap import RedcapApiError, RedcapClient, RedcapConfig, RedcapProblem
from plugin.redcap.errors import redact
from plugin.redcap.transport import RetryPolicy
from plugin.service.crypto import SecretKeyError, decrypt
from plugin.service.db import session
from plugin.service.errors import ApiProblem
from plugin.service.models import Connection

# Checking a new connection happens while a person waits for the answer: fail within seconds.
CHECK_TIMEOUT = 15.0
CHECK_ATTEMPTS = 2
REFUSED_TOKEN = (401, 403)


def get_connection(connection_id: int) -> Connection:
    """The stored connection, or a 404 envelope naming how to find the ones that exist."""
    found = session().get(Connection, connection_id)
    if found is None:
        raise ApiProblem(404, f"there is no project {connection_id}; GET /projects lists them")
    return found


def client_for(
    connection: Connection,
    secret_key: str,
    *,
    timeout: float = 60.0,
    retry: RetryPolicy | None = None,
) -> RedcapClient:
    """A REDCap client for the connection, with its token decrypted.

    Raises ApiProblem (500) when the secret key cannot decrypt the token: the service's
    ``QISCAN_SECRET_KEY`` changed since the project was registered.
    """
    try:
        token = decrypt(secret_key, connection.token_cipher)
    except SecretKeyError as exc:
        raise ApiProblem(500, str(exc), code="secret_key_changed") from None
    return RedcapClient(RedcapConfig(connection.url, token), timeout=timeout, retry=retry)


def check_redcap(url: str, token: str) -> dict[str, Any]:
    """REDCap's project info for a connection about to be registered.

    Raises ApiProblem: 422 on ``token`` when REDCap refuses the token, 422 on ``url`` when
    nothing that speaks REDCap's API answers there, and 502 when REDCap fails otherwise.
    """
    client = RedcapClient(
        RedcapConfig(url, token),
        timeout=CHECK_TIMEOUT,
        retry=RetryPolicy(attempts=CHECK_ATTEMPTS, base=0.2),
    )
    try:
        return client.project_info()
    except RedcapProblem as exc:
        raise registration_problem(exc, token) from None


def registration_problem(exc: RedcapProblem, token: str) -> ApiProblem:
    """The answer to a failed check of a project being registered, the token redacted: 422 on
    ``token`` when REDCap refuses it, 422 on ``url`` when no REDCap API answers there, else 502."""
    message = redact(str(exc), (token,))
    if isinstance(exc, RedcapApiError):
        if exc.status in REFUSED_TOKEN:
            errors = {"token": [message]}
            return ApiProblem(422, "REDCap refused the token; nothing was saved", errors)
        return ApiProblem(502, f"REDCap failed on the check; nothing was saved: {message}")
    if exc.status is None or (exc.status < 500 and exc.status != 429):
        # No answer at all, or a page that is not REDCap's API (a login page, a 404).
        errors = {"url": [f"no REDCap API answers at this URL: {message}"]}
        return ApiProblem(422, "REDCap could not be reached; nothing was saved", errors)
    return ApiProblem(502, f"REDCap failed on the check; nothing was saved: {message}")


def redcap_failure(exc: RedcapProblem, client: RedcapClient) -> ApiProblem:
    """The envelope for a REDCap call that failed on a registered connection (502)."""
    message = redact(str(exc), (client.config.token,))
    if isinstance(exc, RedcapApiError):
        return ApiProblem(502, message, code="redcap_refused")
    return ApiProblem(502, f"REDCap could not be reached: {message}")
