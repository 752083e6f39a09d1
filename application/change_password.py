from __future__ import annotations

from dataclasses import dataclass

from application.accounts import account_of
from application.events import SecurityEvent, SecurityEventKind, SecurityEvents
from application.ports import Clock, PasswordHasher, UnitOfWorkFactory
from application.reauthentication import NO_SECOND_FACTOR, Reauthentication
from application.results import AuthResult, Principal
from application.token_issuer import TokenIssuer
from domain.password import PasswordPolicy
from domain.second_factor import SecondFactorAnswer


@dataclass(frozen=True, slots=True)
class ChangePasswordCommand:
    principal: Principal
    current_password: str
    new_password: str
    user_agent: str | None = None
    client_ip: str | None = None
    second_factor: SecondFactorAnswer = NO_SECOND_FACTOR


class ChangePassword:
    """Set a new password, end every session, and sign in afresh on the device that asked.

    Revoking every session, the caller's included, means whoever may have learnt the old
    password is out, and the caller continues on a session that began after the change.
    """

    def __init__(
        self,
        unit_of_work: UnitOfWorkFactory,
        hasher: PasswordHasher,
        password_policy: PasswordPolicy,
        issuer: TokenIssuer,
        clock: Clock,
        events: SecurityEvents,
        reauthentication: Reauthentication,
    ) -> None:
        self._unit_of_work = unit_of_work
        self._hasher = hasher
        self._password_policy = password_policy
        self._issuer = issuer
        self._clock = clock
        self._events = events
        self._reauthentication = reauthentication

    async def execute(self, command: ChangePasswordCommand) -> AuthResult:
        """Raise InvalidToken for a gone or disabled account, WeakPassword (field
        `new_password`), TooManyAttempts or WrongCurrentPassword (also for a missing or wrong
        code when the account has TOTP); nothing is stored then.

        A wrong current password or code counts as a failed login of the account from the
        client. The fresh session's `amr` says whether a code was checked."""
        async with self._unit_of_work() as uow:
            user = await account_of(command.principal, uow.users)
        self._password_policy.check(command.new_password, user.email, field="new_password")
        # Both argon2 runs happen outside any transaction: no connection waits on them.
        amr = await self._reauthentication.confirm(
            user,
            command.current_password,
            command.client_ip,
            "change_password",
            command.second_factor,
        )
        user.change_password_hash(await self._hasher.hash(command.new_password))
        now = self._clock.now()
        session = self._issuer.start_session(user, now, command.user_agent, amr=amr)
        async with self._unit_of_work() as uow:
            # Again inside the writing transaction: the account may have been disabled meanwhile.
            await account_of(command.principal, uow.users)
            await uow.users.save_password_hash(user)
            await uow.sessions.revoke_all(user.id, now)
            await uow.links.kill_resets(user.id, now)  # a reset link must not undo the change
            await uow.sessions.add(session)
            await uow.commit()
        self._events.record(
            SecurityEvent(
                SecurityEventKind.SESSION_REVOKED,
                user_id=user.id,
                session_id=command.principal.session_id,
                reason="password_changed",
            )
        )
        return AuthResult(user=user, tokens=self._issuer.tokens_for(session, now))
