"""What one-time links need from the world: their storage and a source of tokens."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Protocol
from uuid import UUID

from domain.one_time_link import LinkPurpose, OneTimeLink


class OneTimeLinkRepository(Protocol):
    """One-time links by token hash. Writes join the unit of work; nothing here commits."""

    async def add(self, link: OneTimeLink) -> None:
        """Store a new link; its user must exist."""
        ...

    async def find_live(
        self, token_hash: str, purpose: LinkPurpose, now: datetime
    ) -> OneTimeLink | None:
        """The link with this hash and purpose if it is unused and unexpired at `now`."""
        ...

    async def consume(
        self, token_hash: str, purpose: LinkPurpose, now: datetime
    ) -> OneTimeLink | None:
        """Mark the link used at `now` if it is live, and return it; else None.

        A compare-and-set: of any number of concurrent consumptions of one link, on any number
        of processes sharing the store, exactly one gets the link.
        """
        ...

    async def kill_resets(self, user_id: UUID, now: datetime) -> int:
        """Spend, at `now`, every live reset link of the user; return how many."""
        ...

    async def reset_history(self, user_id: UUID, since: datetime, now: datetime) -> ResetHistory:
        """The user's reset links made at or after `since`, and whether any is usable at `now`.

        Holds the account until the unit of work ends: another unit of work asking for the
        same user's history waits, then sees the links this one added.
        """
        ...

    async def delete_for_user(self, user_id: UUID) -> int:
        """Delete every link of the user; return how many."""
        ...


@dataclass(frozen=True, slots=True)
class ResetHistory:
    """What the reset-mail cap needs to know of an account's recent reset links."""

    sent: int
    """Reset links made in the window asked about, used or not."""
    any_usable: bool
    """Whether any of the account's reset links is unused and unexpired."""


@dataclass(frozen=True, slots=True)
class ResetRequest:
    """A forgot-password request waiting to be answered; `email` as typed, maybe malformed."""

    id: UUID
    email: str
    created_at: datetime
    client_ip: str | None = None


class ResetRequestRepository(Protocol):
    """Forgot-password requests, queued by the request and answered off it. Writes join the
    unit of work; nothing here commits."""

    async def add(self, request: ResetRequest) -> None: ...

    async def take(self, limit: int) -> list[ResetRequest]:
        """Remove and return up to `limit` requests, oldest first, skipping any another
        transaction holds; a rollback puts them back."""
        ...

    async def depth(self) -> int:
        """How many requests wait to be answered."""
        ...


class LinkTokens(Protocol):
    """Fresh link tokens: URL-safe text carrying at least 256 random bits."""

    def new_link_token(self) -> str: ...
