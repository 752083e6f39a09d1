import hashlib
import secrets
import uuid
from datetime import timedelta

import pytest

from domain.one_time_link import LinkPurpose, OneTimeLink, link_token_hash
from tests.builders import NOW, an_email

TOKEN = secrets.token_urlsafe(32)


def a_link(
    purpose: LinkPurpose = LinkPurpose.RESET, ttl: timedelta = timedelta(minutes=30)
) -> OneTimeLink:
    return OneTimeLink.issue(
        id=uuid.uuid4(),
        user_id=uuid.uuid4(),
        email=an_email(),
        purpose=purpose,
        token=TOKEN,
        now=NOW,
        ttl=ttl,
    )


def test_a_link_keeps_only_the_sha256_of_its_token() -> None:
    link = a_link()

    assert link.token_hash == hashlib.sha256(TOKEN.encode()).hexdigest()
    assert TOKEN not in repr(link)
    assert link_token_hash(TOKEN) == link.token_hash


def test_a_token_shorter_than_256_bits_is_refused() -> None:
    with pytest.raises(ValueError, match="256"):
        OneTimeLink.issue(
            id=uuid.uuid4(),
            user_id=uuid.uuid4(),
            email=an_email(),
            purpose=LinkPurpose.RESET,
            token=secrets.token_urlsafe(16),
            now=NOW,
            ttl=timedelta(minutes=1),
        )


def test_a_fresh_link_is_usable_until_it_expires() -> None:
    link = a_link(ttl=timedelta(minutes=30))

    assert link.is_usable(NOW + timedelta(minutes=29))
    assert not link.is_usable(NOW + timedelta(minutes=30))


def test_a_used_link_is_refused_and_keeps_its_first_use() -> None:
    link = a_link()

    link.use(NOW)
    link.use(NOW + timedelta(minutes=1))

    assert link.used_at == NOW
    assert not link.is_usable(NOW)
