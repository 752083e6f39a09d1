import base64
import hashlib
import hmac

import pytest

from adapters.tokens.keys import Key, KeyRing, new_key_entry
from tests.integration.tokens.builders import SECRET_A, SECRET_B


def hand_hkdf(secret: bytes, info: bytes) -> bytes:
    """RFC 5869 written out: extract with an empty salt, then one expand block of SHA-256."""
    prk = hmac.new(b"", secret, hashlib.sha256).digest()
    return hmac.new(prk, info + b"\x01", hashlib.sha256).digest()


def test_entries_parse_in_order_and_the_first_is_current() -> None:
    ring = KeyRing.parse(f"a:{SECRET_A},b:{SECRET_B}")

    assert ring.kids == ("a", "b")
    assert ring.current.kid == "a"
    assert ring.get("b") is not None
    assert ring.get("c") is None


def test_whitespace_around_entries_is_ignored() -> None:
    assert KeyRing.parse(f" a:{SECRET_A} , b:{SECRET_B}\n").kids == ("a", "b")


def test_padding_is_optional_and_gives_the_same_keys() -> None:
    padded = KeyRing.parse(f"a:{SECRET_A}=").current
    unpadded = KeyRing.parse(f"a:{SECRET_A}").current

    assert padded == unpadded


def test_derived_keys_match_a_hand_computed_hkdf() -> None:
    secret = base64.urlsafe_b64decode(SECRET_A + "=")
    key = KeyRing.parse(f"a:{SECRET_A}").current

    assert key.jwe_key == hand_hkdf(secret, b"hexauth/v1/jwe A256GCM")
    assert key.jws_key == hand_hkdf(secret, b"hexauth/v1/jws HS256")
    assert key.jwe_key != key.jws_key


def test_the_repr_shows_the_kid_and_no_key_material() -> None:
    key = KeyRing.parse(f"a:{SECRET_A}").current

    assert repr(key) == "Key(kid='a')"
    assert repr(KeyRing.parse(f"a:{SECRET_A}")) == "KeyRing(kids=('a',))"


SHORT_SECRET = base64.urlsafe_b64encode(b"s" * 31).decode().rstrip("=")
STANDARD_BASE64 = base64.b64encode(b"\xfb\xff" * 16).decode()  # has "+" and "/"


@pytest.mark.parametrize(
    ("auth_keys", "secret", "message"),
    [
        (f"a:{SHORT_SECRET}", SHORT_SECRET, "'a'"),
        (f"a:{SECRET_A},a:{SECRET_B}", SECRET_A, "duplicate kid 'a'"),
        (f"a:{STANDARD_BASE64}", STANDARD_BASE64, "'a'"),
        (f"a:{SECRET_A}$", SECRET_A, "'a'"),
        (f"a:{SECRET_A}xx", SECRET_A, "'a'"),  # 45 characters: no base64 length
        (f"a:{SECRET_A}===", SECRET_A, "'a'"),
        (f"a b:{SECRET_A}", SECRET_A, "'a b'"),
        (f"a/b:{SECRET_A}", SECRET_A, "'a/b'"),
        (f"{'k' * 65}:{SECRET_A}", SECRET_A, "kkk"),
        (f"clé:{SECRET_A}", SECRET_A, "'clé'"),
        (f":{SECRET_A}", SECRET_A, "kid ''"),
        (SECRET_A, SECRET_A, "entry 1"),
        (f"a:{SECRET_A},", SECRET_A, "entry 2 is empty"),
        ("a:", "", "'a'"),
    ],
)
def test_a_bad_entry_is_refused_naming_the_kid_but_never_the_secret(
    auth_keys: str, secret: str, message: str
) -> None:
    with pytest.raises(ValueError, match="AUTH_KEYS") as refused:
        KeyRing.parse(auth_keys)

    text = str(refused.value)
    assert message in text
    for start in range(max(len(secret) - 7, 0)):
        assert secret[start : start + 8] not in text
    assert refused.value.__cause__ is None
    assert refused.value.__suppress_context__


def test_an_empty_setting_is_refused() -> None:
    with pytest.raises(ValueError, match="empty"):
        KeyRing.parse("  ")


def test_a_ring_needs_a_key_and_unique_kids() -> None:
    key = KeyRing.parse(f"a:{SECRET_A}").current

    with pytest.raises(ValueError, match="at least one"):
        KeyRing([])
    with pytest.raises(ValueError, match="duplicate"):
        KeyRing([key, key])


def test_key_derivation_refuses_a_short_secret() -> None:
    with pytest.raises(ValueError, match="at least 32"):
        Key.derive("a", b"x" * 31)


def test_a_new_entry_is_a_fresh_32_byte_secret_under_the_given_kid() -> None:
    entry = new_key_entry("2026-11")
    kid, _, secret = entry.partition(":")

    assert kid == "2026-11"
    assert "=" not in secret
    assert len(base64.urlsafe_b64decode(secret + "=")) == 32
    assert KeyRing.parse(entry).current.kid == "2026-11"
    assert new_key_entry("2026-11") != entry


def test_a_new_entry_gets_a_valid_kid_by_default() -> None:
    first, second = new_key_entry(), new_key_entry()

    assert KeyRing.parse(f"{first},{second}").kids == (first.split(":")[0], second.split(":")[0])


def test_a_new_entry_refuses_a_bad_kid() -> None:
    with pytest.raises(ValueError, match="kid"):
        new_key_entry("no spaces")


def test_a_ring_of_a_new_entry_has_one_usable_key() -> None:
    ring = KeyRing.parse(new_key_entry("dev"))

    assert ring.kids == ("dev",)
    assert KeyRing.parse(new_key_entry("dev")).current != ring.current
