"""Layered configuration: defaults, then the environment, then the test config.

``QISCAN_DATABASE_URL`` (default SQLite in the instance folder), ``QISCAN_SECRET_KEY`` (the
key that encrypts REDCap tokens and signs sessions; generated once into the instance's
owner-only secrets file when unset), ``QISCAN_INSTANCE`` (the instance folder),
``QISCAN_SECURE_COOKIES=1`` (the web page's session cookie only over HTTPS: set it in
production behind TLS).
"""

from __future__ import annotations

import os
import secrets
from datetime import timedelta
from pathlib import Path
from typing import Any

from plugin.target import Instance, private
from reports.files import PRIVATE_FOLDER

SNAPSHOTS_VARIABLE = "QISCAN_SNAPSHOTS"  # a path or URL: the snapshot store, wherever it is
SESSION_HOURS = 8  # a web page session ends after a working day
MAX_BODY = 2 * 1024 * 1024  # request bodies: an instrument definition is far smaller
# Seconds a job of each kind may run before its worker stops it (plugin.service.jobs; a kind
# not named here may run jobs.DEFAULT_LIMIT).
JOB_TIME_LIMITS = {"report": 15 * 60, "pull": 60 * 60, "rescore": 10 * 60}


def service_config(instance: Instance, test_config: dict[str, Any] | None = None) -> dict[str, Any]:
    """The app's configuration for ``instance``: the defaults and the environment's settings, with
    ``test_config`` over them."""
    config: dict[str, Any] = {
        "INSTANCE": str(instance.folder),
        "DATABASE_URL": database_url(instance),
        "SECRET_KEY": os.environ.get("QISCAN_SECRET_KEY") or stored_secret_key(instance),
        "MAX_CONTENT_LENGTH": MAX_BODY,
        "MAX_FORM_MEMORY_SIZE": MAX_BODY,  # one limit, whatever the body's encoding
        "REPORTS_DIR": str(instance.folder / "reports"),
        # None: the service database on PostgreSQL, else the instance's snapshots.sqlite
        "SNAPSHOTS": os.environ.get(SNAPSHOTS_VARIABLE) or None,
        "START_WORKER": True,
        "JOB_TIME_LIMITS": dict(JOB_TIME_LIMITS),
        "SESSION_COOKIE_NAME": "qiscan_session",
        "SESSION_COOKIE_HTTPONLY": True,
        "SESSION_COOKIE_SAMESITE": "Lax",
        "SESSION_COOKIE_SECURE": os.environ.get("QISCAN_SECURE_COOKIES", "")
        in ("1", "true", "yes"),
        "PERMANENT_SESSION_LIFETIME": timedelta(hours=SESSION_HOURS),
        "API_TITLE": "qiscan scoring service",
        "API_VERSION": "v1",
        "OPENAPI_VERSION": "3.0.3",
        "OPENAPI_URL_PREFIX": "/api",
        "OPENAPI_JSON_PATH": "openapi.json",
    }
    config.update(test_config or {})
    return config


def database_url(instance: Instance) -> str:
    """The service database: ``QISCAN_DATABASE_URL``, else SQLite in the instance folder."""
    return os.environ.get("QISCAN_DATABASE_URL") or f"sqlite:///{instance.service_db.resolve()}"


def snapshot_target(config: dict[str, Any]) -> str:
    """Where the snapshot store is: ``SNAPSHOTS`` when set, else the service database when that
    is PostgreSQL (every process shares it), else the instance's ``snapshots.sqlite``."""
    if config.get("SNAPSHOTS"):
        return str(config["SNAPSHOTS"])
    database = str(config["DATABASE_URL"])
    if database.startswith("postgresql"):
        return database
    return str(Instance(Path(config["INSTANCE"])).snapshots)


def instance_snapshots(instance: Instance) -> str:
    """The snapshot store the service of ``instance`` reads, for the command line: the same
    place, by the same rule."""
    return snapshot_target(
        {
            "SNAPSHOTS": os.environ.get(SNAPSHOTS_VARIABLE),
            "DATABASE_URL": database_url(instance),
            "INSTANCE": str(instance.folder),
        }
    )


def stored_secret_key(instance: Instance) -> str:
    """The instance's secret key, generated on first use into its owner-only secrets file."""
    stored = instance.read_secrets()
    key = stored.get("service_secret_key")
    if not key:
        key = secrets.token_urlsafe(32)
        instance.write_secrets({**stored, "service_secret_key": key})
    return key


def reports_dir(config: dict[str, Any]) -> Path:
    """The folder of generated reports (respondent data): made if missing, owner-only."""
    folder = Path(config["REPORTS_DIR"])
    folder.mkdir(mode=PRIVATE_FOLDER, parents=True, exist_ok=True)
    private(folder, PRIVATE_FOLDER)
    return folder
