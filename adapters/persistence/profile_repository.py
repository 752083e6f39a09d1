"""The ProfileRepository port on the `profiles` table, in SQLAlchemy Core."""

from __future__ import annotations

from uuid import UUID

from sqlalchemy import bindparam, insert, select, update

from adapters.persistence.statements import StatementRunner
from adapters.persistence.tables import profiles
from application.ports import ProfileRepository
from domain.profile import Profile

# Parameters are named apart from the columns: SQLAlchemy reserves a column's name in the
# VALUES and SET clauses of an insert() or update().
_GET = select(profiles.c.display_name).where(profiles.c.user_id == bindparam("owner_id"))
_UPDATE = (
    update(profiles)
    .where(profiles.c.user_id == bindparam("owner_id"))
    .values(display_name=bindparam("name"))
)
_INSERT = insert(profiles).values(user_id=bindparam("owner_id"), display_name=bindparam("name"))


class SqlAlchemyProfileRepository(ProfileRepository):
    def __init__(self, statements: StatementRunner) -> None:
        self._statements = statements

    async def get(self, user_id: UUID) -> Profile | None:
        row = await self._statements.first(_GET, {"owner_id": user_id})
        return None if row is None else Profile(user_id=user_id, display_name=row[0])

    async def save(self, profile: Profile) -> None:
        """An UPDATE, and an INSERT when there was no row: the same on SQLite and PostgreSQL."""
        params = {"owner_id": profile.user_id, "name": profile.display_name}
        if await self._statements.run(_UPDATE, params) == 0:
            await self._statements.run(_INSERT, params)
