"""Sessions say how they signed in (`amr`, RFC 8176; docs/api.md "amr of a session").

Every session before this revision signed in with a password, so existing rows get "pwd".

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-30
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0004"
down_revision: str | Sequence[str] | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.add_column(
        "refresh_sessions",
        sa.Column("amr", sa.String(length=64), server_default="pwd", nullable=False),
    )


def downgrade() -> None:
    # Batch mode: SQLite copies the table where it cannot drop a column in place.
    with op.batch_alter_table("refresh_sessions") as batch:
        batch.drop_column("amr")
