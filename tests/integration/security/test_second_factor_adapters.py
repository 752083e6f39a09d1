"""The TOTP secret box (AES-256-GCM under AUTH_KEYS) and pyotp's RFC 6238, as adapters."""

from __future__ import annotations

import base64
import re
from datetime import UTC, datetime
from uuid import uuid4

import pytest
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from adapters.mfa.secret_box import TOTP_KEY_INFO, AesGcmSecretBox
from adapters.mfa.totp import PyOtpTotp, RandomRecoveryCodes
from adapters.tokens.keys import derive_key, new_key_entry
from domain.second_factor import SealedSecret

SECRET = "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP"
# RFC 6238 Appendix B: the SHA-1 seed "12345678901234567890", in base32.
RFC_SEED = "GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ"


def test_a_secret_opens_for_its_account_and_is_sealed_with_the_first_kid() -> None:
    box = AesGcmSecretBox.from_auth_keys(f"{new_key_entry('new')},{new_key_entry('old')}")
    user = uuid4()

    sealed = box.seal(user, SECRET)

    assert sealed.kid == "new"
    assert SECRET.encode() not in sealed.ciphertext
    assert box.open(user, sealed) == SECRET
    assert box.seal(user, SECRET).ciphertext != sealed.ciphertext  # a fresh nonce each time


def test_after_a_key_rotation_old_secrets_still_open() -> None:
    old = new_key_entry("old")
    sealed_before = AesGcmSecretBox.from_auth_keys(old).seal(user := uuid4(), SECRET)

    rotated = AesGcmSecretBox.from_auth_keys(f"{new_key_entry('new')},{old}")

    assert rotated.open(user, sealed_before) == SECRET
    assert rotated.seal(user, SECRET).kid == "new"


def test_the_key_is_hkdf_of_the_secret_with_the_totp_info() -> None:
    entry = new_key_entry("k1")
    secret = entry.split(":", 1)[1]
    raw = base64.urlsafe_b64decode(secret + "=" * (-len(secret) % 4))
    user = uuid4()
    sealed = AesGcmSecretBox.from_auth_keys(entry).seal(user, SECRET)

    opened = AESGCM(derive_key(raw, TOTP_KEY_INFO)).decrypt(
        sealed.ciphertext[:12], sealed.ciphertext[12:], user.bytes
    )
    assert opened == SECRET.encode()


@pytest.mark.parametrize("change", ["other account", "tampered", "unknown kid"])
def test_a_misplaced_tampered_or_unknown_secret_does_not_open(change: str) -> None:
    box = AesGcmSecretBox.from_auth_keys(new_key_entry("k1"))
    user = uuid4()
    sealed = box.seal(user, SECRET)
    if change == "other account":
        user = uuid4()
    elif change == "tampered":
        sealed = SealedSecret(
            sealed.kid, sealed.ciphertext[:-1] + bytes([sealed.ciphertext[-1] ^ 1])
        )
    else:
        sealed = SealedSecret("gone", sealed.ciphertext)

    with pytest.raises(ValueError, match="TOTP secret"):
        box.open(user, sealed)


def test_codes_follow_rfc_6238_with_one_step_of_drift() -> None:
    totp = PyOtpTotp("hexauth")
    at = datetime.fromtimestamp(59, UTC)  # step 1; the RFC's 8-digit code there is 94287082

    assert totp.matching_step(RFC_SEED, "287082", at) == 1
    assert totp.matching_step(RFC_SEED, "287082", datetime.fromtimestamp(89, UTC)) == 1
    assert totp.matching_step(RFC_SEED, "287082", datetime.fromtimestamp(119, UTC)) is None
    assert totp.matching_step(RFC_SEED, "000000", at) is None


def test_a_new_secret_has_160_bits_and_its_uri_names_issuer_and_account() -> None:
    totp = PyOtpTotp("Example Co")
    secret = totp.new_secret()

    uri = totp.provisioning_uri(secret, "ada@example.com")

    assert re.fullmatch(r"[A-Z2-7]{32}", secret)
    assert totp.new_secret() != secret
    assert uri == (
        f"otpauth://totp/Example%20Co:ada%40example.com?secret={secret}&issuer=Example%20Co"
    )


def test_recovery_codes_are_ten_base32_characters_in_two_halves() -> None:
    codes = {RandomRecoveryCodes().new_code() for _ in range(50)}

    assert len(codes) == 50
    assert all(re.fullmatch(r"[A-Z2-7]{5}-[A-Z2-7]{5}", code) for code in codes)
