"""``POST /trigger/<connection_id>/<secret>``: REDCap's Data Entry Trigger.

REDCap POSTs a form each time a form or survey page is saved (redcap-api.md section 6), waits
at most 15 seconds and looks only at the status. It cannot send an API key, so the secret in the
URL is the credential: checked against its stored hash before the body is read, and a wrong
secret answers exactly as an unknown connection does (404). The answer comes at once; the
record is rescored by a queued job (``plugin.service.rescore``), and while that job waits,
further triggers for the same record join it instead of queueing another.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any

from flask.views import MethodView
from flask_smorest import Blueprint
from marshmallow import EXCLUDE, Schema, fields, validate

from plugin.service import jobs, rescore
from plugin.service.crypto import hash_key, same_hash
from plugin.service.db import session
from plugin.service.errors import ApiProblem
from plugin.service.models import Connection

blp = Blueprint("trigger", __name__, description="REDCap's Data Entry Trigger")
NOT_FOUND = "not found"
# Compared against when the connection does not exist, so both answers take the same time.
NO_SECRET = hash_key("")


class TriggerFields(Schema):
    """REDCap's trigger form: the fields qiscan reads. REDCap sends others (``redcap_url``,
    ``project_url``, ``username``, ``<form>_complete``, ...); they are ignored."""

    class Meta:
        unknown = EXCLUDE

    # REDCap record names are at most 100 characters.
    record = fields.String(required=True, validate=validate.Length(min=1, max=100))
    project_id = fields.String(load_default="")
    instrument = fields.String(load_default="")
    redcap_event_name = fields.String(load_default="")
    redcap_repeat_instrument = fields.String(load_default="")
    redcap_repeat_instance = fields.String(load_default="")


class Queued(Schema):
    """The answer to a trigger: the rescore job that was queued, or joined while it waits."""

    queued = fields.Integer(metadata={"description": "the id of the rescore job"})


def trigger_connection(connection_id: int, secret: str) -> Connection:
    """The connection whose trigger secret this is; the same 404 for every other case."""
    found = session().get(Connection, connection_id)
    stored = found.trigger_secret_hash if found is not None else NO_SECRET
    if not same_hash(secret, stored) or found is None:
        raise ApiProblem(404, NOT_FOUND)
    return found


def by_url_secret(view: Callable[..., Any]) -> Callable[..., Any]:
    """Check the URL's secret before anything else (the body included); the view gets the
    connection instead of the id and secret."""

    @wraps(view)
    def wrapped(self: Any, *args: Any, connection_id: int, secret: str, **kwargs: Any) -> Any:
        connection = trigger_connection(connection_id, secret)
        return view(self, *args, connection=connection, **kwargs)

    return wrapped


@blp.route("/trigger/<int:connection_id>/<secret>")
class Trigger(MethodView):
    @by_url_secret
    @blp.arguments(TriggerFields, location="form")
    @blp.response(200, Queued)
    @blp.alt_response(404, description="no such trigger; a wrong secret answers the same")
    def post(self, sent: dict[str, str], connection: Connection) -> dict[str, int]:
        """Queue the saved record for rescoring (no API key: the URL's secret is one)."""
        record = sent["record"]
        db = session()
        job = jobs.enqueue(
            db,
            rescore.KIND,
            {"record": record, **{name: sent[name] for name in rescore.TRIGGER_FIELDS}},
            connection_id=connection.id,
            dedupe_key=rescore.dedupe_key(connection.id, record),
        )
        db.commit()
        return {"queued": job.id}
