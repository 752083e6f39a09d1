from dataclasses import dataclass, field
from datetime import timedelta

import pytest

from application.deliver_mail import DeliverMail, DeliveryPolicy
from application.events import SecurityEventKind
from application.mail_ports import MailMessage
from application.ports import StoreUnavailable
from tests.builders import World, a_world
from tests.fakes.lifecycle import RecordingMailSender
from tests.fakes.security import FixedClock

POLICY = DeliveryPolicy(
    batch=10,
    lease=timedelta(minutes=2),
    first_retry=timedelta(seconds=30),
    max_retry=timedelta(minutes=10),
    max_attempts=4,
)


async def pending(world: World) -> int:
    async with world.unit_of_work(read_only=True) as uow:
        return await uow.outbox.depth()


async def test_a_queued_mail_is_sent_once_and_leaves_the_queue() -> None:
    world = a_world(delivery=POLICY)
    await world.sign_up()

    first = await world.deliver_mail.execute()
    second = await world.deliver_mail.execute()

    assert (first.sent, second.sent) == (1, 0)
    assert [m.to.value for m in world.mail.sent] == ["ada@example.com"]
    assert await pending(world) == 0


async def test_a_failed_try_is_retried_with_exponential_backoff() -> None:
    world = a_world(delivery=POLICY)
    await world.sign_up()
    world.mail.down = True

    await world.deliver_mail.execute()  # try 1 fails: next in 30 s
    world.clock.advance(seconds=29)
    await world.deliver_mail.execute()
    assert world.mail.tries == 1
    world.clock.advance(seconds=1)
    await world.deliver_mail.execute()  # try 2 fails: next in 60 s
    world.clock.advance(seconds=59)
    await world.deliver_mail.execute()
    assert world.mail.tries == 2
    world.mail.down = False
    world.clock.advance(seconds=1)
    report = await world.deliver_mail.execute()

    assert report.sent == 1
    assert len(world.mail.sent) == 1
    assert await pending(world) == 0


def test_backoff_doubles_and_stops_at_the_cap() -> None:
    delays = [POLICY.retry_delay(n) for n in range(1, 7)]

    assert delays[:4] == [timedelta(seconds=s) for s in (30, 60, 120, 240)]
    assert delays[-1] == timedelta(minutes=10)


async def test_after_the_last_try_the_mail_is_given_up_with_a_security_event() -> None:
    world = a_world(delivery=POLICY)
    signed = await world.sign_up()
    world.mail.down = True

    for _ in range(10):
        await world.deliver_mail.execute()
        world.clock.advance(hours=1)

    assert world.mail.tries == POLICY.max_attempts
    assert await pending(world) == 0
    [failed] = [e for e in world.events.events if e.kind is SecurityEventKind.MAIL_FAILED]
    assert failed.user_id == signed.user.id


async def test_a_claimed_mail_is_not_claimed_again_before_its_lease_ends() -> None:
    world = a_world(delivery=POLICY)
    await world.sign_up()

    async with world.unit_of_work() as uow:
        claimed = await uow.outbox.claim_due(world.clock.now(), 10, POLICY.lease)
        await uow.commit()
    report = await world.deliver_mail.execute()
    world.clock.advance(minutes=2)
    later = await world.deliver_mail.execute()

    assert len(claimed) == 1
    assert report.sent == 0
    assert later.sent == 1  # the claimer died without marking: the lease ran out, it goes again


async def test_a_mail_sent_as_the_database_went_down_is_recorded_later_never_sent_again() -> None:
    world = a_world(delivery=POLICY)
    await world.sign_up()
    deliver = world.deliver_mail  # the outbox loop keeps one for the life of its process
    send = world.mail.send

    async def send_then_outage(message: MailMessage) -> None:
        await send(message)
        world.store.down = True  # before the sender can record it sent

    world.mail.send = send_then_outage  # type: ignore[method-assign]
    with pytest.raises(StoreUnavailable):
        await deliver.execute()
    world.mail.send = send  # type: ignore[method-assign]
    world.store.down = False
    await deliver.execute()
    world.clock.advance(minutes=2)  # the lease has run out
    await deliver.execute()
    await world.deliver_mail.execute()  # and another process's sender

    assert len(world.mail.sent) == 1
    assert await pending(world) == 0


@dataclass
class SlowMailSender(RecordingMailSender):
    """Each message takes `seconds` of the world's clock to send."""

    clock: FixedClock = field(default_factory=FixedClock)
    seconds: float = 50

    async def send(self, message: MailMessage) -> None:
        self.clock.advance(seconds=self.seconds)
        await super().send(message)


async def test_sending_stops_in_time_to_record_it_within_the_lease() -> None:
    # A 2 min lease keeps its last 15 s for recording: sends start at 0, 50 and 100 s (5 s left,
    # enough for this fake); at 150 s no time is left, and the last two wait out the lease.
    world = a_world(delivery=POLICY)
    for n in range(5):
        await world.sign_up(email=f"user{n}@example.com")
    sender = SlowMailSender(clock=world.clock)
    deliver = DeliverMail(world.unit_of_work, sender, world.clock, POLICY, world.events)

    slow = await deliver.execute()
    assert (slow.sent, sender.tries, slow.pending) == (3, 3, 2)
    rest = await deliver.execute()  # at 150 s: the lease ran out at 120 s

    assert (rest.sent, rest.pending) == (2, 0)
    assert len({m.to for m in sender.sent}) == 5


async def test_every_try_of_a_message_carries_the_same_key() -> None:
    world = a_world(delivery=POLICY)
    await world.sign_up()
    world.mail.down = True
    await world.deliver_mail.execute()
    world.mail.down = False
    world.clock.advance(seconds=30)
    await world.deliver_mail.execute()

    assert world.mail.tries == 2
    assert world.mail.sent[0].key is not None
    assert world.mail.sent[0].key == world.mail.failed[0].key


def test_a_policy_whose_lease_leaves_no_time_to_send_is_refused() -> None:
    with pytest.raises(ValueError, match="record_time"):
        DeliveryPolicy(lease=timedelta(seconds=10), record_time=timedelta(seconds=10))


@dataclass
class SenderThenOutage(RecordingMailSender):
    """The SMTP server takes the message, and the database goes down before it is marked."""

    world: World | None = None

    async def send(self, message: MailMessage) -> None:
        await super().send(message)
        assert self.world is not None
        self.world.store.down = True


async def test_a_mail_whose_marking_was_lost_goes_again_with_the_same_key() -> None:
    # At least once at the SMTP boundary: the lease runs out and another pass sends it again,
    # under the same key (so the same Message-ID), which lets a receiver drop the duplicate.
    world = a_world(delivery=POLICY)
    await world.sign_up()
    sender = SenderThenOutage(world=world)
    deliver = DeliverMail(world.unit_of_work, sender, world.clock, POLICY, world.events)
    with pytest.raises(StoreUnavailable):
        await deliver.execute()
    world.store.down = False
    world.clock.advance(minutes=1)
    assert (await world.deliver_mail.execute()).sent == 0  # still within the lease
    world.clock.advance(minutes=1)

    resent = await world.deliver_mail.execute()

    assert resent.sent == 1
    assert sender.sent[0].key is not None
    assert [m.key for m in world.mail.sent] == [sender.sent[0].key]
