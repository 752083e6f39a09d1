"""The hash-bound limit, measured in-process at the service's configured argon2 cost.

    python -m bench.hashbound [--verifies N] [--hashes N]    (prints one JSON object)

A login costs one argon2id verify and a registration one hash; everything else they do is
small beside it, so no server can answer more than `usable cores / CPU time of one verify`
logins per second. This measures that time the way the server pays it: run it pinned to the
server's CPU (bench/run.py does), where argon2's 4 lanes share one core. The cost comes from
the service's own settings (ARGON2_* or the defaults), read with `Settings.from_env`.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import time
from collections.abc import Callable

from argon2 import PasswordHasher, Type

from entrypoints.settings import Settings

PASSWORD = "bench-password-0123456789"  # noqa: S105 (hashed and thrown away)


def _timed(call: Callable[[], object], count: int) -> tuple[float, float]:
    """Median wall and CPU seconds of `call()` over `count` runs (CPU counts every thread)."""
    walls, cpus = [], []
    for _ in range(count):
        wall, cpu = time.perf_counter(), time.process_time()
        call()
        walls.append(time.perf_counter() - wall)
        cpus.append(time.process_time() - cpu)
    return statistics.median(walls), statistics.median(cpus)


def measure(verifies: int, hashes: int) -> dict[str, object]:
    settings = Settings.from_env()
    hasher = PasswordHasher(
        time_cost=settings.argon2_time_cost,
        memory_cost=settings.argon2_memory_kib,
        parallelism=settings.argon2_parallelism,
        type=Type.ID,
    )
    encoded = hasher.hash(PASSWORD)  # also warms the allocator
    verify_wall, verify_cpu = _timed(lambda: hasher.verify(encoded, PASSWORD), verifies)
    hash_wall, hash_cpu = _timed(lambda: hasher.hash(PASSWORD), hashes)
    return {
        "argon2": (
            f"argon2id t={settings.argon2_time_cost} m={settings.argon2_memory_kib} KiB"
            f" p={settings.argon2_parallelism}"
        ),
        "cpus": sorted(os.sched_getaffinity(0)),
        "verify_s": verify_wall,
        "verify_cpu_s": verify_cpu,
        "hash_s": hash_wall,
        "hash_cpu_s": hash_cpu,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--verifies", type=int, default=7)
    parser.add_argument("--hashes", type=int, default=3)
    args = parser.parse_args()
    print(json.dumps(measure(args.verifies, args.hashes)))


if __name__ == "__main__":
    main()
