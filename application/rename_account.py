from __future__ import annotations

from dataclasses import dataclass

from application.ports import UnitOfWorkFactory
from domain.email import Email
from domain.errors import AccountNotFound
from domain.profile import Profile


@dataclass(frozen=True, slots=True)
class RenameAccountCommand:
    email: str
    display_name: str


class RenameAccount:
    """An operator sets the name the app shows for an account."""

    def __init__(self, unit_of_work: UnitOfWorkFactory) -> None:
        self._unit_of_work = unit_of_work

    async def execute(self, command: RenameAccountCommand) -> Profile:
        """Raise InvalidEmail, InvalidValue (the name) or AccountNotFound."""
        email = Email.parse(command.email)
        async with self._unit_of_work() as uow:
            user = await uow.users.get_by_email(email)
            if user is None:
                raise AccountNotFound(f"no account has the email {email}")
            profile = Profile(user.id, command.display_name)
            await uow.profiles.save(profile)
            await uow.commit()
        return profile
