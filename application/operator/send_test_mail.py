from __future__ import annotations

from dataclasses import dataclass

from application.mail_ports import MailComposer, MailSender
from domain.email import Email


@dataclass(frozen=True, slots=True)
class SendTestMailCommand:
    address: str


class SendTestMail:
    """An operator checks the mail settings: one mail sent now, past the outbox, so the answer
    (delivered, or why not) comes back at once."""

    def __init__(self, composer: MailComposer, sender: MailSender) -> None:
        self._composer = composer
        self._sender = sender

    async def execute(self, command: SendTestMailCommand) -> None:
        """Raise InvalidEmail, or MailUnavailable when the mail server does not take it."""
        await self._sender.send(self._composer.test_mail(Email.parse(command.address)))
