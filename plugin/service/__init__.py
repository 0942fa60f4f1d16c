"""The qiscan scoring service: a Flask application factory.

    from plugin.service import create_app
    app = create_app()                      # environment configuration
    app = create_app({"DATABASE_URL": ...}) # tests

Resources are wired with ``init_app``: the database (migrated on start), the error envelope,
the REST API (flask-smorest; OpenAPI 3 at ``/api/openapi.json``), and the background worker.
"""

from __future__ import annotations

from typing import Any

from flask import Flask
from flask_smorest import Api

from plugin.service import db, errors, jobs
from plugin.service.api import health
from plugin.service.config import service_config
from plugin.target import Instance


def create_app(test_config: dict[str, Any] | None = None) -> Flask:
    instance = Instance.default()
    app = Flask("qiscan", instance_path=str(instance.folder.resolve()))
    app.config.update(service_config(instance, test_config))
    db.init_app(app)
    api = Api(app)
    errors.init_app(app)  # after Api: flask-smorest installs an error handler of its own
    api.register_blueprint(health.blp)
    jobs.recover(app)
    if app.config["START_WORKER"]:
        app.extensions["qiscan.worker"] = jobs.Worker(app).start()
    return app
