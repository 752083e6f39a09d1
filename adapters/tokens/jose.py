"""The JOSE layers of a token: the compact JWE envelope (RFC 7516, `dir` + A256GCM, written here:
PyJWT has no JWE), and the JWT signed and verified with PyJWT (RFC 7515, 7519), the one inside
the envelope or, under AUTH_ACCESS_TOKEN_FORMAT=jws, a plain access token."""

from __future__ import annotations

import base64
import json
import os
import re
from collections.abc import Mapping
from datetime import UTC, datetime, timedelta
from functools import lru_cache
from types import MappingProxyType
from typing import Any

import jwt
from cryptography.exceptions import InvalidTag

from adapters.tokens.keys import Key, KeyRing
from domain.errors import InvalidToken

IV_BYTES = 12  # 96-bit IV, RFC 7518 section 5.3
TAG_BYTES = 16  # 128-bit tag, RFC 7518 section 5.3
ALG = "dir"
ENC = "A256GCM"
REQUIRED_CLAIMS = ["iss", "aud", "sub", "iat", "exp", "jti", "type", "sid"]

# RFC 9068 section 2.1 names `at+jwt`; `rt+jwt` follows the same pattern for refresh tokens.
MEDIA_TYPE_BY_TOKEN_TYPE = {"access": "at+jwt", "refresh": "rt+jwt"}

_SEGMENT = re.compile(r"[A-Za-z0-9_-]*")
_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_SECOND = timedelta(seconds=1)


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


def to_numeric_date(moment: datetime) -> int:
    """Whole seconds since the epoch (RFC 7519 section 2), rounded down; `moment` must be aware."""
    if moment.utcoffset() is None:
        raise ValueError("token times must be timezone-aware")
    return (moment - _EPOCH) // _SECOND


def from_numeric_date(value: object) -> datetime:
    """The aware UTC datetime of an integer NumericDate; InvalidToken for anything else."""
    # `type(...) is int` also refuses bool, which json would give for `true`.
    if type(value) is not int:
        raise InvalidToken("malformed claims")
    try:
        return _EPOCH + value * _SECOND
    except OverflowError:
        raise InvalidToken("malformed claims") from None


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
            segments = token.split(".")
            if len(segments) != 5:
                raise InvalidToken("malformed token")
            key = self._key_for(_header_of(segments[0]))
            encrypted_key, iv, ciphertext, tag = map(b64url_decode_strict, segments[1:])
            if encrypted_key or len(iv) != IV_BYTES or len(tag) != TAG_BYTES:
                raise InvalidToken("malformed token")
            return key, key.aead.decrypt(iv, ciphertext + tag, segments[0].encode("ascii"))
        except InvalidToken:
            raise
        except InvalidTag:
            raise InvalidToken("token could not be decrypted") from None
        # binascii.Error, json's errors and UnicodeDecodeError are ValueErrors; RecursionError
        # comes from a deeply nested header, which is parsed before anything is authenticated.
        except (ValueError, TypeError, KeyError, RecursionError):
            raise InvalidToken("malformed token") from None

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
    # RFC 7515 section 5.2 (referenced by RFC 7516 section 5.2): UTF-8 JSON object; duplicate
    # member names are rejected rather than resolved.
    header = json.loads(
        b64url_decode_strict(segment).decode("utf-8"), object_pairs_hook=_refuse_duplicates
    )
    if not isinstance(header, dict):
        raise InvalidToken("malformed token")
    return MappingProxyType(header)


def _refuse_duplicates(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    members = dict(pairs)
    if len(members) != len(pairs):
        raise InvalidToken("malformed token")
    return members


class PyJwtSigner:
    """Signs claims as an explicitly typed JWT with one fixed algorithm, and verifies such a JWT.

    `verify` raises InvalidToken unless the signature, `iss`, `aud`, every required claim and
    the `typ` and `kid` headers are right. The token's times are the codec's to judge, on the
    service's injected clock (PyJWT's own time checks read the wall clock).
    """

    def __init__(self, issuer: str, audience: str, algorithm: str = "HS256") -> None:
        self._issuer = issuer
        self._audience = audience
        self._algorithm = algorithm
        self._jwt = jwt.PyJWT(
            options={
                "require": REQUIRED_CLAIMS,  # a claim given as null counts as missing
                "verify_exp": False,
                "verify_iat": False,
                "verify_nbf": False,
                "enforce_minimum_key_length": True,
            }
        )

    def sign(self, claims: dict[str, Any], kid: str, key: Any) -> str:
        """The compact JWT of `claims`, typed by its `type` claim and naming `kid`."""
        # Passing `typ` replaces PyJWT's default `"typ": "JWT"` rather than adding to it.
        headers = {"typ": MEDIA_TYPE_BY_TOKEN_TYPE[claims["type"]], "kid": kid}
        return self._jwt.encode(claims, key, algorithm=self._algorithm, headers=headers)

    def verify(self, token: str | bytes, kid: str, key: Any) -> dict[str, Any]:
        """The verified claims of `token`, which must name `kid` and be signed with `key`."""
        try:
            # RFC 8725 section 3.1: one fixed algorithm, so never `none` and no key confusion.
            # RFC 7519 section 4.1.3: the audience may be ours alone or in a list of strings.
            decoded = self._jwt.decode_complete(
                token,
                key,
                algorithms=[self._algorithm],
                issuer=self._issuer,
                audience=self._audience,
            )
        except jwt.PyJWTError:
            raise InvalidToken("signature or claims rejected") from None
        claims: dict[str, Any] = decoded["payload"]
        _check_header(decoded["header"], claims, kid)
        return claims


def _check_header(header: dict[str, Any], claims: dict[str, Any], kid: str) -> None:
    # RFC 8725 section 3.11 explicit typing: the header's `typ` must name this kind of token, so
    # a refresh token can never pass for an access token or the reverse.
    token_type = claims["type"]
    expected = MEDIA_TYPE_BY_TOKEN_TYPE.get(token_type) if isinstance(token_type, str) else None
    if expected is None or _media_type(header.get("typ")) != f"application/{expected}":
        raise InvalidToken("wrong token type")
    # docs/api.md: the JWS names the kid of the key that verifies it (for an encrypted token,
    # the envelope's).
    if header.get("kid") != kid:
        raise InvalidToken("unknown key")


def _media_type(typ: object) -> str | None:
    # RFC 7515 section 4.1.9: a `typ` without "/" means "application/" + typ; media type names
    # are case-insensitive (RFC 2045 section 5.1).
    if not isinstance(typ, str):
        return None
    lowered = typ.lower()
    return lowered if "/" in lowered else f"application/{lowered}"
