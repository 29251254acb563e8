"""community groups: linked groups, their posts in the outbox, member opt-ins

An admin links the bootcamp's Telegram group with /group link; the bot then
posts there on its own (a daily post, a weekly leaderboard, milestone
shout-outs), through the outbox like everything else it sends. A post to a
group has no member: `outbox.member_id` becomes nullable and `group_id`
names the group (deleting the group, as unlinking does, deletes what the
outbox still held for it). The outbox kind 'group' joins the CHECK.

`member_optins` holds what a member agreed to show in the groups: the
leaderboard and milestone shout-outs, both off until they say so.

SQLite cannot alter a column or a constraint, so batch mode copies the
outbox; it is given as it stands at 0008 (`copy_from`), which also lets
`migrate --sql` print the migration without a database to reflect.

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-05 09:00:00+00:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0009"
down_revision: str | None = "0008"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

KINDS_BEFORE = "kind IN ('reminder', 'broadcast', 'nudge', 'notice')"
KINDS_AFTER = "kind IN ('reminder', 'broadcast', 'nudge', 'notice', 'group')"


def _outbox() -> sa.Table:
    """The outbox table of revision 0008."""
    return sa.Table(
        "outbox",
        sa.MetaData(),
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("member_id", sa.Integer(), nullable=False),
        sa.Column("chat_id", sa.BigInteger(), nullable=False),
        sa.Column("broadcast_id", sa.Integer(), nullable=True),
        sa.Column("payload", sa.JSON(), nullable=False),
        sa.Column("priority", sa.SmallInteger(), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("not_before", sa.DateTime(timezone=True), nullable=False),
        sa.Column("claimed_by", sa.String(length=128), nullable=True),
        sa.Column("claim_expires_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("telegram_message_id", sa.BigInteger(), nullable=True),
        sa.Column("error", sa.Text(), nullable=True),
        sa.Column("dedupe_key", sa.String(length=128), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("sent_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("uncertain", sa.Boolean(), nullable=False, server_default=sa.false()),
        sa.CheckConstraint(KINDS_BEFORE, name="ck_outbox_kind"),
        sa.CheckConstraint(
            "status IN ('pending', 'sending', 'sent', 'failed', 'cancelled')",
            name="ck_outbox_status",
        ),
        sa.ForeignKeyConstraint(
            ["broadcast_id"],
            ["broadcasts.id"],
            name="fk_outbox_broadcast_id_broadcasts",
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["member_id"], ["members.id"], name="fk_outbox_member_id_members", ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name="pk_outbox"),
        sa.UniqueConstraint("dedupe_key", name="uq_outbox_dedupe_key"),
        sa.Index("ix_outbox_broadcast_id", "broadcast_id"),
        sa.Index("ix_outbox_member_id", "member_id"),
        sa.Index("ix_outbox_status_priority_id", "status", "priority", "id"),
        sa.Index("ix_outbox_created_at", "created_at"),
    )


def upgrade() -> None:
    op.create_table(
        "community_groups",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("chat_id", sa.BigInteger(), nullable=False),
        sa.Column("title", sa.String(length=128), nullable=False),
        sa.Column("cohort_id", sa.Integer(), nullable=True),
        sa.Column("linked_by", sa.BigInteger(), nullable=False),
        sa.Column("timezone", sa.String(length=64), nullable=False),
        sa.Column("daily_enabled", sa.Boolean(), nullable=False),
        sa.Column("daily_time", sa.Time(), nullable=False),
        sa.Column("leaderboard_enabled", sa.Boolean(), nullable=False),
        sa.Column("shoutouts_enabled", sa.Boolean(), nullable=False),
        sa.Column("next_daily_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("next_board_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("next_post_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["cohort_id"],
            ["cohorts.id"],
            name=op.f("fk_community_groups_cohort_id_cohorts"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_community_groups")),
        sa.UniqueConstraint("chat_id", name=op.f("uq_community_groups_chat_id")),
    )
    op.create_index(
        op.f("ix_community_groups_cohort_id"), "community_groups", ["cohort_id"], unique=False
    )
    op.create_index(
        "ix_community_groups_next_daily_at", "community_groups", ["next_daily_at"], unique=False
    )
    op.create_table(
        "member_optins",
        sa.Column("member_id", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("leaderboard", sa.Boolean(), nullable=False),
        sa.Column("shoutouts", sa.Boolean(), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["member_id"],
            ["members.id"],
            name=op.f("fk_member_optins_member_id_members"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("member_id", name=op.f("pk_member_optins")),
    )
    with op.batch_alter_table("outbox", copy_from=_outbox()) as batch:
        batch.alter_column("member_id", existing_type=sa.Integer(), nullable=True)
        batch.add_column(sa.Column("group_id", sa.Integer(), nullable=True))
        batch.create_foreign_key(
            op.f("fk_outbox_group_id_community_groups"),
            "community_groups",
            ["group_id"],
            ["id"],
            ondelete="CASCADE",
        )
        batch.create_index(op.f("ix_outbox_group_id"), ["group_id"], unique=False)
        batch.drop_constraint(op.f("ck_outbox_kind"), type_="check")
        batch.create_check_constraint(op.f("ck_outbox_kind"), KINDS_AFTER)


def downgrade() -> None:
    # Group posts have no member: they cannot exist in the older outbox.
    op.execute("DELETE FROM outbox WHERE member_id IS NULL OR kind = 'group'")
    with op.batch_alter_table("outbox") as batch:
        batch.drop_constraint(op.f("ck_outbox_kind"), type_="check")
        batch.create_check_constraint(op.f("ck_outbox_kind"), KINDS_BEFORE)
        batch.drop_index(op.f("ix_outbox_group_id"))
        batch.drop_constraint(op.f("fk_outbox_group_id_community_groups"), type_="foreignkey")
        batch.drop_column("group_id")
        batch.alter_column("member_id", existing_type=sa.Integer(), nullable=False)
    op.drop_table("member_optins")
    op.drop_index("ix_community_groups_next_daily_at", table_name="community_groups")
    op.drop_index(op.f("ix_community_groups_cohort_id"), table_name="community_groups")
    op.drop_table("community_groups")
