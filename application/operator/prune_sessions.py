from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from application.ports import Clock, UnitOfWorkFactory


@dataclass(frozen=True, slots=True)
class PruneSessionsCommand:
    older_than: timedelta = timedelta(days=30)
    """Keep dead sessions this long, for the owner's and the operator's questions."""

    def __post_init__(self) -> None:
        if self.older_than < timedelta(0):
            raise ValueError("older_than must not be negative")


class PruneSessions:
    """Delete sessions that expired or were revoked long ago, so the table stops growing; and
    sign-in challenges (`mfa_token`s) expired as long ago, with them.

    A dead session can never come back to life, so deleting it changes no answer the service
    gives; keeping it a while lets an operator still see recent logouts and reuse revocations.
    """

    def __init__(self, unit_of_work: UnitOfWorkFactory, clock: Clock) -> None:
        self._unit_of_work = unit_of_work
        self._clock = clock

    async def execute(self, command: PruneSessionsCommand) -> int:
        """Return how many sessions were deleted."""
        before = self._clock.now() - command.older_than
        async with self._unit_of_work() as uow:
            pruned = await uow.sessions.prune(before)
            await uow.mfa_challenges.prune(before)
            await uow.commit()
        return pruned
