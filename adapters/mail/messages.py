"""A MailMessage as a MIME message (stdlib `email`), and the recipient as logs may show it."""

from __future__ import annotations

import hashlib
from email.message import EmailMessage
from email.utils import formatdate, make_msgid

from application.mail_ports import MailMessage
from domain.email import Email


def mime_message(message: MailMessage, mail_from: str) -> EmailMessage:
    """multipart/alternative: the plain text first, the HTML as the preferred alternative."""
    mime = EmailMessage()
    mime["From"] = mail_from
    mime["To"] = message.to.value
    mime["Subject"] = message.subject
    mime["Date"] = formatdate(localtime=False)
    mime["Message-ID"] = _message_id(message, _domain_of(mail_from))
    mime["Auto-Submitted"] = "auto-generated"  # RFC 3834: no vacation replies to this
    # ASCII bodies go as they are (7bit), so the link reads whole in the raw message and in an
    # .eml file; quoted-printable would break it and write `=` as `=3D`.
    mime.set_content(message.text, cte=_transfer_encoding(message.text))
    mime.add_alternative(message.html, subtype="html", cte=_transfer_encoding(message.html))
    return mime


def _message_id(message: MailMessage, domain: str) -> str:
    """RFC 5322 3.6.4: one Message-ID per message. An outbox message keeps its entry's id on
    every try, so a resend after an unconfirmed delivery is recognizably the same message
    (email.utils.make_msgid only makes fresh ones)."""
    if message.key is None:
        return make_msgid(domain=domain)
    return f"<{message.key}@{domain}>"


def _transfer_encoding(body: str) -> str:
    return "7bit" if body.isascii() else "quoted-printable"


def recipient_digest(email: Email) -> str:
    """What logs say instead of an address: enough to correlate, not to read (docs/api.md)."""
    return hashlib.sha256(email.value.encode()).hexdigest()[:16]


def _domain_of(mail_from: str) -> str:
    address = mail_from.rsplit("<", 1)[-1].rstrip(">").strip()
    return address.rsplit("@", 1)[-1] or "localhost"
