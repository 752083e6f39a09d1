"""The envelope: compact JWE (RFC 7516) with `alg` `dir` and `enc` A256GCM."""

from __future__ import annotations

import base64
import json
import os
import re
from collections.abc import Mapping
from functools import lru_cache
from types import MappingProxyType
from typing import Any

from cryptography.exceptions import InvalidTag

from adapters.tokens.keys import Key, KeyRing
from domain.errors import InvalidToken

IV_BYTES = 12  # 96-bit IV, RFC 7518 section 5.3
TAG_BYTES = 16  # 128-bit tag, RFC 7518 section 5.3
ALG = "dir"
ENC = "A256GCM"

_SEGMENT = re.compile(r"[A-Za-z0-9_-]*")


def b64url(data: bytes) -> str:
    """Base64url without padding (RFC 7515 section 2)."""
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def b64url_decode_strict(segment: str) -> bytes:
    """Decode base64url, refusing padding, foreign characters and non-canonical trailing bits.

    Lenient decoders map several texts onto the same bytes (the last character's unused low
    bits are ignored), which would let a changed token through as if it were intact.
    """
    if not _SEGMENT.fullmatch(segment):
        raise InvalidToken("malformed token")
    data = base64.urlsafe_b64decode(segment + "=" * (-len(segment) % 4))
    if b64url(data) != segment:
        raise InvalidToken("malformed token")
    return data


class AesGcmJwe:
    """Seals bytes under a ring key and opens them again, strictly.

    `decrypt` raises InvalidToken for anything but an intact envelope under a known kid.
    """

    def __init__(self, keys: KeyRing) -> None:
        self._keys = keys

    def encrypt(self, plaintext: bytes, key: Key) -> str:
        """Compact JWE of `plaintext` (a JWT, hence `cty` JWT per RFC 7519 section 5.2)."""
        protected = _protected_header(key.kid)
        # A fresh random IV per token: a repeated IV under one GCM key is fatal. NIST SP 800-38D
        # section 8.3 allows 2^32 messages per key with random 96-bit IVs; keys rotate long before.
        iv = os.urandom(IV_BYTES)
        # RFC 7516 section 5.1 step 14: the AAD is the ASCII of the encoded protected header.
        sealed = key.aead.encrypt(iv, plaintext, protected.encode("ascii"))
        ciphertext, tag = sealed[:-TAG_BYTES], sealed[-TAG_BYTES:]
        # RFC 7518 section 4.5: with `dir` the encrypted key is the empty octet sequence.
        return ".".join((protected, "", b64url(iv), b64url(ciphertext), b64url(tag)))

    def decrypt(self, token: str) -> tuple[Key, bytes]:
        """The key that opened the envelope and its plaintext; InvalidToken on any failure."""
        try:
            return self._decrypt(token)
        except InvalidToken:
            raise
        except InvalidTag:
            raise InvalidToken("token could not be decrypted") from None
        # binascii.Error, json's errors and UnicodeDecodeError are ValueErrors; RecursionError
        # comes from a deeply nested header, which is parsed before anything is authenticated.
        except (ValueError, TypeError, KeyError, RecursionError):
            raise InvalidToken("malformed token") from None

    def _decrypt(self, token: str) -> tuple[Key, bytes]:
        segments = token.split(".")
        if len(segments) != 5:
            raise InvalidToken("malformed token")
        header = _header_of(segments[0])
        encrypted_key, iv, ciphertext, tag = map(b64url_decode_strict, segments[1:])
        if encrypted_key or len(iv) != IV_BYTES or len(tag) != TAG_BYTES:
            raise InvalidToken("malformed token")
        key = self._key_for(header)
        aad = segments[0].encode("ascii")
        return key, key.aead.decrypt(iv, ciphertext + tag, aad)

    def _key_for(self, header: Mapping[str, Any]) -> Key:
        # RFC 8725 section 3.1: the algorithms are fixed here, never chosen by the token.
        if header.get("alg") != ALG or header.get("enc") != ENC:
            raise InvalidToken("unsupported algorithm")
        # RFC 7516 section 4.1.13 (RFC 7515 section 4.1.11): no extension is understood, so a
        # `crit` of any kind is refused. `zip` (section 4.1.3) is never produced here, and
        # compression before encryption leaks plaintext through the length.
        if "crit" in header or "zip" in header:
            raise InvalidToken("unsupported header")
        kid = header.get("kid")
        key = self._keys.get(kid) if isinstance(kid, str) else None
        if key is None:
            raise InvalidToken("unknown key")
        return key


# A ring has a few kids, so every token carries one of a few protected headers: each is built,
# or decoded and parsed, once. Bounded: a flood of made-up headers only evicts, and a header
# that fails to parse raises every time (lru_cache keeps results, never exceptions).
@lru_cache(maxsize=64)
def _protected_header(kid: str) -> str:
    header = {"alg": ALG, "enc": ENC, "kid": kid, "cty": "JWT"}
    return b64url(json.dumps(header, separators=(",", ":")).encode("utf-8"))


@lru_cache(maxsize=64)
def _header_of(segment: str) -> Mapping[str, Any]:
    return MappingProxyType(_parse_header(b64url_decode_strict(segment)))


def _parse_header(raw: bytes) -> dict[str, Any]:
    # RFC 7515 section 5.2 (referenced by RFC 7516 section 5.2): UTF-8 JSON object; duplicate
    # member names are rejected rather than resolved.
    header = json.loads(raw.decode("utf-8"), object_pairs_hook=_refuse_duplicates)
    if not isinstance(header, dict):
        raise InvalidToken("malformed token")
    return header


def _refuse_duplicates(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    members = dict(pairs)
    if len(members) != len(pairs):
        raise InvalidToken("malformed token")
    return members
