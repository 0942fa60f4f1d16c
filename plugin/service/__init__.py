"""The qiscan scoring service: a Flask application factory.

    from plugin.service import create_app
    app = create_app()                      # environment configuration
    app = create_app({"DATABASE_URL": ...}) # tests

The factory lives in :mod:`plugin.service.app` and is imported on first use, so that a module
that needs only part of the service (its configuration, for ``qiscan stats``) does not load Flask,
the API and every report kind.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from plugin.service.app import create_app

__all__ = ["create_app"]


def __getattr__(name: str) -> Any:
    if name == "create_app":
        from plugin.service.app import create_app

        return create_app
    raise AttributeError(f"module 'plugin.service' has no attribute '{name}'")
