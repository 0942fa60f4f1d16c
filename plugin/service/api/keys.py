"""``/keys``: the service's API keys (admin only).

A new key is shown once, in the answer that creates it; the service keeps only its hash. The
last admin key cannot be deleted, so that someone can always manage the service; a deleted
key's web page sessions end with it.
"""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from flask.views import MethodView
from flask_smorest import Blueprint
from marshmallow import Schema, ValidationError, fields, validate, validates_schema

from plugin.service.auth import create_key, require
from plugin.service.db import session
from plugin.service.errors import ApiProblem
from plugin.service.models import ROLES, ApiKey, WebSession

blp = Blueprint("keys", __name__, description="API keys and their roles (admin)")


class KeyIn(Schema):
    """The body of a new key: its label, its role, and a facilitator key's practices."""

    label = fields.String(required=True, validate=validate.Length(min=1, max=100))
    role = fields.String(required=True, validate=validate.OneOf(ROLES))
    practices = fields.List(
        fields.String(validate=validate.Length(min=1, max=100)),
        load_default=list,
        metadata={"description": "the practices a facilitator key may see"},
    )

    @validates_schema
    def practices_fit_the_role(self, data: dict[str, Any], **kwargs: Any) -> None:
        """Refuses a practice listed twice, a facilitator key without practices, and an admin or
        analyst key with any."""
        practices = data.get("practices", [])
        if len(set(practices)) != len(practices):
            raise ValidationError("list each practice once", "practices")
        if data.get("role") == "facilitator" and not practices:
            raise ValidationError(
                "a facilitator key sees only its practices: list at least one", "practices"
            )
        if data.get("role") in ("admin", "analyst") and practices:
            raise ValidationError(
                f"an {data['role']} key sees every practice: leave practices empty", "practices"
            )


class KeyOut(Schema):
    """A key as listed: never the key itself or its hash."""

    id = fields.Integer()
    label = fields.String()
    role = fields.String()
    practices = fields.List(fields.String())
    created_at = fields.DateTime()


class CreatedKey(KeyOut):
    """A new key, with the key itself (shown only in this answer)."""

    key = fields.String(metadata={"description": "the key itself: shown only in this answer"})


@blp.route("/keys")
class Keys(MethodView):
    @require("admin")
    @blp.response(200, KeyOut(many=True))
    def get(self) -> list[ApiKey]:
        """Every key: label, role and practices (never the key or its hash)."""
        return list(session().scalars(sa.select(ApiKey).order_by(ApiKey.id)))

    @require("admin")
    @blp.arguments(KeyIn)
    @blp.response(201, CreatedKey)
    def post(self, body: dict[str, Any]) -> dict[str, Any]:
        """A new key; the answer holds the key itself, which is not shown again."""
        row, key = create_key(body["role"], body["label"], body["practices"])
        session().commit()
        return {name: getattr(row, name) for name in KeyOut().fields} | {"key": key}


@blp.route("/keys/<int:key_id>")
class KeyById(MethodView):
    @require("admin")
    @blp.response(204)
    def delete(self, key_id: int) -> None:
        """Delete a key and end its web page sessions; the last admin key stays (409)."""
        db = session()
        row = db.get(ApiKey, key_id)
        if row is None:
            raise ApiProblem(404, f"there is no key {key_id}; GET /keys lists them")
        if row.role == "admin":
            # Locked on PostgreSQL, so that two admins deleting each other's keys at once cannot
            # both pass the check.
            admins = db.scalars(
                sa.select(ApiKey.id).where(ApiKey.role == "admin").with_for_update()
            ).all()
            if list(admins) == [row.id]:
                raise ApiProblem(
                    409,
                    "this is the last admin key: create another admin key before deleting it",
                )
        # The key's web page sessions end with it (SQLite does not cascade by itself).
        db.execute(sa.delete(WebSession).where(WebSession.key_id == row.id))
        db.delete(row)
        db.commit()
