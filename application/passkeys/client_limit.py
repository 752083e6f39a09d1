"""Passkey sign-ins name no account, so they count toward the client's login limit only
(docs/api.md "Login throttling": every options request, and every failed sign-in)."""

from __future__ import annotations

from application.events import SecurityEvent, SecurityEventKind, SecurityEvents
from application.throttling import LoginThrottle, Reservation
from domain.errors import TooManyAttempts


async def reserve_sign_in_step(
    throttle: LoginThrottle, events: SecurityEvents, client_ip: str | None
) -> Reservation:
    """Count one step of a passkey sign-in for `client_ip`; past the limit, record the refusal
    and raise TooManyAttempts, counting nothing."""
    try:
        return await throttle.reserve_for_client(client_ip)
    except TooManyAttempts as refused:
        events.record(
            SecurityEvent(
                SecurityEventKind.PASSKEY_SIGN_IN_THROTTLED,
                client_ip=client_ip,
                reason=refused.reason,
            )
        )
        raise
