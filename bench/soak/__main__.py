"""python -m bench.soak (`make soak`): settings from SOAK_INSTANCES, SOAK_USERS, SOAK_SECONDS;
SOAK_KEEP_LOGS=1 keeps the servers' logs of a run that passed too."""

from __future__ import annotations

import asyncio
import contextlib
import os
import re
import secrets
import shutil
import sys
import tempfile
import time
from pathlib import Path

import asyncpg

from application.deliver_mail import DeliveryPolicy
from bench.processes import Registry, clean_up_stale_run, single_run_lock
from bench.soak.events import Exchange, Fault, LoggedOut, Mail, SignedOut
from bench.soak.faults import inject_faults
from bench.soak.figures import Counters
from bench.soak.stack import Stack, running_stack
from bench.soak.users import Load, people
from bench.soak.verdict import Verdict, failed_answers, judge, lost_sessions
from tests.smtp_server import LINK
from tests.support.postgres import asyncpg_dsn

STATE_FILE = Path(tempfile.gettempdir()) / "hexauth-soak.state"
LOCK_FILE = Path(tempfile.gettempdir()) / "hexauth-soak.lock"
ACCESS_TTL = 10  # seconds: short, so every user refreshes several times a run
CLIENT_IP = re.compile(r"client_ip=(\S+)")
MAIL_PATIENCE = 30.0  # seconds for the outbox to deliver what is queued, besides a lease
PENDING_MAIL = "SELECT count(*) FROM mail_outbox WHERE sent_at IS NULL AND NOT given_up"


class Run:
    """Everything seen, in the order it happened."""

    def __init__(self) -> None:
        self.exchanges: list[Exchange] = []
        self.signed_out: list[SignedOut] = []
        self.logged_out: list[LoggedOut] = []
        self.faults: list[Fault] = []

    def record(self, event: object) -> None:
        if isinstance(event, Exchange):
            self.exchanges.append(event)
        elif isinstance(event, SignedOut):
            self.signed_out.append(event)
        elif isinstance(event, LoggedOut):
            self.logged_out.append(event)
        elif isinstance(event, Fault):
            self.faults.append(event)


async def soak(stack: Stack, users: int, seconds: float, counters: Counters) -> Verdict:
    run = Run()
    crowd = people(users, stack.base_url, secrets.token_hex(3), seconds, run.record)
    crowd_started = time.monotonic()
    load = Load(seconds)
    counters.begin()

    async def sampling() -> None:
        while True:
            await asyncio.to_thread(counters.sample)
            await asyncio.sleep(1)

    sampler = asyncio.create_task(sampling())
    try:
        await asyncio.gather(
            inject_faults(stack, load, run.record, counters.sample),
            *(person.live(load) for person in crowd),
        )
    finally:
        sampler.cancel()
        for person in crowd:
            await person.browser.close()
    await asyncio.to_thread(counters.end)
    registered = {person.email for person in crowd if person.registered}
    drained = await _until_outbox_empty(stack)
    _report_faults(run, crowd_started)
    print(counters.report(run.exchanges))
    print(_from_the_logs(stack.folder))
    print(f"{drained}; {len(stack.smtp.inbox.messages)} received for {len(registered)} accounts")
    return judge(
        run.exchanges, run.signed_out, run.logged_out, run.faults, _mails(stack), registered
    )


def _report_faults(run: Run, began: float) -> None:
    """The faults' times, and what failed (at most 20 lines of each), seconds from the start."""
    for fault in run.faults:
        print(
            f"fault {fault.kind:8} {fault.instance:16} at {fault.started - began:5.1f} s, "
            f"for {fault.ended - fault.started:4.1f} s"
        )
    for failed in failed_answers(run.exchanges, run.faults)[:20]:
        print(
            f"failed: {failed.user} {failed.kind} {failed.status or 'no answer'} at "
            f"{failed.started - began:.2f}-{failed.ended - began:.2f} s via "
            f"{failed.upstream or failed.error}"
        )
    lockouts = [e for e in run.exchanges if e.kind == "login" and e.status in (401, 429)]
    for lockout in lockouts[:20]:
        print(
            f"locked out: {lockout.user} login {lockout.status} at {lockout.started - began:.2f} s"
        )
    for lost in lost_sessions(run.signed_out, run.logged_out)[:20]:
        print(f"lost session: {lost.user} session {lost.session} at {lost.at - began:.2f} s")


async def _until_outbox_empty(stack: Stack) -> str:
    """Until every queued mail is marked sent (or given up). A mail claimed by an instance that
    died waits out the sender's lease, then goes; one sent but not marked sent goes again after
    it, which is what "sent twice" must see: so the wait is up to the lease plus MAIL_PATIENCE."""
    began = time.monotonic()
    deadline = began + DeliveryPolicy().lease.total_seconds() + MAIL_PATIENCE
    first = pending = await _pending_mail(stack)
    while pending and time.monotonic() < deadline:
        await asyncio.sleep(1)
        pending = await _pending_mail(stack)
    await asyncio.sleep(1)  # the sink's thread takes a message in before the sender marks it
    waited = time.monotonic() - began
    return f"outbox: {first} mails pending after the load, {pending} after {waited:.0f} s"


async def _pending_mail(stack: Stack) -> int:
    connection = await asyncpg.connect(asyncpg_dsn(stack.database_url), timeout=10)
    try:
        return int(await connection.fetchval(PENDING_MAIL))
    finally:
        await connection.close()


def _from_the_logs(folder: Path) -> str:
    """What the instances logged: grace answers (the racing tabs, and refreshes retried after a
    cut, served as designed), reuse (which would also be a lost session), and how many client
    addresses they saw (one per user when nginx's X-Forwarded-For is believed, else only
    nginx's)."""
    logs = "".join(log.read_text() for log in sorted(folder.glob("hexauth-*.log")))
    replayed = logs.count("event=refresh_replayed")
    reused = logs.count("event=refresh_reuse_detected")
    clients = len(set(CLIENT_IP.findall(logs)))
    load = ", ".join(f"{average:.1f}" for average in os.getloadavg())
    return (
        f"refresh grace answers {replayed}, reuse detected {reused}; {clients} client addresses "
        f"seen by the instances; host load average {load} (1, 5, 15 min)"
    )


def _mails(stack: Stack) -> list[Mail]:
    mails = []
    for message in list(stack.smtp.inbox.messages):
        body = message.get_body(preferencelist=("plain",))
        links = LINK.findall(body.get_content()) if body is not None else []
        link = links[0] if links else ""
        mails.append(Mail(str(message["To"]), str(message["Message-ID"]), link))
    return mails


def main() -> int:
    instances = int(os.environ.get("SOAK_INSTANCES", "3"))
    users = int(os.environ.get("SOAK_USERS", "30"))
    seconds = float(os.environ.get("SOAK_SECONDS", "90"))
    folder = Path(tempfile.mkdtemp(prefix="hexauth-soak-"))
    print(f"soak: {instances} instances, {users} users, {seconds:.0f} s; logs in {folder}")
    with single_run_lock(LOCK_FILE), contextlib.ExitStack() as stack:
        for line in clean_up_stale_run(STATE_FILE):
            print(f"soak: cleaned up an earlier run: {line}")
        registry = Registry(STATE_FILE)
        stack.callback(registry.close)
        servers = stack.enter_context(running_stack(folder, registry, instances, ACCESS_TTL))
        verdict = asyncio.run(soak(servers, users, seconds, Counters(servers)))
    print(verdict.line())
    if verdict.failures or os.environ.get("SOAK_KEEP_LOGS"):
        print(f"soak: the servers' logs are kept in {folder}", file=sys.stderr)
    else:
        shutil.rmtree(folder, ignore_errors=True)
    return 1 if verdict.failures else 0


if __name__ == "__main__":
    raise SystemExit(main())
