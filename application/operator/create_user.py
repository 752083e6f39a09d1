from __future__ import annotations

from dataclasses import dataclass

from application.events import SecurityEvent, SecurityEventKind, SecurityEvents
from application.ports import Clock, IdGenerator, PasswordHasher, UnitOfWorkFactory
from domain.email import Email
from domain.password import PasswordPolicy
from domain.user import User


@dataclass(frozen=True, slots=True)
class CreateUserCommand:
    email: str
    password: str


class CreateUser:
    """An operator creates an account; unlike registering, nobody is signed in."""

    def __init__(
        self,
        unit_of_work: UnitOfWorkFactory,
        hasher: PasswordHasher,
        password_policy: PasswordPolicy,
        clock: Clock,
        ids: IdGenerator,
        events: SecurityEvents,
    ) -> None:
        self._unit_of_work = unit_of_work
        self._hasher = hasher
        self._password_policy = password_policy
        self._clock = clock
        self._ids = ids
        self._events = events

    async def execute(self, command: CreateUserCommand) -> User:
        """Raise InvalidEmail, WeakPassword or EmailAlreadyRegistered; store nothing then."""
        email = Email.parse(command.email)
        self._password_policy.check(command.password, email)
        password_hash = await self._hasher.hash(command.password)
        user = User(
            id=self._ids.new_id(),
            email=email,
            password_hash=password_hash,
            created_at=self._clock.now(),
        )
        async with self._unit_of_work() as uow:
            await uow.users.add(user)
            await uow.commit()
        self._events.record(
            SecurityEvent(SecurityEventKind.REGISTERED, user_id=user.id, reason="operator")
        )
        return user
