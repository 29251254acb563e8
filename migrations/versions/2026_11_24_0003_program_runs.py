"""program runs

The history of programs a member followed, so streaks and adherence count the
days each program scheduled, across switches and restarts. Existing members
get one open run from their current program start.

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-24 21:38:59.310975+00:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0003"
down_revision: str | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "program_runs",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("member_id", sa.Integer(), nullable=False),
        sa.Column("program_id", sa.String(length=64), nullable=False),
        sa.Column("start_date", sa.Date(), nullable=False),
        sa.Column("end_date", sa.Date(), nullable=True),
        sa.ForeignKeyConstraint(
            ["member_id"],
            ["members.id"],
            name=op.f("fk_program_runs_member_id_members"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_program_runs")),
        sa.UniqueConstraint(
            "member_id", "start_date", name=op.f("uq_program_runs_member_id_start_date")
        ),
    )
    op.execute(
        "INSERT INTO program_runs (member_id, program_id, start_date) "
        "SELECT id, program_id, program_start FROM members "
        "WHERE program_id IS NOT NULL AND program_start IS NOT NULL"
    )


def downgrade() -> None:
    op.drop_table("program_runs")
