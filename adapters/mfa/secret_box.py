"""TOTP secrets sealed with AES-256-GCM under keys derived from `AUTH_KEYS` (docs/api.md
"Second factor"): the first key seals, every key opens, so key rotation keeps secrets readable."""

from __future__ import annotations

import base64
import os
from uuid import UUID

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

# The one dependency on the token keys' module; KeyRing.parse validates AUTH_KEYS first.
from adapters.tokens.keys import KeyRing, derive_key
from application.mfa.ports import SecretBox
from domain.second_factor import SealedSecret

TOTP_KEY_INFO = b"hexauth/v1/totp"
NONCE_BYTES = 12  # AES-GCM's 96-bit IV, fresh and random for each seal (NIST SP 800-38D 8.2.2)


class AesGcmSecretBox(SecretBox):
    """AES-256-GCM, nonce first in the stored ciphertext; the account's id is the associated
    data, so a sealed secret copied onto another account's row does not open there."""

    def __init__(self, keys: dict[str, bytes], current_kid: str) -> None:
        self._ciphers = {kid: AESGCM(key) for kid, key in keys.items()}
        self._current_kid = current_kid

    @classmethod
    def from_auth_keys(cls, auth_keys: str) -> AesGcmSecretBox:
        """One key per `AUTH_KEYS` entry: HKDF-SHA256 of its secret with info `hexauth/v1/totp`."""
        ring = KeyRing.parse(auth_keys)  # refuses a malformed entry, naming no secret
        keys = {}
        for entry in auth_keys.split(","):
            kid, _, secret = entry.strip().partition(":")
            unpadded = secret.rstrip("=")
            raw = base64.urlsafe_b64decode(unpadded + "=" * (-len(unpadded) % 4))
            keys[kid] = derive_key(raw, TOTP_KEY_INFO)
        return cls(keys, ring.current.kid)

    def seal(self, user_id: UUID, secret: str) -> SealedSecret:
        nonce = os.urandom(NONCE_BYTES)
        cipher = self._ciphers[self._current_kid]
        sealed = cipher.encrypt(nonce, secret.encode("ascii"), user_id.bytes)
        return SealedSecret(kid=self._current_kid, ciphertext=nonce + sealed)

    def open(self, user_id: UUID, sealed: SealedSecret) -> str:
        cipher = self._ciphers.get(sealed.kid)
        if cipher is None:
            raise ValueError("the TOTP secret was sealed with a key no longer configured")
        nonce, body = sealed.ciphertext[:NONCE_BYTES], sealed.ciphertext[NONCE_BYTES:]
        try:
            return cipher.decrypt(nonce, body, user_id.bytes).decode("ascii")
        except InvalidTag:
            raise ValueError("the TOTP secret does not open: tampered or misplaced") from None
