"""Mail over SMTP with aiosmtplib: STARTTLS for smtp:// URLs, implicit TLS for smtps://."""

from __future__ import annotations

import logging
import ssl
from dataclasses import dataclass
from urllib.parse import unquote, urlsplit

import aiosmtplib

from adapters.mail.messages import mime_message, recipient_digest
from application.mail_ports import MailMessage, MailSender, MailUnavailable

log = logging.getLogger("hexauth.mail")

SMTP_SCHEMES = ("smtp", "smtps")


@dataclass(frozen=True, slots=True)
class SmtpEndpoint:
    """Where and how to connect, from `smtp://user:pass@host:587` or `smtps://...:465`."""

    hostname: str
    port: int
    implicit_tls: bool
    username: str | None = None
    password: str | None = None

    @classmethod
    def parse(cls, url: str) -> SmtpEndpoint:
        """Raise ValueError for anything but an smtp:// or smtps:// URL with a host."""
        parts = urlsplit(url)
        if parts.scheme not in SMTP_SCHEMES or not parts.hostname:
            raise ValueError("SMTP_URL must look like smtp://user:pass@host:587 or smtps://...")
        implicit_tls = parts.scheme == "smtps"
        return cls(
            hostname=parts.hostname,
            port=parts.port or (465 if implicit_tls else 587),
            implicit_tls=implicit_tls,
            username=None if parts.username is None else unquote(parts.username),
            password=None if parts.password is None else unquote(parts.password),
        )


class SmtpMailSender(MailSender):
    """One connection per message (the outbox sends few); TLS always, certificates checked
    against `tls_context` (the system's trust store by default)."""

    def __init__(
        self,
        server: SmtpEndpoint,
        mail_from: str,
        *,
        timeout: float = 20.0,
        tls_context: ssl.SSLContext | None = None,
    ) -> None:
        self._server = server
        self._mail_from = mail_from
        self._timeout = timeout
        self._tls_context = tls_context or ssl.create_default_context()

    async def send(self, message: MailMessage) -> None:
        server = self._server
        try:
            await aiosmtplib.send(
                mime_message(message, self._mail_from),
                hostname=server.hostname,
                port=server.port,
                username=server.username,
                password=server.password,
                use_tls=server.implicit_tls,
                start_tls=not server.implicit_tls,  # never in the clear
                tls_context=self._tls_context,
                timeout=self._timeout,
            )
        except (aiosmtplib.SMTPException, OSError) as error:
            log.warning(
                "mail not delivered to %s: %s",
                recipient_digest(message.to),
                type(error).__name__,
                extra={"recipient": recipient_digest(message.to)},
            )
            raise MailUnavailable(type(error).__name__) from error
        log.info(
            "mail delivered to %s",
            recipient_digest(message.to),
            extra={"recipient": recipient_digest(message.to)},
        )
