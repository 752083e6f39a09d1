"""How many tries a client gets (docs/api.md "Login throttling"), over the AttemptCounter port.

An attempt is counted before any password work (a reservation), so of any number of attempts
racing from one client at most the cap are checked. A failure leaves its reservation counted;
a success, an outage or an overload gives it back, so they lock nobody out.

Keys name a SHA-256 of the email and of the client, never either in plain, so the counter store
holds no addresses. A client is an IPv4 address, or an IPv6 address's /64 network.
"""

from __future__ import annotations

import hashlib
import ipaddress
from dataclasses import dataclass
from datetime import timedelta
from uuid import UUID

from application.ports import AttemptCounter
from domain.email import Email
from domain.errors import InvalidEmail, TooManyAttempts
from domain.user import User

UNKNOWN_CLIENT = "unknown"
IPV6_CLIENT_PREFIX = 64


@dataclass(frozen=True, slots=True)
class LoginLimits:
    max_failures: int = 5  # per (normalized email, client IP) in a window
    max_failures_per_ip: int = 100  # per client IP in a window, all emails together
    window: timedelta = timedelta(minutes=15)
    max_wrong_codes_per_account: int = 10  # second-factor codes, across all client IPs


@dataclass(frozen=True, slots=True)
class RegistrationLimits:
    max_per_ip: int = 20
    window: timedelta = timedelta(hours=1)


def client_of(client_ip: str | None) -> str:
    """Who a request is counted as: its IPv4 address, or its IPv6 address's /64 network.

    One IPv6 subscriber is handed a whole /64 or more (RFC 6177), so counting its addresses
    apart would give it 2^64 budgets. An IPv4-mapped IPv6 address is the IPv4 client it maps;
    text that is no address is counted as itself.
    """
    if not client_ip or not client_ip.strip():
        return UNKNOWN_CLIENT
    try:
        address = ipaddress.ip_address(client_ip.strip())
    except ValueError:
        return client_ip.strip()
    if isinstance(address, ipaddress.IPv4Address):
        return str(address)
    if address.ipv4_mapped is not None:
        return str(address.ipv4_mapped)
    host_bits = 128 - IPV6_CLIENT_PREFIX
    return str(ipaddress.IPv6Network((int(address) >> host_bits << host_bits, IPV6_CLIENT_PREFIX)))


@dataclass(frozen=True, slots=True)
class Reservation:
    """An attempt counted before the work it guards.

    A failure leaves it counted. Any other end must be told: `succeeded`, or `give_back` when
    the attempt ended for no fault of the client (an outage, an overload).
    """

    counter: AttemptCounter
    held: tuple[str, ...]
    cleared_by_success: tuple[str, ...] = ()
    """Keys a success resets whole (a login's pair), instead of taking back its one hit."""

    async def succeeded(self) -> None:
        for key in self.held:
            if key in self.cleared_by_success:
                await self.counter.reset(key)
            else:
                await self.counter.release(key)

    async def give_back(self) -> None:
        for key in self.held:
            await self.counter.release(key)


class LoginThrottle:
    """Failed password checks per (email, client) and per client; a success clears the pair.

    Logins use it, and so does every action that asks a signed-in user for the password again:
    a wrong one there is a failed login for that account (docs/api.md "Login throttling").
    """

    def __init__(self, counter: AttemptCounter, limits: LoginLimits) -> None:
        self._counter = counter
        self._limits = limits

    async def reserve(self, email: str, client_ip: str | None) -> Reservation:
        """Count the attempt for its pair and its client, before the password is checked.

        Raise TooManyAttempts, counting nothing, when either is past its limit: so a burst of
        concurrent guesses is cut at the limit too, not let through a check that only failures,
        counted later, would update.
        """
        pair = pair_key("login", email, client_ip)
        held = await reserve_each(
            self._counter,
            self._limits.window,
            (pair, self._limits.max_failures, "email_and_ip"),
            (client_key("login", client_ip), self._limits.max_failures_per_ip, "ip"),
        )
        return Reservation(self._counter, held, cleared_by_success=(pair,))

    async def reserve_for_client(self, client_ip: str | None) -> Reservation:
        """Count an attempt toward the client's limit only (the one shared with logins), for
        what names no account: passkey sign-ins. Raise TooManyAttempts, counting nothing, past
        the limit."""
        cap = (client_key("login", client_ip), self._limits.max_failures_per_ip, "ip")
        return Reservation(
            self._counter, await reserve_each(self._counter, self._limits.window, cap)
        )

    async def reserve_code(self, account: User | None, client_ip: str | None) -> Reservation:
        """Count a step that checks a second-factor code of `account` (and maybe its password).

        A wrong code is a failed login for the account's pair and the client, and one of at most
        `max_wrong_codes_per_account` per window for the account whatever the clients; past any
        of them every such step is refused (docs/api.md "Login throttling"). Without an account
        (an unknown `mfa_token`) only the client's count applies.
        """
        if account is None:
            return await self.reserve_for_client(client_ip)
        ip = (client_key("login", client_ip), self._limits.max_failures_per_ip, "ip")
        pair = pair_key("login", account.email.value, client_ip)
        held = await reserve_each(
            self._counter,
            self._limits.window,
            (pair, self._limits.max_failures, "email_and_ip"),
            ip,
            (account_key(account.id), self._limits.max_wrong_codes_per_account, "account"),
        )
        return Reservation(self._counter, held, cleared_by_success=(pair,))


class RegistrationThrottle:
    """Registration attempts per client in a window of an hour, whatever their outcome."""

    def __init__(self, counter: AttemptCounter, limits: RegistrationLimits) -> None:
        self._counter = counter
        self._limits = limits

    async def reserve(self, client_ip: str | None) -> Reservation:
        """Count the attempt; raise TooManyAttempts, counting nothing, past the cap.

        Every outcome keeps the count (a success, a taken email, a weak password) except an
        outage or an overload, which the caller gives back.
        """
        cap = (client_key("register", client_ip), self._limits.max_per_ip, "ip")
        return Reservation(
            self._counter, await reserve_each(self._counter, self._limits.window, cap)
        )


async def reserve_each(
    counter: AttemptCounter, window: timedelta, *caps: tuple[str, int, str]
) -> tuple[str, ...]:
    """Count one attempt on each `(key, cap, reason)` in turn and return the keys counted.

    The first key past its cap is refused with TooManyAttempts(`reason`), and every count this
    call made is taken back first: a refused attempt counts nothing.
    """
    held: list[str] = []
    for key, cap, reason in caps:
        attempts = await counter.hit(key, window)
        held.append(key)
        if attempts.count > cap:
            await Reservation(counter, tuple(held)).give_back()
            raise TooManyAttempts(attempts.retry_after, reason)
    return tuple(held)


def pair_key(action: str, email: str, client_ip: str | None) -> str:
    """The counter of one (normalized email, client) pair for `action`, as a SHA-256 digest."""
    try:
        normalized = Email.parse(email).value
    except InvalidEmail:  # counted all the same: guessing at malformed addresses costs tries too
        normalized = email.strip().casefold()
    pair = f"{normalized}\n{client_of(client_ip)}"
    return f"{action}:pair:{_digest(pair)}"


def client_key(action: str, client_ip: str | None) -> str:
    """The counter of one client (an IPv4 address, an IPv6 /64) for `action`, as a digest."""
    return f"{action}:ip:{_digest(client_of(client_ip))}"


def account_key(account_id: UUID) -> str:
    """The counter of one account's wrong second-factor codes, as a digest of its id."""
    return f"code:account:{_digest(str(account_id))}"


def _digest(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8", "surrogatepass")).hexdigest()
