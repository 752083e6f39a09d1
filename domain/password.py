from __future__ import annotations

from collections.abc import Set
from dataclasses import dataclass, field

from domain.email import Email
from domain.errors import WeakPassword

# NIST SP 800-63B-4 3.1.1.2: at least 15 characters for single-factor passwords, and never fewer
# than 8; a verifier should accept at least 64, and must not impose composition rules.
NIST_MINIMUM_LENGTH = 8
MAXIMUM_LENGTH = 1024


@dataclass(frozen=True, slots=True)
class PasswordPolicy:
    """What a new password must be; lengths count Unicode code points."""

    min_length: int = 15
    max_length: int = MAXIMUM_LENGTH
    common_passwords: Set[str] = field(default_factory=frozenset)

    def __post_init__(self) -> None:
        if self.min_length < NIST_MINIMUM_LENGTH:
            raise ValueError(f"the minimum password length must be at least {NIST_MINIMUM_LENGTH}")
        if self.max_length < self.min_length:
            raise ValueError("the maximum password length is below the minimum")
        # Candidates are casefolded before the lookup, so the list must be too, or an entry with
        # capitals ("Password123456789") could never match anything.
        object.__setattr__(
            self, "common_passwords", frozenset(p.casefold() for p in self.common_passwords)
        )

    def check(self, password: str, email: Email, field: str = "password") -> None:
        """Raise WeakPassword when `password` may not be set for the account `email`."""
        if len(password) < self.min_length:
            raise WeakPassword(f"use at least {self.min_length} characters", field)
        if len(password) > self.max_length:
            raise WeakPassword(f"use at most {self.max_length} characters", field)
        if password.casefold() == email.value.casefold():
            raise WeakPassword("the password must not be the email address", field)
        if password.casefold() in self.common_passwords:
            raise WeakPassword("this password is too common; choose another", field)
