"""The statements a forking team writes run unchanged on SQLite and on PostgreSQL, on the
connection and in the transaction the repositories use (`SqlAlchemyUnitOfWork.connection`).

Ordinary SQLAlchemy Core: a `where` on a column value, `limit`, `in_` with a list, `order_by`, a
join, and a column of a custom type, which must read back the same on both databases.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import pytest
from sqlalchemy import (
    Column,
    Dialect,
    ForeignKey,
    Integer,
    MetaData,
    String,
    Table,
    TypeDecorator,
    Uuid,
    func,
    insert,
    select,
    update,
)
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine
from sqlalchemy.schema import CreateTable, DropTable

from adapters.persistence import create_engine
from adapters.persistence.tables import refresh_sessions, users
from adapters.persistence.unit_of_work import SqlAlchemyUnitOfWork
from domain.user import User
from tests.builders import NOW, a_session, a_user


class Tags(TypeDecorator[frozenset[str]]):
    """A set of tags stored as one sorted, comma-separated string."""

    impl = String(200)
    cache_ok = True

    def process_bind_param(self, value: frozenset[str] | None, dialect: Dialect) -> str | None:
        return None if value is None else ",".join(sorted(value))

    def process_result_value(self, value: Any, dialect: Dialect) -> frozenset[str] | None:
        return None if value is None else frozenset(value.split(",")) if value else frozenset()


forker_metadata = MetaData()
notes = Table(
    "forker_notes",
    forker_metadata,
    Column("id", Integer, primary_key=True, autoincrement=False),
    Column("user_id", Uuid, ForeignKey(users.c.id), nullable=False),
    Column("tags", Tags, nullable=True),
)


@pytest.fixture
async def engine(database_url: str) -> AsyncIterator[AsyncEngine]:
    """The service's engine, with the forker's own table created for the test."""
    engine = create_engine(database_url)
    async with SqlAlchemyUnitOfWork.open(engine) as uow:
        await uow.connection.execute(CreateTable(notes))
        await uow.commit()
    try:
        yield engine
    finally:
        async with SqlAlchemyUnitOfWork.open(engine) as uow:
            await uow.connection.execute(DropTable(notes))
            await uow.commit()
        await engine.dispose()


async def given_users(engine: AsyncEngine, *emails: str) -> list[User]:
    added = [a_user(email=email) for email in emails]
    async with SqlAlchemyUnitOfWork.open(engine) as uow:
        for user in added:
            await uow.users.add(user)
        await uow.commit()
    return added


async def test_a_where_on_a_column_value_with_a_limit(engine: AsyncEngine) -> None:
    [ada, _] = await given_users(engine, "ada@example.com", "bob@example.com")

    async with SqlAlchemyUnitOfWork.open(engine, read_only=True) as uow:
        rows = (
            await uow.connection.execute(
                select(users.c.id, users.c.email)
                .where(users.c.email == "ada@example.com")
                .limit(10)
            )
        ).all()

    assert [(row[0], row[1]) for row in rows] == [(ada.id, "ada@example.com")]


async def test_in_with_a_list_and_order_by(engine: AsyncEngine) -> None:
    await given_users(engine, "c@example.com", "a@example.com", "b@example.com", "d@example.com")
    wanted = ["d@example.com", "a@example.com", "c@example.com"]

    async with SqlAlchemyUnitOfWork.open(engine, read_only=True) as uow:
        rows = (
            await uow.connection.execute(
                select(users.c.email)
                .where(users.c.email.in_(wanted))
                .order_by(users.c.email.desc())
            )
        ).all()

    assert [row[0] for row in rows] == ["d@example.com", "c@example.com", "a@example.com"]


async def test_an_empty_in_list_matches_nothing(engine: AsyncEngine) -> None:
    await given_users(engine, "a@example.com")

    async with SqlAlchemyUnitOfWork.open(engine, read_only=True) as uow:
        rows = (await uow.connection.execute(select(users.c.id).where(users.c.id.in_([])))).all()

    assert rows == []


async def test_a_join_with_an_aggregate_per_user(engine: AsyncEngine) -> None:
    ada, bob, _ = await given_users(engine, "ada@x.com", "bob@x.com", "eve@x.com")
    async with SqlAlchemyUnitOfWork.open(engine) as uow:
        for owner in (ada, ada, bob):
            await uow.sessions.add(a_session(user_id=owner.id, now=NOW))
        await uow.commit()

    statement = (
        select(users.c.email, func.count(refresh_sessions.c.id))
        .join_from(users, refresh_sessions, refresh_sessions.c.user_id == users.c.id)
        .group_by(users.c.email)
        .order_by(users.c.email)
    )
    async with SqlAlchemyUnitOfWork.open(engine, read_only=True) as uow:
        rows = (await uow.connection.execute(statement)).all()

    assert [(row[0], row[1]) for row in rows] == [("ada@x.com", 2), ("bob@x.com", 1)]


async def test_a_custom_column_type_reads_back_what_was_written(engine: AsyncEngine) -> None:
    [ada] = await given_users(engine, "ada@example.com")
    async with SqlAlchemyUnitOfWork.open(engine) as uow:
        for id_, tags in ((1, frozenset({"work", "home"})), (2, frozenset()), (3, None)):
            await uow.connection.execute(insert(notes).values(id=id_, user_id=ada.id, tags=tags))
        await uow.commit()

    async with SqlAlchemyUnitOfWork.open(engine, read_only=True) as uow:
        found = (
            await uow.connection.execute(
                select(notes.c.id, notes.c.tags).where(notes.c.tags == frozenset({"home", "work"}))
            )
        ).first()
        every = (await uow.connection.execute(select(notes.c.tags).order_by(notes.c.id))).all()

    assert found is not None
    assert (found[0], found[1]) == (1, frozenset({"home", "work"}))
    assert [row[0] for row in every] == [frozenset({"home", "work"}), frozenset(), None]


async def test_a_statement_of_ones_own_joins_the_unit_of_work(engine: AsyncEngine) -> None:
    [ada] = await given_users(engine, "ada@example.com")

    async with SqlAlchemyUnitOfWork.open(engine) as uow:
        await uow.connection.execute(insert(notes).values(id=1, user_id=ada.id, tags=None))
        # Left without commit: the insert is undone with the rest of the transaction.

    async with SqlAlchemyUnitOfWork.open(engine, read_only=True) as uow:
        assert (await uow.connection.execute(select(notes.c.id))).all() == []


class NoteRepository:
    """A forker's repository: it tags a note, and the tag is optional (a savepoint)."""

    def __init__(self, connection: AsyncConnection) -> None:
        self._connection = connection

    async def add(self, note_id: int, owner: User) -> None:
        await self._connection.execute(insert(notes).values(id=note_id, user_id=owner.id))

    async def try_to_tag(self, note_id: int, tags: frozenset[str]) -> bool:
        """Tag the note; False, with only the tagging undone, when the tags do not fit."""
        try:
            async with self._connection.begin_nested():
                await self._connection.execute(
                    update(notes).where(notes.c.id == note_id).values(tags=tags)
                )
                await self._connection.execute(insert(notes).values(id=note_id, user_id=None))
        except IntegrityError:
            return False
        return True


async def test_a_savepoint_of_ones_own_rolls_back_only_its_inner_part(engine: AsyncEngine) -> None:
    [ada] = await given_users(engine, "ada@example.com")

    async with SqlAlchemyUnitOfWork.open(engine) as uow:
        notes_of_ada = NoteRepository(uow.connection)
        await notes_of_ada.add(1, ada)
        assert await notes_of_ada.try_to_tag(1, frozenset({"lost"})) is False
        await notes_of_ada.add(2, ada)  # the transaction goes on after the inner rollback
        await uow.commit()

    async with SqlAlchemyUnitOfWork.open(engine, read_only=True) as uow:
        rows = (await uow.connection.execute(select(notes.c.id, notes.c.tags))).all()
        assert await uow.users.get(ada.id) == ada

    assert sorted((row[0], row[1]) for row in rows) == [(1, None), (2, None)]
