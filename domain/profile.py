"""A user's profile: the name the app shows for them."""

from __future__ import annotations

from dataclasses import dataclass
from uuid import UUID

from domain.errors import InvalidValue

MAX_DISPLAY_NAME_LENGTH = 64


@dataclass(frozen=True, slots=True)
class Profile:
    """One per user; the display name is trimmed, its inner runs of spaces made one."""

    user_id: UUID
    display_name: str

    def __post_init__(self) -> None:
        name = " ".join(self.display_name.split())
        if not 1 <= len(name) <= MAX_DISPLAY_NAME_LENGTH:
            raise InvalidValue("display_name", f"must be 1 to {MAX_DISPLAY_NAME_LENGTH} characters")
        object.__setattr__(self, "display_name", name)
