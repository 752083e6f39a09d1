"""The backends every repository contract test runs on: the in-memory fake, SQLite and
PostgreSQL, so the fake cannot drift from the adapters."""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass
from functools import partial

import pytest
from sqlalchemy.exc import IntegrityError

from adapters.persistence import create_engine, unit_of_work_factory
from application.ports import UnitOfWorkFactory
from tests.fakes.persistence import InMemoryStore, InMemoryUnitOfWork


@dataclass(frozen=True)
class Backend:
    unit_of_work: UnitOfWorkFactory
    missing_user_error: type[Exception]
    """What a write raises for a row whose user does not exist."""


@pytest.fixture(params=["memory", "sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
async def backend(request: pytest.FixtureRequest) -> AsyncIterator[Backend]:
    if request.param == "memory":
        yield Backend(partial(InMemoryUnitOfWork, InMemoryStore()), LookupError)
        return
    engine = create_engine(request.getfixturevalue(f"{request.param}_database_url"))
    try:
        yield Backend(unit_of_work_factory(engine), IntegrityError)
    finally:
        await engine.dispose()
