"""Web page sessions kept by the service: the hash of each signed-in session's id, its key and
when it ends, so that signing out ends the session itself and not only one copy of its cookie."""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "service_0005"
down_revision = "service_0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "web_session",
        sa.Column("id_hash", sa.String(64), primary_key=True),
        sa.Column(
            "key_id", sa.Integer, sa.ForeignKey("api_key.id", ondelete="CASCADE"), nullable=False
        ),
        sa.Column("key_fp", sa.String(16), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_index("web_session_by_key", "web_session", ["key_id"])


def downgrade() -> None:
    raise NotImplementedError("qiscan's migrations go forward only: restore a backup to go back")
