"""member stats, report indexes, chunked broadcast queueing

Trainer views read one row of figures per member (member_stats) instead of
every calendar. Existing members get a row with what SQL alone can tell
(last check-in, last effort, last note, total done); `as_of` stays NULL, so
the background refresh computes their streaks and adherence with the
calendar on its first runs. Indexes: done check-ins by local date (the /stats
chart) and members by zone (local "today" per zone). Broadcasts remember how
far queueing got (`queued_through`), so it resumes after a crash.

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-02 09:00:00+00:00
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime

import sqlalchemy as sa
from alembic import op

revision: str = "0005"
down_revision: str | None = "0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

BACKFILL = """
INSERT INTO member_stats (
    member_id, as_of, current_streak, longest_streak, streak_start, total_done,
    done_7, scheduled_7, done_30, scheduled_30, program_day,
    last_checkin, last_effort, last_note_date, version, updated_at
)
SELECT
    m.id, NULL, 0, 0, NULL,
    (SELECT count(*) FROM checkins c WHERE c.member_id = m.id AND c.status = 'done'),
    0, 0, 0, 0, NULL,
    (SELECT max(c.local_date) FROM checkins c WHERE c.member_id = m.id),
    (SELECT c.effort FROM checkins c
      WHERE c.member_id = m.id AND c.effort IS NOT NULL
      ORDER BY c.local_date DESC LIMIT 1),
    (SELECT max(c.local_date) FROM checkins c WHERE c.member_id = m.id AND c.note IS NOT NULL),
    0, :now
FROM members m
"""


def upgrade() -> None:
    op.create_table(
        "member_stats",
        sa.Column("member_id", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("as_of", sa.Date(), nullable=True),
        sa.Column("current_streak", sa.Integer(), nullable=False),
        sa.Column("longest_streak", sa.Integer(), nullable=False),
        sa.Column("streak_start", sa.Date(), nullable=True),
        sa.Column("total_done", sa.Integer(), nullable=False),
        sa.Column("done_7", sa.Integer(), nullable=False),
        sa.Column("scheduled_7", sa.Integer(), nullable=False),
        sa.Column("done_30", sa.Integer(), nullable=False),
        sa.Column("scheduled_30", sa.Integer(), nullable=False),
        sa.Column("program_day", sa.Integer(), nullable=True),
        sa.Column("last_checkin", sa.Date(), nullable=True),
        sa.Column("last_effort", sa.SmallInteger(), nullable=True),
        sa.Column("last_note_date", sa.Date(), nullable=True),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["member_id"],
            ["members.id"],
            name=op.f("fk_member_stats_member_id_members"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("member_id", name=op.f("pk_member_stats")),
    )
    op.create_index("ix_checkins_status_local_date", "checkins", ["status", "local_date"])
    op.create_index("ix_members_timezone", "members", ["timezone"])
    with op.batch_alter_table("broadcasts") as batch:
        batch.add_column(sa.Column("queued_through", sa.Integer(), nullable=True))
    now = datetime.now(UTC)
    if op.get_bind().dialect.name == "sqlite":
        now = now.replace(tzinfo=None)  # stored as UTC without a zone, like every timestamp
    op.execute(
        sa.text(BACKFILL).bindparams(sa.bindparam("now", now, type_=sa.DateTime(timezone=True)))
    )


def downgrade() -> None:
    with op.batch_alter_table("broadcasts") as batch:
        batch.drop_column("queued_through")
    op.drop_index("ix_members_timezone", table_name="members")
    op.drop_index("ix_checkins_status_local_date", table_name="checkins")
    op.drop_table("member_stats")
