"""a durable inbox of updates

Every update is stored before it is acknowledged, and handled from there by
workers (per-chat order, retries, failures kept). It replaces the table of
processed update ids. Broadcast drafts get the key of the update that made
them, so handling that update again finds the same draft.

Revision ID: 0004
Revises: 0003
Create Date: 2026-12-01 11:20:00+00:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0004"
down_revision: str | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "inbox",
        sa.Column("update_id", sa.BigInteger(), autoincrement=False, nullable=False),
        sa.Column("chat_key", sa.String(length=40), nullable=False),
        sa.Column("kind", sa.String(length=32), nullable=False),
        sa.Column("payload", sa.JSON(), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("received_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("not_before", sa.DateTime(timezone=True), nullable=False),
        sa.Column("claimed_by", sa.String(length=128), nullable=True),
        sa.Column("claim_expires_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("finished_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("error", sa.Text(), nullable=True),
        sa.CheckConstraint(
            "status IN ('pending', 'working', 'done', 'failed')", name=op.f("ck_inbox_status")
        ),
        sa.PrimaryKeyConstraint("update_id", name=op.f("pk_inbox")),
    )
    op.create_index("ix_inbox_status_update_id", "inbox", ["status", "update_id"])
    op.create_index(
        "ix_inbox_chat_key_status_update_id", "inbox", ["chat_key", "status", "update_id"]
    )
    op.create_index("ix_inbox_finished_at", "inbox", ["finished_at"])
    op.drop_index(op.f("ix_processed_updates_processed_at"), table_name="processed_updates")
    op.drop_table("processed_updates")
    op.add_column("broadcasts", sa.Column("request_key", sa.String(length=64), nullable=True))
    op.create_index("ix_broadcasts_request_key", "broadcasts", ["request_key"], unique=True)


def downgrade() -> None:
    op.drop_index("ix_broadcasts_request_key", table_name="broadcasts")
    with op.batch_alter_table("broadcasts") as batch:
        batch.drop_column("request_key")
    op.create_table(
        "processed_updates",
        sa.Column("update_id", sa.BigInteger(), autoincrement=False, nullable=False),
        sa.Column("processed_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("update_id", name=op.f("pk_processed_updates")),
    )
    op.create_index(
        op.f("ix_processed_updates_processed_at"), "processed_updates", ["processed_at"]
    )
    op.drop_index("ix_inbox_finished_at", table_name="inbox")
    op.drop_index("ix_inbox_chat_key_status_update_id", table_name="inbox")
    op.drop_index("ix_inbox_status_update_id", table_name="inbox")
    op.drop_table("inbox")
