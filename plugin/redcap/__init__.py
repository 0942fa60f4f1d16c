"""qiscan's REDCap client: configuration, the bounded PyCap wrapper and its two errors."""

from plugin.redcap.client import RedcapClient
from plugin.redcap.config import RedcapConfig, config_from_env
from plugin.redcap.errors import ConfigError, RedcapApiError, RedcapProblem, RedcapTransportError

__all__ = [
    "ConfigError",
    "RedcapApiError",
    "RedcapClient",
    "RedcapConfig",
    "RedcapProblem",
    "RedcapTransportError",
    "config_from_env",
]
