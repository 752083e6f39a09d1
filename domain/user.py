from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from uuid import UUID

from domain.email import Email
from domain.errors import AccountDisabled, EmailUnverified, InvalidToken


@dataclass(slots=True)
class User:
    """An account. The password hash is opaque here: only the hasher port understands it."""

    id: UUID
    email: Email
    password_hash: str
    created_at: datetime
    is_active: bool = True
    credentials_version: int = 0
    """Goes up by one at every credential change (a new password, a sign-out everywhere, a
    disable, an enable). A session keeps the version its login checked, and can refresh only
    while it is still this; an access token carries it too (`cv`), and opens nothing once the
    account's is another."""
    email_verified: bool = False

    def change_password_hash(self, password_hash: str) -> None:
        """A new password: a credential change, which every earlier session falls to."""
        self.password_hash = password_hash
        self.credentials_version += 1

    def upgrade_password_hash(self, password_hash: str) -> None:
        """A fresh hash of the same password (newer hashing parameters): no credential change."""
        self.password_hash = password_hash

    def sign_out_everywhere(self) -> None:
        """End every session and access token issued until now: a credential change that keeps
        the password."""
        self.credentials_version += 1

    def disable(self) -> None:
        """Refuse sign-in, refresh and access tokens from now on; the account and data stay."""
        if self.is_active:
            self.is_active = False
            self.credentials_version += 1

    def enable(self) -> None:
        """Allow sign-in again; a session whose login was checked before the disable stays dead."""
        if not self.is_active:
            self.is_active = True
            self.credentials_version += 1

    def ensure_may_sign_in(self, require_verified_email: bool) -> None:
        """Raise AccountDisabled, or EmailUnverified when verified emails are required. Every way
        of signing in asks only once the credentials were right, so a guesser learns neither."""
        if not self.is_active:
            raise AccountDisabled("the account is disabled")
        if require_verified_email and not self.email_verified:
            raise EmailUnverified("the account's email is not verified yet")

    def verify_email(self) -> None:
        """The owner proved the email is theirs (they followed a link mailed to it)."""
        self.email_verified = True


def ensure_active(user: User | None) -> User:
    """The account a token speaks for, unless it was deleted (None) or disabled since the token
    was made: then InvalidToken, since tokens are stateless and outlive such changes."""
    if user is None or not user.is_active:
        raise InvalidToken("the account is gone or disabled")
    return user


def ensure_current(user: User | None, credentials_version: int) -> User:
    """The account an access token made with `credentials_version` (its `cv`) speaks for,
    unless the account was deleted or disabled, or its credentials changed since (a password
    change or reset, a sign-out everywhere, a disable): then InvalidToken, the same refusal for
    each, so an access token dies with the credentials that issued it (docs/api.md "Refresh
    sessions")."""
    user = ensure_active(user)
    if user.credentials_version != credentials_version:
        raise InvalidToken("the account's credentials changed since the token was made")
    return user
