"""the language a member chose with /language

NULL means the member never chose: the bot follows Telegram's language_code
(French for fr, English otherwise). A new nullable column: nothing existing
changes.

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-06 10:00:00+00:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0011"
down_revision: str | None = "0010"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.add_column("members", sa.Column("language", sa.String(length=8), nullable=True))


def downgrade() -> None:
    # Plain DROP COLUMN (SQLite 3.35+): a batch copy would turn the members' CHECK
    # constraints into table constraints that later downgrades cannot drop.
    op.drop_column("members", "language")
