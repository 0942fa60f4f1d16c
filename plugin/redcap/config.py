"""Where the REDCap URL and token come from: the environment, or a secret file for the token.

A token is a password. It is read once, stripped of the trailing newline editors leave behind,
checked for shape, and kept out of every repr, message and log.
"""

from __future__ import annotations

import os
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

from plugin.redcap.errors import ConfigError

URL_ENV = "QISCAN_REDCAP_URL"
TOKEN_ENV = "QISCAN_REDCAP_TOKEN"
TOKEN_FILE_ENV = "QISCAN_REDCAP_TOKEN_FILE"
TOKEN_PATTERN = re.compile(r"^[A-Za-z0-9]{32}$")


@dataclass(frozen=True)
class RedcapConfig:
    """A REDCap project's API address and token, checked when made; the token is never shown."""

    url: str
    token: str = field(repr=False)

    def __post_init__(self) -> None:
        if not self.url.endswith("/api/"):
            raise ConfigError(
                f"REDCap URL {self.url!r} must end in /api/ (e.g. https://redcap.example.org/api/)"
            )
        if not TOKEN_PATTERN.match(self.token):
            raise ConfigError(
                f"the REDCap token must be 32 letters or digits; the one given has "
                f"{len(self.token)} characters (check for spaces or a pasted label)"
            )

    def __repr__(self) -> str:
        return f"RedcapConfig(url={self.url!r}, token=[redacted])"


def config_from_env(env: Mapping[str, str] | None = None) -> RedcapConfig | None:
    """The configured REDCap, or None when no URL is set (qiscan then uses localcap)."""
    env = os.environ if env is None else env
    url = env.get(URL_ENV, "").strip()
    if not url:
        return None
    token = env.get(TOKEN_ENV, "").strip()
    token_file = env.get(TOKEN_FILE_ENV, "").strip()
    if token_file:
        try:
            token = Path(token_file).read_text(encoding="utf-8").strip()
        except OSError as exc:
            detail = f"cannot read {TOKEN_FILE_ENV} file {token_file}: {exc.strerror}"
            raise ConfigError(detail) from None
    if not token:
        raise ConfigError(f"{URL_ENV} is set but neither {TOKEN_ENV} nor {TOKEN_FILE_ENV} is")
    return RedcapConfig(url, token)
