"""A software WebAuthn authenticator, enough to drive passkey ceremonies in tests.

It answers the options the server sends with what a browser's `PublicKeyCredential.toJSON()`
would return: an EC P-256 key (COSE ES256), attestation format `none`, authenticator data with
the flags asked for, and a clientDataJSON naming the origin it is told. Each argument that a
test may want wrong (the origin, the RP ID, the flags, the counter) can be overridden per call.
"""

from __future__ import annotations

import base64
import hashlib
import json
import secrets
from dataclasses import dataclass, field
from typing import Any

import cbor2
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec

UP = 0x01  # user present
UV = 0x04  # user verified
AT = 0x40  # attested credential data included
ES256 = -7


def b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).decode("ascii").rstrip("=")


def from_b64url(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


@dataclass
class SoftwareAuthenticator:
    """One credential on one authenticator, for the relying party `rp_id` at `origin`.

    `synced=True` behaves like a synced passkey: its signature counter is always 0.
    """

    rp_id: str
    origin: str
    synced: bool = False
    key: ec.EllipticCurvePrivateKey = field(
        default_factory=lambda: ec.generate_private_key(ec.SECP256R1())
    )
    credential_id: bytes = field(default_factory=lambda: secrets.token_bytes(32))
    sign_count: int = 0
    user_handle: bytes | None = None

    def create(
        self,
        options: dict[str, Any],
        *,
        origin: str | None = None,
        rp_id: str | None = None,
        flags: int = UP | UV | AT,
    ) -> dict[str, Any]:
        """The registration credential answering creation `options`, as toJSON() returns it."""
        self.user_handle = from_b64url(options["user"]["id"])
        numbers = self.key.public_key().public_numbers()
        cose_key = {1: 2, 3: ES256, -1: 1, -2: numbers.x.to_bytes(32), -3: numbers.y.to_bytes(32)}
        attested = (
            bytes(16)  # AAGUID: none, as attestation "none" allows
            + len(self.credential_id).to_bytes(2)
            + self.credential_id
            + cbor2.dumps(cose_key)
        )
        auth_data = self._authenticator_data(rp_id, flags, self._count()) + attested
        attestation = cbor2.dumps({"fmt": "none", "attStmt": {}, "authData": auth_data})
        client_data = self._client_data("webauthn.create", options["challenge"], origin)
        return self._credential(
            {
                "clientDataJSON": b64url(client_data),
                "attestationObject": b64url(attestation),
                "transports": ["internal"],
            }
        )

    def get(
        self,
        options: dict[str, Any],
        *,
        origin: str | None = None,
        rp_id: str | None = None,
        flags: int = UP | UV,
        sign_count: int | None = None,
        key: ec.EllipticCurvePrivateKey | None = None,
    ) -> dict[str, Any]:
        """The assertion answering request `options`, as toJSON() returns it, signed with this
        credential's key (or `key`), reporting the next counter (or `sign_count`)."""
        count = self._count() if sign_count is None else sign_count
        auth_data = self._authenticator_data(rp_id, flags, count)
        client_data = self._client_data("webauthn.get", options["challenge"], origin)
        signed = auth_data + hashlib.sha256(client_data).digest()
        signature = (key or self.key).sign(signed, ec.ECDSA(hashes.SHA256()))
        return self._credential(
            {
                "clientDataJSON": b64url(client_data),
                "authenticatorData": b64url(auth_data),
                "signature": b64url(signature),
                "userHandle": None if self.user_handle is None else b64url(self.user_handle),
            }
        )

    def _count(self) -> int:
        if not self.synced:
            self.sign_count += 1
        return self.sign_count

    def _authenticator_data(self, rp_id: str | None, flags: int, count: int) -> bytes:
        rp_id_hash = hashlib.sha256((rp_id or self.rp_id).encode()).digest()
        return rp_id_hash + bytes([flags]) + count.to_bytes(4)

    def _client_data(self, kind: str, challenge: str, origin: str | None) -> bytes:
        data = {"type": kind, "challenge": challenge, "origin": origin or self.origin}
        return json.dumps({**data, "crossOrigin": False}).encode()

    def _credential(self, response: dict[str, Any]) -> dict[str, Any]:
        return {
            "id": b64url(self.credential_id),
            "rawId": b64url(self.credential_id),
            "type": "public-key",
            "response": response,
            "clientExtensionResults": {},
            "authenticatorAttachment": "platform",
        }
