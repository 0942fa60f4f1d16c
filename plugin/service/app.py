"""The service's Flask application factory (:func:`create_app`, which ``plugin.service`` gives).

    from plugin.service import create_app
    app = create_app()                      # environment configuration
    app = create_app({"DATABASE_URL": ...}) # tests

Resources are wired with ``init_app``: the database (migrated on start), the error envelope,
the REST API (flask-smorest; OpenAPI 3 at ``/api/openapi.json``, documented at ``/api/docs``),
the analysts' web page (``/web/``), and the background worker (one thread for reports and one
for pulls, rescores and the rest: ``plugin.service.jobs``).
"""

from __future__ import annotations

from typing import Any

from flask import Flask
from flask_smorest import Api
from werkzeug.routing import IntegerConverter

from plugin.service import db, errors, inputs, jobs, report_jobs, rescore, tasks, web
from plugin.service.api import health, instruments, keys, projects, pulls, reports, results, trigger
from plugin.service.config import service_config
from plugin.service.models import MAX_ID
from plugin.target import Instance

# Importing each registers the handler of its job kind (report, rescore, pull) with the worker;
# a process that serves the API without them would queue jobs no worker can run.
JOB_MODULES = (report_jobs, rescore, tasks)


class IdConverter(IntegerConverter):
    """``<int:...>`` in a route, at most MAX_ID: a larger number is no id (404), where the
    database would fail on it (SQLite: OverflowError past 64 bits)."""

    def __init__(self, map: Any, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("max", MAX_ID)
        super().__init__(map, *args, **kwargs)


def create_app(test_config: dict[str, Any] | None = None) -> Flask:
    """The service app: configured from the defaults, the environment and then ``test_config``, its
    database migrated, every blueprint registered, jobs left running by a stopped process ended,
    and the worker started unless ``START_WORKER`` is false."""
    instance = Instance.default()
    app = Flask("qiscan", instance_path=str(instance.folder.resolve()))
    app.url_map.converters["int"] = IdConverter  # before any route is added
    app.config.update(service_config(instance, test_config))
    db.init_app(app)
    api = Api(app)
    app.extensions["qiscan.api"] = api
    errors.init_app(app)  # after Api: flask-smorest installs an error handler of its own
    inputs.init_app(app)
    api.register_blueprint(health.blp)
    api.register_blueprint(projects.blp)
    api.register_blueprint(instruments.blp)
    api.register_blueprint(keys.blp)
    api.register_blueprint(trigger.blp)
    api.register_blueprint(pulls.blp)
    api.register_blueprint(results.blp)
    api.register_blueprint(reports.blp)
    web.init_app(app)
    jobs.recover(app)
    if app.config["START_WORKER"]:
        app.extensions["qiscan.worker"] = jobs.Worker(app).start()
    return app
