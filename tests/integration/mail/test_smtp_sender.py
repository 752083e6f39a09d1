"""The SMTP sender against a real aiosmtpd server, over STARTTLS and over implicit TLS."""

from __future__ import annotations

import ssl
from pathlib import Path

import pytest

from adapters.mail.smtp_sender import SmtpEndpoint, SmtpMailSender
from adapters.mail.templates import PlainMailComposer
from application.mail_ports import MailUnavailable
from tests.builders import an_email
from tests.smtp_server import smtp_server

FROM = "hexauth <no-reply@example.com>"


@pytest.mark.parametrize("implicit_tls", [False, True], ids=["starttls", "smtps"])
async def test_a_mail_arrives_with_its_text_and_html_parts(
    tmp_path: Path, implicit_tls: bool
) -> None:
    message = PlainMailComposer("hexauth").test_mail(an_email("ada@example.com"))
    with smtp_server(tmp_path, implicit_tls=implicit_tls) as server:
        sender = SmtpMailSender(SmtpEndpoint.parse(server.url), FROM, tls_context=server.client_tls)

        await sender.send(message)

    [received] = server.inbox.messages
    assert received["To"] == "ada@example.com"
    assert received["From"] == FROM
    assert received["Subject"] == message.subject
    text = received.get_body(preferencelist=("plain",))
    html = received.get_body(preferencelist=("html",))
    assert text is not None
    assert html is not None
    assert text.get_content().strip() == message.text.strip()
    assert html.get_content().strip() == message.html.strip()


async def test_a_server_whose_certificate_is_not_trusted_is_refused(tmp_path: Path) -> None:
    message = PlainMailComposer().test_mail(an_email())
    with smtp_server(tmp_path) as server:
        sender = SmtpMailSender(
            SmtpEndpoint.parse(server.url), FROM, tls_context=ssl.create_default_context()
        )

        with pytest.raises(MailUnavailable):
            await sender.send(message)

    assert server.inbox.messages == []


async def test_a_server_that_is_down_is_mail_unavailable(tmp_path: Path) -> None:
    with smtp_server(tmp_path) as server:
        server.stop()
        sender = SmtpMailSender(
            SmtpEndpoint.parse(server.url), FROM, tls_context=server.client_tls, timeout=2
        )

        with pytest.raises(MailUnavailable):
            await sender.send(PlainMailComposer().test_mail(an_email()))


def test_smtp_urls_are_read_with_their_defaults_and_credentials() -> None:
    starttls = SmtpEndpoint.parse("smtp://user%40x:p%3Ass@mail.example.com")
    implicit = SmtpEndpoint.parse("smtps://mail.example.com")

    assert (starttls.port, starttls.implicit_tls) == (587, False)
    assert (starttls.username, starttls.password) == ("user@x", "p:ss")
    assert (implicit.port, implicit.implicit_tls) == (465, True)
    with pytest.raises(ValueError, match="SMTP_URL"):
        SmtpEndpoint.parse("http://mail.example.com")
