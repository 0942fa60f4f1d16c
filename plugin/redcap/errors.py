"""The two ways a REDCap call fails, kept apart because callers react differently:

* ``RedcapApiError``: REDCap answered and said no (bad field, no rights, production status).
  Retrying the same call will not help; the message says what to change.
* ``RedcapTransportError``: we could not get a usable answer (connection dropped, timeout, a 5xx,
  rate limiting, an HTML page instead of data). These are retried with backoff; once retries run
  out, the error says what was tried.

Neither ever carries the token: every message passes through ``redact``.
"""

from __future__ import annotations

import re

# A REDCap token is 32 hex digits. REDCap's own pages have been seen to echo it lower-cased,
# and a proxy or a neighbouring system may print another project's; no run of 32 or more hex
# digits in an error is worth showing, so every one is hidden, whoever's it is.
HEX_RUN = re.compile(r"[0-9A-Fa-f]{32,}")


class RedcapProblem(Exception):
    """Base of both: catch this to handle any REDCap failure."""

    def __init__(self, message: str, *, status: int | None = None, hint: str = "") -> None:
        self.message = message
        self.status = status
        self.hint = hint
        shown = f"{message} (HTTP {status})" if status is not None else message
        super().__init__(f"{shown}. {hint}" if hint else shown)


class RedcapApiError(RedcapProblem):
    """REDCap refused the request; fix the request, do not retry it."""


class RedcapTransportError(RedcapProblem):
    """No usable answer; worth retrying, and retried by the client."""

    def __init__(
        self, message: str, *, status: int | None = None, hint: str = "", retry_after: float = 0.0
    ) -> None:
        super().__init__(message, status=status, hint=hint)
        self.retry_after = retry_after


class ConfigError(ValueError):
    """The REDCap URL or token is missing or malformed."""


def redact(text: str, secrets: tuple[str, ...]) -> str:
    """``text`` with every secret (in any case) and every run of 32 or more hex digits replaced,
    so a token can never leak into a message or a log."""
    for secret in secrets:
        if secret:
            text = re.sub(re.escape(secret), "[redacted]", text, flags=re.IGNORECASE)
    return HEX_RUN.sub("[redacted]", text)
