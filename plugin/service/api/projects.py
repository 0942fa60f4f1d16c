"""``/projects``: the REDCap projects the service pulls from (admin changes, analyst reads),
and deploying the project's instrument to it (an analyst plans, an admin applies).

Registering a project checks it first: REDCap must answer its project-info call with the token
given, or nothing is saved. The token is stored encrypted and never shown again; the answer to
the registration holds the project's Data Entry Trigger URL, whose secret is stored only as its
hash and so is shown only then.

A deploy plan is ``qiscan deploy --json``'s, plus its text as the command prints it. Applying
plans again first and refuses (409) a plan that would lose data records hold, unless
``allow_data_loss`` says so, and a production project's changes, which go through Draft Mode.
"""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from flask import current_app
from flask.views import MethodView
from flask_smorest import Blueprint
from marshmallow import Schema, ValidationError, fields, pre_load, validate, validates
from sqlalchemy.exc import IntegrityError

from plugin.deploy import DeployRefused, Plan, Step, apply_steps, render_plan
from plugin.deploy.apply import deploy, run_steps
from plugin.deploy.render import summary
from plugin.redcap import RedcapClient, RedcapProblem
from plugin.redcap.config import TOKEN_PATTERN
from plugin.service.auth import require
from plugin.service.connections import (
    check_redcap,
    client_for,
    get_connection,
    redcap_failure,
)
from plugin.service.crypto import encrypt, hash_key, new_key
from plugin.service.db import session
from plugin.service.definitions import UnknownInstrument, known_ids, resolve
from plugin.service.errors import ApiProblem
from plugin.service.models import Connection

blp = Blueprint("projects", __name__, description="REDCap projects the service pulls from")


def redcap_api_url(url: str) -> None:
    """Refuses a URL that does not end in ``/api/``, as every REDCap API URL does."""
    if not url.endswith("/api/"):
        raise ValidationError(
            "a REDCap API URL ends in /api/, e.g. https://redcap.example.org/api/"
        )


def token_shape(token: str) -> None:
    """Refuses a value that is not shaped like a REDCap token (32 letters or digits), naming only
    its length."""
    # The message gives the length only: the value is a password, even when it is a wrong one.
    if not TOKEN_PATTERN.match(token):
        raise ValidationError(
            f"a REDCap API token is 32 letters or digits; this one has {len(token)} characters"
        )


class ProjectIn(Schema):
    """The body of a new project: its name, REDCap API URL, token and instrument."""

    name = fields.String(required=True, validate=validate.Length(min=1, max=100))
    url = fields.URL(
        required=True,
        schemes={"http", "https"},
        require_tld=False,
        validate=[validate.Length(max=500), redcap_api_url],
    )
    token = fields.String(required=True, load_only=True, validate=token_shape)
    instrument = fields.String(
        required=True,
        validate=validate.Length(min=1, max=100),
        metadata={"description": "the id of a shipped or uploaded instrument (GET /instruments)"},
    )

    @validates("instrument")
    def instrument_is_known(self, value: str, **kwargs: Any) -> None:
        known = known_ids(session())
        if value not in known:
            raise ValidationError(f"must be one of: {', '.join(known)}")

    @pre_load
    def strip(self, data: Any, **kwargs: Any) -> Any:
        """Every text value without its surrounding whitespace, before it is validated."""
        # A pasted token or URL often carries a space or the newline an editor left.
        if not isinstance(data, dict):
            return data
        return {k: v.strip() if isinstance(v, str) else v for k, v in data.items()}


class ProjectOut(Schema):
    """A registered project: never its token."""

    id = fields.Integer()
    name = fields.String()
    url = fields.String()
    instrument = fields.String()
    created_at = fields.DateTime()


class CreatedProject(ProjectOut):
    """A newly registered project, with its Data Entry Trigger path (shown only in this answer)."""

    trigger_url = fields.String(
        metadata={
            "description": "the path of the project's Data Entry Trigger, with its secret: "
            "shown only in this answer"
        }
    )


class ColumnOut(Schema):
    """One column of a changed row: its value before and after."""

    column = fields.String()
    old = fields.String()
    new = fields.String()


class Change(Schema):
    """What a change does (added, removed or changed) and the columns that differ."""

    kind = fields.String(metadata={"description": "added, removed or changed"})
    columns = fields.List(fields.Nested(ColumnOut))


class FieldChangeOut(Change):
    """A field the plan adds, removes or changes, and the field it now follows when it moves."""

    name = fields.String()
    form = fields.String()
    field_type = fields.String()
    label = fields.String()
    moved = fields.Boolean()
    after = fields.String()


class FormChangeOut(Schema):
    """A form the plan adds, removes or changes: fields moved in or out or reordered, and its
    place among the forms."""

    name = fields.String()
    kind = fields.String()
    fields_ = fields.Integer(attribute="fields", data_key="fields")
    fields_in = fields.List(fields.String())
    fields_out = fields.List(fields.String())
    reordered = fields.List(fields.String())
    moved = fields.Boolean()
    after = fields.String()


class ItemChangeOut(Change):
    """An arm, event, form-event mapping, repeating setting or project setting the plan changes, as
    REDCap's API takes its row."""

    area = fields.String()
    key = fields.String()
    row = fields.Dict(keys=fields.String(), values=fields.String())


class ChoiceLossOut(Schema):
    """A choice code records hold that a change removes or recodes, how many records hold it, and
    what becomes of it."""

    code = fields.String()
    label = fields.String()
    records = fields.Integer()
    fate = fields.String()


class DataLossOut(Schema):
    """Data records hold that a change would lose: what, where, and how many records lose it."""

    kind = fields.String()
    subject = fields.String()
    form = fields.String()
    records = fields.Integer(metadata={"description": "how many records lose data"})
    detail = fields.String()
    choices = fields.List(fields.Nested(ChoiceLossOut))
    message = fields.String()


class PlanOut(Schema):
    """The deploy plan (``qiscan deploy --json``'s): every change, the data it would lose, warnings,
    what is left to do by hand, and its text."""

    instruments = fields.List(fields.String())
    in_production = fields.Boolean()
    has_changes = fields.Boolean()
    counts = fields.Dict(
        keys=fields.String(), values=fields.Dict(keys=fields.String(), values=fields.Integer())
    )
    fields_ = fields.List(fields.Nested(FieldChangeOut), attribute="fields", data_key="fields")
    forms = fields.List(fields.Nested(FormChangeOut))
    arms = fields.List(fields.Nested(ItemChangeOut))
    events = fields.List(fields.Nested(ItemChangeOut))
    mappings = fields.List(fields.Nested(ItemChangeOut))
    repeating = fields.List(fields.Nested(ItemChangeOut))
    settings = fields.List(fields.Nested(ItemChangeOut))
    data_loss = fields.List(fields.Nested(DataLossOut))
    warnings = fields.List(fields.String())
    manual = fields.List(fields.String())
    text = fields.String(metadata={"description": "the plan as `qiscan deploy` prints it"})


def name_taken(name: str) -> ApiProblem:
    """The 409 answer to a project name already in use."""
    return ApiProblem(
        409, f"a project named '{name}' exists already", {"name": ["choose another name"]}
    )


@blp.route("/projects")
class Projects(MethodView):
    @require("analyst")
    @blp.response(200, ProjectOut(many=True))
    def get(self) -> list[Connection]:
        """Every registered project (never its token)."""
        return list(session().scalars(sa.select(Connection).order_by(Connection.id)))

    @require("admin")
    @blp.arguments(ProjectIn)
    @blp.response(201, CreatedProject)
    def post(self, body: dict[str, Any]) -> dict[str, Any]:
        """Register a REDCap project, once REDCap accepts its token."""
        db = session()
        if db.scalar(sa.select(Connection.id).where(Connection.name == body["name"])):
            raise name_taken(body["name"])
        check_redcap(body["url"], body["token"])
        secret = new_key("qt")
        row = Connection(
            name=body["name"],
            url=body["url"],
            token_cipher=encrypt(current_app.config["SECRET_KEY"], body["token"]),
            instrument=body["instrument"],
            trigger_secret_hash=hash_key(secret),
        )
        db.add(row)
        try:
            db.commit()
        except IntegrityError:  # registered by another request meanwhile
            db.rollback()
            raise name_taken(body["name"]) from None
        shown = {name: getattr(row, name) for name in ProjectOut().fields}
        return shown | {"trigger_url": f"/trigger/{row.id}/{secret}"}


@blp.route("/projects/<int:connection_id>")
class ProjectById(MethodView):
    @require("analyst")
    @blp.response(200, ProjectOut)
    def get(self, connection_id: int) -> Connection:
        """One registered project (never its token)."""
        return get_connection(connection_id)

    @require("admin")
    @blp.response(204)
    def delete(self, connection_id: int) -> None:
        """Forget the project: its token and trigger go; pulled snapshots stay."""
        db = session()
        db.delete(get_connection(connection_id))
        db.commit()


class DeployIn(Schema):
    """The body of an apply: whether a change may lose data that records hold."""

    allow_data_loss = fields.Boolean(load_default=False)


class StepOut(Schema):
    """One call the apply makes to REDCap, and why."""

    content = fields.String()
    action = fields.String()
    why = fields.String()


class Applied(Schema):
    """What applying did: the calls made, a summary, warnings, and what is left to do by hand."""

    steps = fields.List(fields.Nested(StepOut), metadata={"description": "the calls made"})
    summary = fields.String()
    warnings = fields.List(fields.String())
    manual = fields.List(
        fields.String(), metadata={"description": "what is left to do by hand in REDCap"}
    )


def planned(connection_id: int) -> tuple[Plan, RedcapClient]:
    """The deploy plan of the project's instrument against its REDCap project, and the client that
    read it; 404 for no such project, 409 when the instrument is gone or REDCap's design cannot
    be planned on, 502 when REDCap fails."""
    connection = get_connection(connection_id)
    try:
        instrument = resolve(session(), connection.instrument)
    except UnknownInstrument as exc:
        raise ApiProblem(409, f"the project's instrument is gone: {exc}") from None
    client = client_for(connection, current_app.config["SECRET_KEY"])
    try:
        plan, _ = deploy(client, [instrument], apply=False)
    except RedcapProblem as exc:
        raise redcap_failure(exc, client) from None
    except DeployRefused as exc:  # what REDCap answered cannot be trusted to plan on
        raise ApiProblem(409, str(exc), code="design_unreadable") from None
    return plan, client


def refusal(plan: Plan, allow_data_loss: bool) -> ApiProblem | None:
    """Why applying ``plan`` is refused (409), or None: a production project with changes, or data
    loss that ``allow_data_loss`` does not allow."""
    if plan.in_production and plan.has_changes:
        return ApiProblem(
            409,
            "the project is in production: REDCap takes its changes only through Draft Mode; "
            "`qiscan deploy` writes the Draft Mode package",
            code="in_production",
        )
    if plan.data_loss and not allow_data_loss:
        losses = [loss.as_dict() for loss in plan.data_loss]
        return ApiProblem(
            409,
            f"refused: {len(losses)} change(s) would lose data that records hold: "
            + "; ".join(loss.describe() for loss in plan.data_loss)
            + ". Change the instrument to keep the data, or export the records first and send "
            "allow_data_loss: true",
            {"data_loss": DataLossOut(many=True).dump(losses)},
            code="data_loss",
        )
    return None


@blp.route("/projects/<int:connection_id>/deploy/plan")
class DeployPlan(MethodView):
    @require("analyst")
    @blp.response(200, PlanOut)
    def post(self, connection_id: int) -> dict[str, Any]:
        """What deploying the project's instrument would change in REDCap, and cost in data."""
        plan, _ = planned(connection_id)
        return {**plan.as_dict(), "text": render_plan(plan)}


@blp.route("/projects/<int:connection_id>/deploy/apply")
class DeployApply(MethodView):
    @require("admin")
    @blp.arguments(DeployIn)
    @blp.response(200, Applied)
    def post(self, body: dict[str, Any], connection_id: int) -> dict[str, Any]:
        """Carry the plan out, unless it loses data that is not allowed to go (409)."""
        plan, client = planned(connection_id)
        problem = refusal(plan, body["allow_data_loss"])
        if problem is not None:
            raise problem
        steps = apply_steps(plan, allow_data_loss=body["allow_data_loss"])
        done: list[Step] = []
        try:
            run_steps(client, steps, progress=done.append)
        except RedcapProblem as exc:
            failed = redcap_failure(exc, client)
            failed.message = (
                f"step {len(done)} of {len(steps)} ({done[-1].content}) failed, after "
                f"{len(done) - 1} applied: {failed.message}"
            )
            raise failed from None
        return {
            "steps": [step.as_dict() for step in steps],
            "summary": summary(plan),
            "warnings": list(plan.warnings),
            "manual": list(plan.manual),
        }
