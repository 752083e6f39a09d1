"""AUTH_SIGNING_KEYS parsed into a ring of Ed25519 keys, and the JWK Set it publishes."""

from __future__ import annotations

import base64

import jwt
import pytest

from adapters.tokens.keys import SigningKeyRing, new_signing_key_entry

SEED = base64.urlsafe_b64encode(bytes(range(32))).rstrip(b"=").decode()


def test_the_first_key_signs_and_every_key_is_found_by_its_kid() -> None:
    ring = SigningKeyRing.parse(f"new:{SEED}, old:{new_signing_key_entry().split(':')[1]}")

    assert ring.current.kid == "new"
    assert ring.kids == ("new", "old")
    assert ring.get("old") is not None
    assert ring.get("gone") is None


def test_the_jwks_publishes_each_public_key_and_never_a_private_part() -> None:
    ring = SigningKeyRing.parse(f"a:{SEED},{new_signing_key_entry('b')}")

    jwks = ring.jwks()

    assert [key["kid"] for key in jwks["keys"]] == ["a", "b"]
    for key in jwks["keys"]:
        assert set(key) == {"kty", "crv", "x", "kid", "use", "alg"}
        assert (key["kty"], key["crv"], key["use"], key["alg"]) == (
            "OKP",
            "Ed25519",
            "sig",
            "EdDSA",
        )
    assert SEED not in str(jwks)


def test_a_published_key_verifies_what_its_private_key_signed() -> None:
    ring = SigningKeyRing.parse(f"a:{SEED}")
    token = jwt.encode({"sub": "x"}, ring.current.private_key, algorithm="EdDSA")

    public = jwt.PyJWKSet.from_dict(ring.jwks())["a"]

    assert jwt.decode(token, public, algorithms=["EdDSA"]) == {"sub": "x"}


@pytest.mark.parametrize("length", [16, 31, 33, 64])
def test_a_seed_that_is_not_32_bytes_is_refused_without_echoing_it(length: int) -> None:
    seed = base64.urlsafe_b64encode(b"s" * length).decode()

    with pytest.raises(ValueError, match="AUTH_SIGNING_KEYS") as refused:
        SigningKeyRing.parse(f"k1:{seed}")

    assert f"{length} bytes" in str(refused.value)
    assert "exactly 32" in str(refused.value)
    assert seed.rstrip("=") not in str(refused.value)


@pytest.mark.parametrize(
    ("entries", "message"),
    [
        ("", "empty"),
        (SEED, "not of the form"),
        (f"a:{SEED},a:{SEED}", "duplicate"),
        (f"bad kid:{SEED}", "kid"),
        ("a:not*base64", "base64url"),
    ],
)
def test_a_malformed_entry_is_refused(entries: str, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        SigningKeyRing.parse(entries)


def test_a_new_entry_is_a_fresh_seed_the_ring_accepts() -> None:
    first, second = new_signing_key_entry("k"), new_signing_key_entry("k")

    assert first != second
    assert SigningKeyRing.parse(first).current.kid == "k"


def test_the_ring_shows_kids_but_no_key_material() -> None:
    ring = SigningKeyRing.parse(f"a:{SEED}")

    assert repr(ring) == "SigningKeyRing(kids=('a',))"
    assert SEED not in repr(ring.current)
