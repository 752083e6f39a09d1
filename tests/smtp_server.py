"""A real SMTP server for tests: aiosmtpd on a free local port, STARTTLS or implicit TLS, with a
throwaway certificate the test's client context trusts. It keeps every message it receives,
and it can be stopped and started again on the same port (an outage)."""

from __future__ import annotations

import asyncio
import datetime
import email
import email.policy
import ipaddress
import re
import ssl
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from email.message import EmailMessage
from pathlib import Path
from typing import Any

from aiosmtpd.controller import Controller
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

from tests.support.ports import free_port

LINK = re.compile(r"https?://\S+#token=[A-Za-z0-9_-]+")


@dataclass
class Inbox:
    """What the server received, parsed, in order. While `refusing`, each message is answered
    with a temporary failure (RFC 5321 4.2.1, 4yz) and kept in `refused` instead; `rcpt_delay`
    seconds pass before each recipient is accepted (a slow server, before any mail is taken)."""

    messages: list[EmailMessage] = field(default_factory=list)
    refused: list[EmailMessage] = field(default_factory=list)
    refusing: bool = False
    rcpt_delay: float = 0.0

    async def handle_RCPT(  # noqa: N802
        self, server: Any, session: Any, envelope: Any, address: str, rcpt_options: list[str]
    ) -> str:
        await asyncio.sleep(self.rcpt_delay)
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:  # noqa: N802
        parsed = email.message_from_bytes(envelope.original_content, policy=email.policy.default)
        assert isinstance(parsed, EmailMessage)
        if self.refusing:
            self.refused.append(parsed)
            return "451 4.3.0 try again later"
        self.messages.append(parsed)
        return "250 OK"

    def links_to(self, address: str) -> list[str]:
        """The one-time links in the plain-text bodies of the mails to `address`."""
        links = []
        for message in self.messages:
            if message["To"] == address:
                body = message.get_body(preferencelist=("plain",))
                assert body is not None
                links += LINK.findall(body.get_content())
        return links


@dataclass
class SmtpServer:
    host: str
    port: int
    inbox: Inbox
    client_tls: ssl.SSLContext
    implicit_tls: bool
    _server_tls: ssl.SSLContext
    _controller: Controller | None = None

    @property
    def url(self) -> str:
        scheme = "smtps" if self.implicit_tls else "smtp"
        return f"{scheme}://{self.host}:{self.port}"

    def start(self) -> None:
        tls: dict[str, Any] = (
            {"ssl_context": self._server_tls}
            if self.implicit_tls
            else {"tls_context": self._server_tls, "require_starttls": True}
        )
        self._controller = Controller(
            self.inbox, hostname=self.host, port=self.port, ready_timeout=10, **tls
        )
        self._controller.start()

    def stop(self) -> None:
        if self._controller is not None:
            self._controller.stop()
            self._controller = None


@contextmanager
def smtp_server(tmp_path: Path, *, implicit_tls: bool = False) -> Iterator[SmtpServer]:
    certificate, key = _self_signed(tmp_path)
    server_tls = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    server_tls.load_cert_chain(certificate, key)
    client_tls = ssl.create_default_context(cafile=str(certificate))
    server = SmtpServer("127.0.0.1", free_port(), Inbox(), client_tls, implicit_tls, server_tls)
    server.start()
    try:
        yield server
    finally:
        server.stop()


def _self_signed(folder: Path) -> tuple[Path, Path]:
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "127.0.0.1")])
    now = datetime.datetime.now(datetime.UTC)
    certificate = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(minutes=5))
        .not_valid_after(now + datetime.timedelta(days=1))
        .add_extension(
            x509.SubjectAlternativeName(
                [x509.DNSName("localhost"), x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]
            ),
            critical=False,
        )
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .sign(key, hashes.SHA256())
    )
    cert_path, key_path = folder / "smtp-cert.pem", folder / "smtp-key.pem"
    cert_path.write_bytes(certificate.public_bytes(serialization.Encoding.PEM))
    key_path.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    return cert_path, key_path
