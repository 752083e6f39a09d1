"""What the simulated users and the fault schedule saw, as plain records the verdict judges."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class Exchange:
    """One HTTP request through nginx and its answer (times from time.monotonic())."""

    user: str
    kind: str  # "me", "refresh", "login", "logout", "register"
    started: float
    ended: float
    status: int | None  # None: no HTTP answer at all (a transport error)
    retry_after: bool = False  # the answer carried Retry-After
    upstream: str = ""  # nginx's $upstream_addr: the instance(s) it tried, "a, b" when retried
    shed: bool = False  # a 503 of password hashing past capacity (its problem detail says busy)
    error: str = ""  # with no answer: what went wrong (the exception's class and message)


@dataclass(frozen=True, slots=True)
class SignedOut:
    """A user's client concluded it was signed out: the server refused its refresh cookie, or a
    fresh access token was refused. `session` numbers the sign-in it belonged to."""

    user: str
    session: int
    at: float


@dataclass(frozen=True, slots=True)
class LoggedOut:
    """The user signed out on purpose (from `at` on, the session's 401s are its own doing)."""

    user: str
    session: int
    at: float


@dataclass(frozen=True, slots=True)
class Fault:
    """An injected fault: a store down from `started` to `ended` ("postgres", "redis"), or an
    instance signalled at `started` ("sigkill", "sigterm"; `instance` is its host:port)."""

    kind: str
    started: float
    ended: float
    instance: str = ""


@dataclass(frozen=True, slots=True)
class Mail:
    """A message the SMTP sink received."""

    recipient: str
    message_id: str
    link: str
