"""Cancelling jobs: when a cancel was asked for a running job (its worker stops the job and
marks it "cancelled"), and whose key asked. A job's state is text, so "cancelled" needs no
change of its own."""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "service_0004"
down_revision = "service_0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column(
        "job", sa.Column("cancel_requested_at", sa.DateTime(timezone=True), nullable=True)
    )
    op.add_column(
        "job", sa.Column("cancelled_by", sa.String(200), nullable=False, server_default="")
    )


def downgrade() -> None:
    raise NotImplementedError("qiscan's migrations go forward only: restore a backup to go back")
