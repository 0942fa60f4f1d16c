"""Jobs for several processes: who runs a job and when it last said so (its lease), the snapshot
a pull made as a column, and at most one queued job per dedupe key, kept by the database."""

from __future__ import annotations

import json

import sqlalchemy as sa
from alembic import op

revision = "service_0002"
down_revision = "service_0001"
branch_labels = None
depends_on = None

QUEUED_WITH_KEY = "state = 'queued' AND dedupe_key <> ''"


def upgrade() -> None:
    op.add_column("job", sa.Column("owner", sa.String(100), nullable=False, server_default=""))
    op.add_column("job", sa.Column("heartbeat_at", sa.DateTime(timezone=True), nullable=True))
    op.add_column("job", sa.Column("snapshot_id", sa.Integer, nullable=True))
    op.create_index("job_by_snapshot", "job", ["snapshot_id"])
    connection = op.get_bind()
    pulls = connection.execute(
        sa.text("SELECT id, result FROM job WHERE kind = 'pull' AND state = 'done'")
    )
    for job_id, result in pulls.fetchall():
        found = json.loads(result) if isinstance(result, str) else result
        if isinstance(found, dict) and isinstance(found.get("snapshot_id"), int):
            connection.execute(
                sa.text("UPDATE job SET snapshot_id = :snapshot WHERE id = :id"),
                {"snapshot": found["snapshot_id"], "id": job_id},
            )
    # Before the index: of equal queued jobs (none should exist), the oldest keeps the key.
    connection.execute(
        sa.text(
            f"UPDATE job SET dedupe_key = '' WHERE {QUEUED_WITH_KEY} AND id NOT IN "
            f"(SELECT keep_id FROM (SELECT MIN(id) AS keep_id FROM job WHERE {QUEUED_WITH_KEY} "
            "GROUP BY dedupe_key) AS kept)"
        )
    )
    op.create_index(
        "job_one_queued_per_key",
        "job",
        ["dedupe_key"],
        unique=True,
        sqlite_where=sa.text(QUEUED_WITH_KEY),
        postgresql_where=sa.text(QUEUED_WITH_KEY),
    )


def downgrade() -> None:
    raise NotImplementedError("qiscan's migrations go forward only: restore a backup to go back")
