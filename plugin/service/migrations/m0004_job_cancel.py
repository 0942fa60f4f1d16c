"""Cancelling jobs: when a cancel was asked for a running job (its worker stops the job and
marks it "cancelled"), and whose key asked. A job's state is text, so "cancelled" needs no
change of its own."""

from __future__ import annotations

import sqlalchemy as sa
from alembic.operations import Operations


def upgrade(op: Operations) -> None:
    op.add_column(
        "job", sa.Column("cancel_requested_at", sa.DateTime(timezone=True), nullable=True)
    )
    op.add_column(
        "job", sa.Column("cancelled_by", sa.String(200), nullable=False, server_default="")
    )
