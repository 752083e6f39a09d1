from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

from email_validator import EmailNotValidError, validate_email

from domain.errors import InvalidEmail

MAX_EMAIL_LENGTH = 254  # RFC 5321 4.5.3.1.3 path limit, less the angle brackets


@dataclass(frozen=True, slots=True)
class Email:
    """A syntactically valid email address, trimmed and lower-cased, so equal means same inbox."""

    value: str

    def __post_init__(self) -> None:
        if self.value != Email._normalize(self.value):
            raise InvalidEmail("email must be given through Email.parse")

    @classmethod
    def parse(cls, raw: str) -> Email:
        return cls(cls._normalize(raw))

    @staticmethod
    @lru_cache(maxsize=4096)  # rows loaded per request re-validate; keep that cheap
    def _normalize(raw: str) -> str:
        candidate = raw.strip()
        if not candidate or len(candidate) > MAX_EMAIL_LENGTH:
            raise InvalidEmail("enter a valid email address")
        try:
            # Syntax only: a deliverability check would do DNS I/O in the domain.
            checked = validate_email(candidate, check_deliverability=False)
        except EmailNotValidError as error:
            raise InvalidEmail(str(error)) from None
        return checked.normalized.lower()

    def __str__(self) -> str:
        return self.value
