"""the coach feedback loop and weekly digests

Members' notes, notable efforts and what they chose to send to a coach become
feed items (one per check-in day, or per message asked about); every message
of a coach thread is a relay message, found again by the Telegram message it
became. Trainers can be assigned to cohorts; members can opt out of the
weekly digest. New tables only: nothing existing changes.

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-05 10:00:00+00:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0010"
down_revision: str | None = "0009"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "cohort_trainers",
        sa.Column("cohort_id", sa.Integer(), nullable=False),
        sa.Column("member_id", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["cohort_id"],
            ["cohorts.id"],
            name=op.f("fk_cohort_trainers_cohort_id_cohorts"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["member_id"],
            ["members.id"],
            name=op.f("fk_cohort_trainers_member_id_members"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("cohort_id", "member_id", name=op.f("pk_cohort_trainers")),
    )
    op.create_index(op.f("ix_cohort_trainers_member_id"), "cohort_trainers", ["member_id"])
    op.create_table(
        "feed_items",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("member_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("source_key", sa.String(length=64), nullable=False),
        sa.Column("local_date", sa.Date(), nullable=True),
        sa.Column("text", sa.Text(), nullable=True),
        sa.Column("effort", sa.SmallInteger(), nullable=True),
        sa.Column("media", sa.String(length=16), nullable=True),
        sa.Column("source_chat_id", sa.BigInteger(), nullable=True),
        sa.Column("source_message_id", sa.BigInteger(), nullable=True),
        sa.Column("alert", sa.Boolean(), server_default=sa.false(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint(
            "kind IN ('checkin', 'media', 'question')", name=op.f("ck_feed_items_kind")
        ),
        sa.CheckConstraint("status IN ('draft', 'open')", name=op.f("ck_feed_items_status")),
        sa.ForeignKeyConstraint(
            ["member_id"],
            ["members.id"],
            name=op.f("fk_feed_items_member_id_members"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_feed_items")),
        sa.UniqueConstraint("source_key", name=op.f("uq_feed_items_source_key")),
    )
    op.create_index(op.f("ix_feed_items_member_id"), "feed_items", ["member_id"])
    op.create_index("ix_feed_items_status_updated_at", "feed_items", ["status", "updated_at"])
    op.create_table(
        "relay_messages",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("feed_item_id", sa.Integer(), nullable=False),
        sa.Column("trainer_id", sa.Integer(), nullable=False),
        sa.Column("direction", sa.String(length=16), nullable=False),
        sa.Column("text", sa.Text(), nullable=True),
        sa.Column("chat_id", sa.BigInteger(), nullable=False),
        sa.Column("telegram_message_id", sa.BigInteger(), nullable=True),
        sa.Column("dedupe_key", sa.String(length=128), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint(
            "direction IN ('to_member', 'to_trainer', 'prompt')",
            name=op.f("ck_relay_messages_direction"),
        ),
        sa.ForeignKeyConstraint(
            ["feed_item_id"],
            ["feed_items.id"],
            name=op.f("fk_relay_messages_feed_item_id_feed_items"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["trainer_id"],
            ["members.id"],
            name=op.f("fk_relay_messages_trainer_id_members"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_relay_messages")),
        sa.UniqueConstraint("dedupe_key", name=op.f("uq_relay_messages_dedupe_key")),
    )
    op.create_index(op.f("ix_relay_messages_feed_item_id"), "relay_messages", ["feed_item_id"])
    op.create_index(op.f("ix_relay_messages_trainer_id"), "relay_messages", ["trainer_id"])
    op.create_index(
        "ix_relay_messages_chat_id_telegram_message_id",
        "relay_messages",
        ["chat_id", "telegram_message_id"],
    )
    op.create_table(
        "digest_opt_outs",
        sa.Column("member_id", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["member_id"],
            ["members.id"],
            name=op.f("fk_digest_opt_outs_member_id_members"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("member_id", name=op.f("pk_digest_opt_outs")),
    )


def downgrade() -> None:
    for table in ("digest_opt_outs", "relay_messages", "feed_items", "cohort_trainers"):
        op.drop_table(table)
