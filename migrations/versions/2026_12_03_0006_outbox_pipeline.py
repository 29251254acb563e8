"""outbox for the pipelined sender: claim index, uncertain sends, housekeeping

The claim now reads pending rows in (priority, id) order straight from an
index instead of sorting every due row; finished rows older than the
retention are deleted by a periodic job, found by `created_at`. A send that
timed out is marked `uncertain` (Telegram may have delivered it), and a
finished broadcast keeps how many of its sends were uncertain, since its
outbox rows do not stay forever.

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-03 09:00:00+00:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0006"
down_revision: str | None = "0005"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.drop_index("ix_outbox_status_priority_not_before", table_name="outbox")
    op.create_index("ix_outbox_status_priority_id", "outbox", ["status", "priority", "id"])
    op.create_index("ix_outbox_created_at", "outbox", ["created_at"])
    # Plain ADD COLUMN with a constant default: no table copy on SQLite.
    op.add_column(
        "outbox", sa.Column("uncertain", sa.Boolean(), nullable=False, server_default=sa.false())
    )
    op.add_column(
        "broadcasts", sa.Column("uncertain", sa.Integer(), nullable=False, server_default="0")
    )


def downgrade() -> None:
    with op.batch_alter_table("broadcasts") as batch:
        batch.drop_column("uncertain")
    with op.batch_alter_table("outbox") as batch:
        batch.drop_column("uncertain")
    op.drop_index("ix_outbox_created_at", table_name="outbox")
    op.drop_index("ix_outbox_status_priority_id", table_name="outbox")
    op.create_index(
        "ix_outbox_status_priority_not_before", "outbox", ["status", "priority", "not_before"]
    )
