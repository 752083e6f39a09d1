"""What the schema itself enforces, below the repositories, on both databases."""

from __future__ import annotations

import pytest
from sqlalchemy import func, insert, select, text
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncEngine

from adapters.persistence import unit_of_work_factory
from adapters.persistence.tables import refresh_sessions, users
from tests.builders import NOW, a_session, a_user


async def test_an_upper_case_email_written_around_the_domain_is_refused(
    engine: AsyncEngine,
) -> None:
    async with engine.connect() as connection:
        with pytest.raises(IntegrityError, match=r"ck_users_email_lowercase|CHECK constraint"):
            await connection.execute(
                insert(users).values(
                    id=a_user().id, email="Ada@Example.com", password_hash="h", created_at=NOW
                )
            )


async def test_a_new_user_is_active_unless_said_otherwise(engine: AsyncEngine) -> None:
    user_id = a_user().id
    async with engine.begin() as connection:
        await connection.execute(
            insert(users).values(
                id=user_id, email="ada@example.com", password_hash="h", created_at=NOW
            )
        )
        stored = await connection.scalar(select(users.c.is_active).where(users.c.id == user_id))

    assert stored is True


async def test_deleting_a_user_deletes_their_sessions(engine: AsyncEngine) -> None:
    user = a_user()
    async with unit_of_work_factory(engine)() as uow:
        await uow.users.add(user)
        await uow.sessions.add(a_session(user_id=user.id))
        await uow.sessions.add(a_session(user_id=user.id))
        await uow.commit()

    async with engine.begin() as connection:
        await connection.execute(users.delete().where(users.c.id == user.id))
        left = await connection.scalar(select(func.count()).select_from(refresh_sessions))

    assert left == 0


async def test_each_test_starts_with_an_empty_database(engine: AsyncEngine) -> None:
    # The fixtures hand every test a clean database; the tests above leave rows behind.
    async with engine.connect() as connection:
        for table in ("users", "refresh_sessions"):
            assert await connection.scalar(text(f"SELECT count(*) FROM {table}")) == 0
