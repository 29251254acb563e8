"""rest-day check-ins get their own status

A check-in on a rest day used to be stored as 'done', so it counted as a
session done (on /progress and in the trainers' daily chart) although no
training was scheduled. It is now 'rest': shown as extra credit, never a
done training day. Only the CHECK constraint changes; rows stay as they are.

SQLite cannot alter a constraint, so batch mode copies the table. The table
is given as it stands at 0006 (`copy_from`), which also lets `migrate --sql`
print the migration without a database to reflect.

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-04 09:00:00+00:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0007"
down_revision: str | None = "0006"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

BEFORE = "status IN ('done', 'skipped')"
AFTER = "status IN ('done', 'skipped', 'rest')"


def _checkins(status_check: str) -> sa.Table:
    """The checkins table of revision 0006, with the given status constraint."""
    return sa.Table(
        "checkins",
        sa.MetaData(),
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("member_id", sa.Integer(), nullable=False),
        sa.Column("local_date", sa.Date(), nullable=False),
        sa.Column("program_day", sa.Integer(), nullable=True),
        sa.Column("status", sa.String(length=8), nullable=False),
        sa.Column("effort", sa.SmallInteger(), nullable=True),
        sa.Column("note", sa.Text(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint(status_check, name="ck_checkins_status"),
        sa.CheckConstraint("effort IS NULL OR (effort BETWEEN 1 AND 5)", name="ck_checkins_effort"),
        sa.ForeignKeyConstraint(
            ["member_id"],
            ["members.id"],
            name="fk_checkins_member_id_members",
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name="pk_checkins"),
        sa.UniqueConstraint("member_id", "local_date", name="uq_checkins_member_id_local_date"),
        sa.Index("ix_checkins_status_local_date", "status", "local_date"),
    )


def _replace_status_check(old: str, new: str) -> None:
    with op.batch_alter_table("checkins", copy_from=_checkins(old)) as batch:
        batch.drop_constraint(op.f("ck_checkins_status"), type_="check")
        batch.create_check_constraint(op.f("ck_checkins_status"), new)


def upgrade() -> None:
    _replace_status_check(BEFORE, AFTER)


def downgrade() -> None:
    # A rest check-in was a done one before this revision.
    op.execute("UPDATE checkins SET status = 'done' WHERE status = 'rest'")
    _replace_status_check(AFTER, BEFORE)
