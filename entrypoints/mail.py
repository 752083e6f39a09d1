"""Which MailSender the settings ask for: SMTP when SMTP_URL is set, `.eml` files otherwise
(development only: production refuses to start without SMTP_URL, see settings.py)."""

from __future__ import annotations

from adapters.mail.eml_files import DEFAULT_OUTBOX_FOLDER, EmlFileSender
from adapters.mail.smtp_sender import SmtpEndpoint, SmtpMailSender
from application.mail_ports import MailSender
from entrypoints.settings import Settings


def mail_sender_for(settings: Settings) -> MailSender:
    if settings.smtp_url:
        return SmtpMailSender(SmtpEndpoint.parse(settings.smtp_url), settings.mail_from)
    return EmlFileSender(DEFAULT_OUTBOX_FOLDER, settings.mail_from)
