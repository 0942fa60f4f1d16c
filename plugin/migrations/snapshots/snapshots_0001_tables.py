"""The snapshot store's tables: snapshots, their rows, and an unfinished snapshot's progress.

A store that a qiscan before these revisions made (``create_all``) already has some or all of
them, with its snapshots in them: this revision makes only the tables that are missing, so such
a store is taken in as it stands (a store from before resumable pulls lacks ``pull_progress``).
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "snapshots_0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    present = set(sa.inspect(op.get_bind()).get_table_names())
    if "snapshot" not in present:
        op.create_table(
            "snapshot",
            sa.Column("id", sa.Integer, primary_key=True),
            sa.Column("project", sa.Text, nullable=False),
            sa.Column("created_at", sa.Text, nullable=False),
            sa.Column("server_time", sa.Text, nullable=False),
            sa.Column("mode", sa.Text, nullable=False),
            sa.Column("parent_id", sa.Integer, sa.ForeignKey("snapshot.id"), nullable=True),
            sa.Column("instruments", sa.Text, nullable=False),
            sa.Column("metadata", sa.Text, nullable=False),
            sa.Column("structure", sa.Text, nullable=False),
            sa.Column("record_count", sa.Integer, nullable=False),
            sa.Column("row_count", sa.Integer, nullable=False),
            sa.Column("content_hash", sa.Text, nullable=False),
        )
    if "snapshot_row" not in present:
        op.create_table(
            "snapshot_row",
            sa.Column("snapshot_id", sa.Integer, sa.ForeignKey("snapshot.id"), primary_key=True),
            sa.Column("record", sa.Text, primary_key=True),
            sa.Column("event", sa.Text, primary_key=True),
            sa.Column("repeat_instrument", sa.Text, primary_key=True),
            sa.Column("repeat_instance", sa.Text, primary_key=True),
            sa.Column("data", sa.Text, nullable=False),
        )
    if "pull_progress" not in present:
        op.create_table(
            "pull_progress",
            sa.Column("snapshot_id", sa.Integer, sa.ForeignKey("snapshot.id"), primary_key=True),
            sa.Column("ids", sa.Text, nullable=False),
            sa.Column("deleted", sa.Text, nullable=False),
            sa.Column("done", sa.Integer, nullable=False),
            sa.Column("owner", sa.Text, nullable=False),
            sa.Column("updated_at", sa.Text, nullable=False),
        )


def downgrade() -> None:
    raise NotImplementedError("qiscan's migrations go forward only: restore a backup to go back")
