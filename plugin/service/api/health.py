"""``/health`` (no key needed: load balancers ask it) and ``/version``."""

from __future__ import annotations

from importlib.metadata import version
from typing import Any

import sqlalchemy as sa
from flask.views import MethodView
from flask_smorest import Blueprint
from sqlalchemy.engine import Engine

from plugin.localcap import VERSION as REDCAP_LEVEL
from plugin.service.auth import require
from plugin.service.db import schema_revision, session

blp = Blueprint("health", __name__, description="Is the service up, and which version is it")


@blp.route("/health")
class Health(MethodView):
    def get(self) -> dict[str, Any]:
        """The service and its database answer."""
        session().execute(sa.text("SELECT 1"))
        return {"status": "ok"}


@blp.route("/version")
class Version(MethodView):
    @require("facilitator")
    def get(self) -> dict[str, Any]:
        """qiscan's version, the database schema's revision, and the REDCap behaviour localcap
        emulates."""
        bind = session().get_bind()
        engine = bind if isinstance(bind, Engine) else bind.engine
        return {
            "qiscan": version("qiscan"),
            "schema": schema_revision(engine),
            "localcap_redcap_level": REDCAP_LEVEL,
        }
