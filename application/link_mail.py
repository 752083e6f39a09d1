"""Issuing a one-time link and queueing its mail, in the caller's unit of work (not a use case:
the part RegisterUser, RequestPasswordReset and SendEmailVerification share)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from application.link_ports import LinkTokens
from application.mail_ports import MailComposer, OutboxEntry
from application.ports import IdGenerator, UnitOfWork
from domain.one_time_link import LinkPurpose, OneTimeLink
from domain.user import User

# The browser app's pages; the token rides in the fragment, so it never reaches a server log or
# a Referer header (docs/api.md "Account recovery and email verification").
LINK_PAGES = {LinkPurpose.RESET: "/reset-password", LinkPurpose.VERIFY: "/verify-email"}


@dataclass(frozen=True, slots=True)
class LinkSettings:
    app_url: str = "http://127.0.0.1:8000"
    reset_ttl: timedelta = timedelta(seconds=1800)
    verify_ttl: timedelta = timedelta(seconds=172_800)

    def ttl(self, purpose: LinkPurpose) -> timedelta:
        return self.reset_ttl if purpose is LinkPurpose.RESET else self.verify_ttl

    def url(self, purpose: LinkPurpose, token: str) -> str:
        return f"{self.app_url.rstrip('/')}{LINK_PAGES[purpose]}#token={token}"


class LinkMailer:
    """Make a link for a user and put its mail in the outbox; the caller commits both at once."""

    def __init__(
        self,
        tokens: LinkTokens,
        composer: MailComposer,
        ids: IdGenerator,
        settings: LinkSettings,
    ) -> None:
        self._tokens = tokens
        self._composer = composer
        self._ids = ids
        self._settings = settings

    async def send(self, uow: UnitOfWork, user: User, purpose: LinkPurpose, now: datetime) -> None:
        token = self._tokens.new_link_token()
        ttl = self._settings.ttl(purpose)
        link = OneTimeLink.issue(
            id=self._ids.new_id(),
            user_id=user.id,
            email=user.email,
            purpose=purpose,
            token=token,
            now=now,
            ttl=ttl,
        )
        message = self._composer.link_mail(
            purpose, user.email, self._settings.url(purpose, token), ttl
        )
        await uow.links.add(link)
        await uow.outbox.enqueue(
            OutboxEntry(
                id=self._ids.new_id(),
                message=message,
                created_at=now,
                next_attempt_at=now,
                user_id=user.id,
            )
        )
