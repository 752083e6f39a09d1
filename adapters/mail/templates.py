"""The mails' wording, plain text and HTML. Self-contained on purpose: no remote images, no
tracking pixels or redirecting links; the only link is the one the mail is about."""

from __future__ import annotations

from datetime import timedelta
from html import escape

from application.mail_ports import MailComposer, MailMessage
from domain.email import Email
from domain.one_time_link import LinkPurpose

_WORDING = {
    LinkPurpose.RESET: (
        "Reset your {service} password",
        "Someone asked to reset the password of the {service} account for {email}.",
        "Choose a new password",
        "If you did not ask, ignore this mail: your password stays as it is, and nobody can "
        "use this link without access to your inbox. Every session of the account is signed "
        "out when the password is reset.",
    ),
    LinkPurpose.VERIFY: (
        "Confirm your email for {service}",
        "Confirm that {email} is the address of your {service} account.",
        "Confirm my email",
        "If you did not create an account, ignore this mail: nothing happens unless the link "
        "is followed.",
    ),
}


class PlainMailComposer(MailComposer):
    """Mails named after `service`, in plain English."""

    def __init__(self, service: str = "hexauth") -> None:
        self._service = service

    def link_mail(
        self, purpose: LinkPurpose, to: Email, link: str, expires_in: timedelta
    ) -> MailMessage:
        subject, intro, action, unasked = (
            part.format(service=self._service, email=to.value) for part in _WORDING[purpose]
        )
        expiry = f"The link works once, for {_duration(expires_in)}."
        text = f"{intro}\n\n{action}:\n{link}\n\n{expiry}\n\n{unasked}\n\n-- {self._service}\n"
        html = (
            '<!doctype html><html><body style="font-family: sans-serif">'
            f"<p>{escape(intro)}</p>"
            f'<p><a href="{escape(link, quote=True)}">{escape(action)}</a></p>'
            f"<p>{escape(expiry)}</p><p>{escape(unasked)}</p>"
            f"<p>&mdash; {escape(self._service)}</p></body></html>"
        )
        return MailMessage(to=to, subject=subject, text=text, html=html)

    def test_mail(self, to: Email) -> MailMessage:
        line = f"This is a test mail from {self._service}: its mail settings work."
        return MailMessage(
            to=to,
            subject=f"{self._service} test mail",
            text=f"{line}\n",
            html=f"<!doctype html><html><body><p>{escape(line)}</p></body></html>",
        )


def _duration(span: timedelta) -> str:
    seconds = int(span.total_seconds())
    for unit, size in (("day", 86_400), ("hour", 3_600), ("minute", 60)):
        if seconds >= size and seconds % size == 0:
            count = seconds // size
            return f"{count} {unit}{'s' if count != 1 else ''}"
    return f"{seconds} seconds"
