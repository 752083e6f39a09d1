"""The shape of `PublicKeyCredential.toJSON()`: its binary members in base64url without padding.

py_webauthn's parsers decode leniently (they pad and skip stray characters), so the form the
contract promises (docs/api.md "Passkey shapes") is checked here first.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from domain.errors import MalformedPasskeyCredential

_BASE64URL = re.compile(r"[A-Za-z0-9_-]+")


def check_shape(credential: Mapping[str, Any], binary_members: tuple[str, ...]) -> None:
    """Raise MalformedPasskeyCredential unless `credential` has `id`, `rawId` and `type`, and a
    `response` holding each of `binary_members`, each of them base64url without padding."""
    if not isinstance(credential, Mapping):
        raise MalformedPasskeyCredential("the credential must be a JSON object")
    response = credential.get("response")
    if not isinstance(response, Mapping):
        raise MalformedPasskeyCredential("the credential has no response object")
    if credential.get("type") != "public-key":
        raise MalformedPasskeyCredential('the credential\'s type must be "public-key"')
    members = {
        "id": credential.get("id"),
        "rawId": credential.get("rawId"),
        **{f"response.{name}": response.get(name) for name in binary_members},
    }
    for name, value in members.items():
        if not is_base64url(value):
            raise MalformedPasskeyCredential(f"{name} must be base64url without padding")
    extensions = credential.get("clientExtensionResults", {})
    if not isinstance(extensions, Mapping):
        raise MalformedPasskeyCredential("clientExtensionResults must be a JSON object")


def is_base64url(value: object) -> bool:
    """Non-empty base64url text without padding (RFC 4648 section 5), of a length that a whole
    number of bytes encodes to (never 1 more than a multiple of 4)."""
    return (
        isinstance(value, str) and _BASE64URL.fullmatch(value) is not None and len(value) % 4 != 1
    )
