"""the language a linked group's posts are written in

A group linked before this revision reads English, as it always did: the
column is NOT NULL with the server default 'en'. From now on /group link
takes the language of whoever links the group, and /language in the group
changes it.

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-07 10:00:00+00:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0012"
down_revision: str | None = "0011"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.add_column(
        "community_groups",
        sa.Column("language", sa.String(length=8), nullable=False, server_default="en"),
    )


def downgrade() -> None:
    # A plain DROP COLUMN (SQLite 3.35+) is enough: nothing indexes or constrains it.
    op.drop_column("community_groups", "language")
