"""Uploaded instrument definitions: one row per (id, version), kept as uploaded."""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "service_0003"
down_revision = "service_0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "instrument_definition",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("instrument_id", sa.String(100), nullable=False),
        sa.Column("version", sa.String(50), nullable=False),
        sa.Column("title", sa.String(300), nullable=False),
        sa.Column("body", sa.Text, nullable=False),
        sa.Column("body_hash", sa.String(64), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.UniqueConstraint("instrument_id", "version", name="one_definition_per_version"),
    )


def downgrade() -> None:
    raise NotImplementedError("qiscan's migrations go forward only: restore a backup to go back")
