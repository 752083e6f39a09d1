"""RFC 6238 TOTP through pyotp, and recovery codes from the operating system's CSPRNG."""

from __future__ import annotations

import hmac
import secrets
from datetime import datetime

import pyotp

from application.mfa.ports import RecoveryCodeSource, TotpAlgorithm

SECRET_BASE32_CHARACTERS = 32  # 160 bits, the HMAC-SHA-1 key length RFC 4226 section 4 advises
DRIFT_STEPS = 1  # one 30-second step either way (docs/api.md "Second factor")
RECOVERY_CODE_CHARACTERS = 10  # of base32: 50 random bits
BASE32 = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567"


class PyOtpTotp(TotpAlgorithm):
    """pyotp's TOTP with its defaults, which are the contract's: SHA-1, 6 digits, 30 s."""

    def __init__(self, issuer: str) -> None:
        self._issuer = issuer

    def new_secret(self) -> str:
        return pyotp.random_base32(SECRET_BASE32_CHARACTERS)

    def provisioning_uri(self, secret: str, account_name: str) -> str:
        return pyotp.TOTP(secret).provisioning_uri(name=account_name, issuer_name=self._issuer)

    def matching_step(self, secret: str, code: str, at: datetime) -> int | None:
        # pyotp's verify(valid_window=1) answers only yes or no; refusing a replayed code
        # (RFC 6238 section 5.2) needs the step that matched, so the window is walked here
        # with pyotp's own public timecode and generate_otp, compared in constant time.
        totp = pyotp.TOTP(secret)
        now = totp.timecode(at)
        for step in range(now - DRIFT_STEPS, now + DRIFT_STEPS + 1):
            if hmac.compare_digest(totp.generate_otp(step), code):
                return step
        return None


class RandomRecoveryCodes(RecoveryCodeSource):
    """Ten base32 characters (50 random bits), shown as `ABCDE-FGHJK`."""

    def new_code(self) -> str:
        code = "".join(secrets.choice(BASE32) for _ in range(RECOVERY_CODE_CHARACTERS))
        half = RECOVERY_CODE_CHARACTERS // 2
        return f"{code[:half]}-{code[half:]}"
