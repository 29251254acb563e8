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
    with op.batch_alter_table("members") as batch:
        batch.add_column(sa.Column("language", sa.String(length=8), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("members") as batch:
        batch.drop_column("language")
