"""Development mail: each message written as an `.eml` file any mail client opens."""

from __future__ import annotations

import asyncio
import logging
import uuid
from datetime import UTC, datetime
from pathlib import Path

from adapters.mail.messages import mime_message, recipient_digest
from application.mail_ports import MailMessage, MailSender

log = logging.getLogger("hexauth.mail")

DEFAULT_OUTBOX_FOLDER = Path(".data/outbox")


class EmlFileSender(MailSender):
    """Writes `<UTC time>-<random>.eml` into `folder` and logs its path (not its content)."""

    def __init__(self, folder: Path = DEFAULT_OUTBOX_FOLDER, mail_from: str = "") -> None:
        self._folder = folder
        self._mail_from = mail_from

    async def send(self, message: MailMessage) -> None:
        path = await asyncio.to_thread(self._write, message)
        log.info(
            "mail to %s written to %s",
            recipient_digest(message.to),
            path,
            extra={"recipient": recipient_digest(message.to), "path": str(path)},
        )

    def _write(self, message: MailMessage) -> Path:
        self._folder.mkdir(parents=True, exist_ok=True)
        stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%S")
        path = self._folder / f"{stamp}-{uuid.uuid4().hex[:8]}.eml"
        path.write_bytes(mime_message(message, self._mail_from).as_bytes())
        return path
