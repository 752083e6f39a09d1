"""The mails' wording, and the development sender's `.eml` files."""

from __future__ import annotations

import email
import email.policy
import logging
from datetime import timedelta
from pathlib import Path

import pytest

from adapters.mail.eml_files import EmlFileSender
from adapters.mail.messages import mime_message, recipient_digest
from adapters.mail.templates import PlainMailComposer
from domain.one_time_link import LinkPurpose
from tests.builders import an_email

LINK = "https://app.example.com/reset-password#token=" + "t" * 43


@pytest.mark.parametrize("purpose", list(LinkPurpose))
def test_a_link_mail_names_the_service_the_link_its_expiry_and_what_to_do_if_unasked(
    purpose: LinkPurpose,
) -> None:
    message = PlainMailComposer("Acme Auth").link_mail(
        purpose, an_email(), LINK, timedelta(minutes=30)
    )

    for body in (message.text, message.html):
        assert "Acme Auth" in body
        assert LINK in body
        assert "30 minutes" in body
        assert "did not" in body
    assert "Acme Auth" in message.subject


def test_the_html_holds_no_remote_resource_but_the_link() -> None:
    message = PlainMailComposer().link_mail(LinkPurpose.VERIFY, an_email(), LINK, timedelta(days=2))

    assert "<img" not in message.html
    assert "src=" not in message.html
    assert message.html.count("http") == 1
    assert "2 days" in message.text


def test_html_special_characters_in_the_service_name_are_escaped() -> None:
    message = PlainMailComposer("<b>Acme</b>").test_mail(an_email())

    assert "<b>Acme</b>" not in message.html
    assert "&lt;b&gt;Acme&lt;/b&gt;" in message.html


async def test_development_mail_is_an_eml_file_logged_by_path_without_the_address(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    message = PlainMailComposer().link_mail(
        LinkPurpose.RESET, an_email(), LINK, timedelta(minutes=30)
    )
    sender = EmlFileSender(tmp_path / "outbox", "hexauth <no-reply@localhost>")

    with caplog.at_level(logging.INFO, logger="hexauth.mail"):
        await sender.send(message)

    [path] = (tmp_path / "outbox").glob("*.eml")
    parsed = email.message_from_bytes(path.read_bytes(), policy=email.policy.default)
    assert parsed["To"] == "ada@example.com"
    assert str(path) in caplog.text
    assert recipient_digest(an_email()) in caplog.text
    assert "ada@example.com" not in caplog.text
    assert "#token=" not in caplog.text


def test_the_link_reads_whole_in_the_raw_message() -> None:
    message = PlainMailComposer().link_mail(
        LinkPurpose.RESET, an_email(), LINK, timedelta(minutes=30)
    )

    raw = mime_message(message, "hexauth <no-reply@localhost>").as_string()

    assert LINK in raw  # a grep of an .eml file finds the token (README)
