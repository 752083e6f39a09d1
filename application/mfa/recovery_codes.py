"""Fresh sets of recovery codes: shown once, stored only as hashes."""

from __future__ import annotations

from uuid import UUID

from application.mfa.ports import RecoveryCodeSource
from domain.second_factor import RECOVERY_CODE_COUNT, recovery_code_hash


class RecoveryCodeMaker:
    """Makes an account's set of recovery codes from a source of random ones."""

    def __init__(self, source: RecoveryCodeSource) -> None:
        self._source = source

    def new_set(self, user_id: UUID) -> tuple[list[str], list[str]]:
        """Ten fresh codes as shown, and their hashes as stored (duplicates drawn again)."""
        codes: dict[str, str] = {}
        while len(codes) < RECOVERY_CODE_COUNT:
            code = self._source.new_code()
            codes.setdefault(recovery_code_hash(user_id, code), code)
        return list(codes.values()), list(codes)
