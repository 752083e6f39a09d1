from __future__ import annotations

from dataclasses import dataclass

from application.events import NoSecurityEvents, SecurityEvent, SecurityEventKind, SecurityEvents
from application.get_current_user import active_user
from application.ports import PasswordHasher, UnitOfWorkFactory
from application.results import Principal
from application.throttling import LoginThrottle
from domain.errors import TooManyAttempts, WrongCurrentPassword


@dataclass(frozen=True, slots=True)
class DeleteAccountCommand:
    principal: Principal
    password: str
    client_ip: str | None = None


class DeleteAccount:
    """The owner leaves: after the password is confirmed, the account, its sessions, its links
    and its queued mail are gone in one transaction.

    A wrong password counts as a failed login for the account and client IP (API.md "Login
    throttling"), so a stolen access token cannot be used to guess the password.
    """

    def __init__(
        self,
        unit_of_work: UnitOfWorkFactory,
        hasher: PasswordHasher,
        events: SecurityEvents | None = None,
        throttle: LoginThrottle | None = None,
    ) -> None:
        self._unit_of_work = unit_of_work
        self._hasher = hasher
        self._events = events or NoSecurityEvents()
        self._throttle = throttle

    async def execute(self, command: DeleteAccountCommand) -> None:
        """Raise InvalidToken for a gone or disabled account, TooManyAttempts, or
        WrongCurrentPassword; nothing is deleted then."""
        async with self._unit_of_work(read_only=True) as uow:
            user = await active_user(uow.users, command.principal)
        await self._admit(user.email.value, command)
        if not await self._hasher.verify(user.password_hash, command.password):
            self._events.record(
                SecurityEvent(
                    SecurityEventKind.LOGIN_FAILED,
                    user_id=user.id,
                    client_ip=command.client_ip,
                    reason="wrong_password",
                )
            )
            if self._throttle is not None:
                await self._throttle.failed(command.client_ip)
            raise WrongCurrentPassword("the password is wrong")
        if self._throttle is not None:
            await self._throttle.succeeded(user.email.value, command.client_ip)
        async with self._unit_of_work() as uow:
            await uow.outbox.delete_for_user(user.id)
            await uow.links.delete_for_user(user.id)
            await uow.users.delete(user.id)  # its sessions go with it
            await uow.commit()
        self._events.record(
            SecurityEvent(
                SecurityEventKind.ACCOUNT_DELETED,
                user_id=user.id,
                session_id=command.principal.session_id,
                client_ip=command.client_ip,
            )
        )

    async def _admit(self, email: str, command: DeleteAccountCommand) -> None:
        if self._throttle is None:
            return
        try:
            await self._throttle.admit(email, command.client_ip)
        except TooManyAttempts as refused:
            self._events.record(
                SecurityEvent(
                    SecurityEventKind.LOGIN_THROTTLED,
                    user_id=command.principal.user_id,
                    client_ip=command.client_ip,
                    reason=refused.reason,
                )
            )
            raise
