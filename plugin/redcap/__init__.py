"""qiscan's REDCap client: configuration, the bounded PyCap wrapper and its two errors.

The names are imported on first use (:mod:`plugin.lazy`): the errors and the configuration do
not load PyCap.
"""

from typing import TYPE_CHECKING

from plugin.lazy import exports

if TYPE_CHECKING:
    from plugin.redcap.client import RedcapClient
    from plugin.redcap.config import RedcapConfig, config_from_env
    from plugin.redcap.errors import (
        ConfigError,
        RedcapApiError,
        RedcapProblem,
        RedcapTransportError,
    )

__all__ = [
    "ConfigError",
    "RedcapApiError",
    "RedcapClient",
    "RedcapConfig",
    "RedcapProblem",
    "RedcapTransportError",
    "config_from_env",
]

__getattr__ = exports(
    __name__,
    {
        "RedcapClient": "plugin.redcap.client",
        "RedcapConfig": "plugin.redcap.config",
        "config_from_env": "plugin.redcap.config",
        "ConfigError": "plugin.redcap.errors",
        "RedcapApiError": "plugin.redcap.errors",
        "RedcapProblem": "plugin.redcap.errors",
        "RedcapTransportError": "plugin.redcap.errors",
    },
)
