from __future__ import annotations

from dataclasses import dataclass

from application.events import SecurityEvent, SecurityEventKind, SecurityEvents
from application.ports import Clock, PasswordHasher, UnitOfWorkFactory
from domain.errors import InvalidLink
from domain.one_time_link import LinkPurpose, OneTimeLink, link_token_hash
from domain.password import PasswordPolicy
from domain.user import User


@dataclass(frozen=True, slots=True)
class ResetPasswordCommand:
    token: str
    new_password: str
    client_ip: str | None = None


class ResetPassword:
    """Set a new password with a mailed reset link: the link is spent, every session of the
    account revoked and every other reset link killed, all in one transaction.

    The link came through the account's inbox, so following it also proves the email.
    """

    def __init__(
        self,
        unit_of_work: UnitOfWorkFactory,
        hasher: PasswordHasher,
        password_policy: PasswordPolicy,
        clock: Clock,
        events: SecurityEvents,
    ) -> None:
        self._unit_of_work = unit_of_work
        self._hasher = hasher
        self._password_policy = password_policy
        self._clock = clock
        self._events = events

    async def execute(self, command: ResetPasswordCommand) -> None:
        """Raise InvalidLink (unknown, used, expired or wrong-purpose link, or its account gone
        or disabled) or WeakPassword (field `new_password`); nothing is stored then."""
        token_hash = link_token_hash(command.token)
        async with self._unit_of_work(read_only=True) as uow:
            link = await uow.links.find_live(token_hash, LinkPurpose.RESET, self._clock.now())
            user = None if link is None else await uow.users.get(link.user_id)
        link, user = self._usable(link, user, command)
        self._password_policy.check(command.new_password, user.email, field="new_password")
        # argon2 outside any transaction: no connection waits on it.
        new_hash = await self._hasher.hash(command.new_password)
        now = self._clock.now()
        async with self._unit_of_work() as uow:
            # Spent here, in the writing transaction: of two resets racing with one link, only
            # the one whose consume wins goes on; the other is refused like any used link.
            spent = await uow.links.consume(token_hash, LinkPurpose.RESET, now)
            user = await uow.users.get(link.user_id)
            link, user = self._usable(spent, user, command)
            # The same User method and repository write ChangePassword uses: the credentials
            # version goes up in SQL, so no login in flight survives a reset either (docs/api.md
            # "Refresh sessions").
            user.change_password_hash(new_hash)
            await uow.users.save_password_hash(user)
            user.verify_email()
            await uow.users.save_email_verified(user)
            await uow.sessions.revoke_all(user.id, now)
            await uow.links.kill_resets(user.id, now)
            await uow.commit()
        self._events.record(
            SecurityEvent(
                SecurityEventKind.RESET_DONE, user_id=user.id, client_ip=command.client_ip
            )
        )

    def _usable(
        self, link: OneTimeLink | None, user: User | None, command: ResetPasswordCommand
    ) -> tuple[OneTimeLink, User]:
        if link is None or user is None or not user.is_active or link.email != user.email:
            self._events.record(
                SecurityEvent(
                    SecurityEventKind.LINK_REFUSED,
                    user_id=None if user is None else user.id,
                    client_ip=command.client_ip,
                    reason="reset",
                )
            )
            raise InvalidLink
        return link, user
