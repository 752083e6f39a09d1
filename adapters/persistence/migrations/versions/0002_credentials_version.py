"""Credentials versions: a session keeps the one its login checked (API.md "Refresh sessions").

Existing accounts and sessions start at 0, so every live session stays valid.

Revision ID: 0002
Revises: 0001_initial
Create Date: 2026-11-29
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0002"
down_revision: str | Sequence[str] | None = "0001_initial"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

TABLES = ("users", "refresh_sessions")


def upgrade() -> None:
    for table in TABLES:
        op.add_column(
            table,
            sa.Column("credentials_version", sa.Integer(), server_default="0", nullable=False),
        )


def downgrade() -> None:
    # Batch mode: SQLite copies the table where it cannot drop a column in place.
    for table in reversed(TABLES):
        with op.batch_alter_table(table) as batch:
            batch.drop_column("credentials_version")
