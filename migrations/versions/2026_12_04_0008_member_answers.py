"""the answers of the quick questions at /start

/start asks how much the member has trained, the equipment at hand and any
knee or back pain, pregnancy or a recent injury; the daily session swaps
moves to fit (`bot/catalog/personalise.py`). NULL means not answered:
existing members keep the sessions as the program has them and can answer
later in /settings.

Experience is one value (a CHECK constraint, written with the column so
SQLite needs no table copy); equipment and conditions are short lists,
checked by the service.

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-04 10:00:00+00:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0008"
down_revision: str | None = "0007"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.add_column(
        "members",
        sa.Column(
            "experience",
            sa.String(length=16),
            sa.CheckConstraint(
                "experience IN ('new', 'some', 'regular')", name=op.f("ck_members_experience")
            ),
            nullable=True,
        ),
    )
    op.add_column("members", sa.Column("equipment", sa.String(length=64), nullable=True))
    op.add_column("members", sa.Column("conditions", sa.String(length=64), nullable=True))


def downgrade() -> None:
    # Plain DROP COLUMN (SQLite 3.35+): a batch copy would carry the experience
    # CHECK over to a table without the column.
    for column in ("conditions", "equipment", "experience"):
        op.drop_column("members", column)
