"""The session pruning loop: started, it prunes on its own; stopped, it stops."""

from __future__ import annotations

import asyncio

from application.prune_sessions import PruneSessionsCommand
from entrypoints.session_prune_loop import SessionPruneLoop
from tests.builders import a_world


async def test_a_started_loop_prunes_dead_sessions_until_it_is_stopped() -> None:
    world = a_world()
    signed_out = await world.sign_up()
    await world.sign_out(signed_out.tokens.refresh_token)
    dead = world.session_of(signed_out).id
    world.clock.advance(days=31)
    passes: list[int] = []
    pruned = asyncio.Event()

    def observe(count: int) -> None:
        passes.append(count)
        pruned.set()

    loop = SessionPruneLoop(world.prune_sessions, PruneSessionsCommand(), 0.01, observe)
    loop.start()
    try:
        await asyncio.wait_for(pruned.wait(), 5)
    finally:
        await loop.stop()

    assert passes[0] == 1
    assert dead not in world.store.sessions
    assert [task for task in asyncio.all_tasks() if task.get_name() == "prune"] == []
