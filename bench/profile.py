"""Where a request's time goes: py-spy samples the served service under wrk load.

    uv run python -m bench.profile --py-spy PATH [--endpoint me|refresh] [--seconds 15]

py-spy is not a project dependency: install it outside the project (a throwaway venv, or
`python3 -m pip install --user py-spy`) and pass its path. The service runs as in `make bench`
(pinned, one worker, fresh database); wrk drives one endpoint while py-spy records the worker's
stacks (`--nonblocking`, so sampling does not pause the process; py-spy runs on the load CPU). The
output folder gets the collapsed stacks (stacks.txt, for speedscope or flamegraph.pl) and
summary.txt: the share of samples per component (inclusive: time spent inside it, callees
included; self: its own code) and the top functions.
"""

from __future__ import annotations

import argparse
import contextlib
import os
import subprocess
import sys
import time
from collections import Counter
from datetime import datetime
from pathlib import Path

from bench import load, postgres, seed
from bench.processes import Registry, clean_up_stale_run, single_run_lock
from bench.run import BENCH_USER, ROOT, Bench, _service_env, log, migrate, parse_args
from entrypoints.http.refresh_cookie import PLAIN_NAME

_HEXAUTH_LAYERS = ("domain", "application", "adapters", "entrypoints")


def component(frame: str) -> str:
    """The package a py-spy frame `function (package/module.py:line)` belongs to; C code
    (uvloop, asyncpg's protocol, msgspec, cryptography) counts toward its Python caller."""
    where = frame.rpartition(" (")[2].removesuffix(")").rpartition(":")[0]
    if where.startswith("<"):  # <frozen posixpath>, <string>
        return "other"
    package = where.split("/", 1)[0] if "/" in where else where.removesuffix(".py")
    if package in _HEXAUTH_LAYERS:
        return f"hexauth: {package}"
    return package or "other"


_EVENT_LOOP = "Runner.run (asyncio/runners.py"


def _task_frames(frames: list[str]) -> list[str]:
    """The frames of the task that was running: what sits below the event loop's run call.
    A sample in the loop itself (uvloop's C code: polling, socket I/O, callbacks) is kept
    as that one frame."""
    for index in range(len(frames) - 1, -1, -1):
        if frames[index].startswith(_EVENT_LOOP):
            return frames[index + 1 :] or frames[index:]
    return frames


# What part of a request a sample belongs to. First the work a request asks for: the first
# rule with a frame anywhere on the stack wins (so the bearer check includes its JWT frames).
WORK = (
    ("bearer check (header, decrypt, verify)", ("provide_principal (", "Authenticate.execute (")),
    ("token parse (refresh cookie)", ("JoseTokenCodec.decode (",)),
    ("token issue (2 tokens)", ("TokenIssuer.tokens_for (", "JoseTokenCodec.encode (")),
    ("security events (log + metrics)", ("SecurityEvents.record (",)),
    ("database: pool, SQLAlchemy, asyncpg", ("(sqlalchemy/", "(asyncpg/")),
    ("use case + domain (own code)", ("(application/", "(domain/")),
)
# Then the layers every request passes through, by the innermost frame that is in one: the
# middlewares wrap everything, so only their own frames count for them.
LAYERS = (
    ("metrics (prometheus)", ("(prometheus_client/", "(litestar/plugins/prometheus/")),
    ("logging (access log, structlog)", ("(logging/", "(structlog/", "(entrypoints/log_config")),
    ("Litestar DI (signature, anyio)", ("(litestar/_kwargs/", "(litestar/_signature/", "(anyio/")),
    ("Litestar routing, middleware, response", ("(litestar/", "(msgspec")),
    ("hexauth middleware (request id, proxies)", ("(entrypoints/",)),
    ("uvicorn (HTTP parsing, ASGI)", ("(uvicorn/", "(httptools")),
    ("event loop (uvloop, socket I/O)", ("(asyncio/",)),
)


# The database share by what it was doing (SQLAlchemy runs the driver in greenlets, whose
# stacks no longer show which use case called).
DATABASE = (
    ("pool: check-out, check-in, new connections", ("Engine.connect (", "raw_connection (",
                                                    "_ConnectionFairy", "Pool.", "connect (asyncpg",
                                                    "AsyncAdapt_asyncpg_dbapi.connect (")),
    ("BEGIN", ("Transaction.start (", "_start_transaction (")),
    ("COMMIT / ROLLBACK", ("Transaction.__rollback (", "Transaction.__commit (", "_do_rollback (",
                           "_do_commit (", ".rollback (", ".commit (")),
    ("statements (SELECT, UPDATE, INSERT)", ("_execute_clauseelement (", "_prepare_and_execute (",
                                             "PreparedStatement.", "Result.", "_user_from (",
                                             "_session_from (", "execute (")),
)  # fmt: skip
# Samples of threads waiting for work: py-spy's --nonblocking mode can count them as busy.
IDLE = ("_worker (concurrent/futures/thread.py", "Condition.wait (", "Event.wait (")


def database_part(frames: list[str]) -> str:
    for name, markers in DATABASE:
        if any(marker in frame for frame in frames for marker in markers):
            return name
    return "other database work"


def part_of_request(frames: list[str]) -> str:
    for name, markers in WORK:
        if any(marker in frame for frame in frames for marker in markers):
            return name
    for frame in reversed(frames):
        for name, markers in LAYERS:
            if any(marker in frame for marker in markers):
                return name
    return "other"


def cpu_seconds(pid: int) -> float:
    """User + system CPU time of a process so far (fields 14 and 15 of /proc/PID/stat)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def summarize(collapsed: Path, top: int = 25, cpu_per_request: float | None = None) -> str:
    stacks: list[tuple[list[str], int]] = []
    for line in collapsed.read_text().splitlines():
        stack, _, count = line.rpartition(" ")
        if stack and count.isdigit() and not stack.rpartition(";")[2].startswith(IDLE):
            stacks.append((_task_frames(stack.split(";")), int(count)))
    total = sum(count for _, count in stacks) or 1
    inclusive: Counter[str] = Counter()
    own: Counter[str] = Counter()
    functions: Counter[str] = Counter()
    functions_inclusive: Counter[str] = Counter()
    for frames, count in stacks:
        for name in {component(frame) for frame in frames}:
            inclusive[name] += count
        own[component(frames[-1])] += count
        functions[frames[-1]] += count
        for frame in set(frames):
            functions_inclusive[frame] += count
    lines = [f"{total} samples (one worker, CPU time only)", ""]
    per_request = f"{'us/request':>11}" if cpu_per_request else ""
    lines.append(f"{'part of the request':<44} {'share':>6} {per_request}")
    parts, database = Counter[str](), Counter[str]()
    for frames, count in stacks:
        part = part_of_request(frames)
        parts[part] += count
        if part.startswith("database"):
            database[database_part(frames)] += count

    def row(name: str, count: int) -> str:
        cost = f"{count / total * cpu_per_request * 1e6:>11.0f}" if cpu_per_request else ""
        return f"{name:<44} {count / total:>6.1%} {cost}"

    for name, count in parts.most_common():
        lines.append(row(name, count))
        if name.startswith("database"):
            lines += [row(f"  {part}", count) for part, count in database.most_common()]
    if cpu_per_request:
        total_line = "CPU time per request (all of the above)"
        lines.append(f"{total_line:<44} {'':>6} {cpu_per_request * 1e6:>11.0f}")
    lines += ["", f"{'component':<24} {'inclusive':>9} {'self':>7}"]
    for name, count in inclusive.most_common():
        lines.append(f"{name:<24} {count / total:>9.1%} {own[name] / total:>7.1%}")
    lines += ["", "top functions by self time:"]
    lines += [f"  {count / total:6.1%}  {name}" for name, count in functions.most_common(top)]
    lines += ["", "top hexauth, litestar, sqlalchemy and jwt functions by inclusive time:"]
    ours = [
        (name, count)
        for name, count in functions_inclusive.most_common()
        if component(name).startswith(("hexauth", "litestar", "sqlalchemy", "jwt", "anyio"))
    ]
    lines += [f"  {count / total:6.1%}  {name}" for name, count in ours[:top]]
    return "\n".join(lines) + "\n"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--py-spy", required=True, type=Path, help="path to the py-spy binary")
    parser.add_argument("--endpoint", choices=["me", "refresh"], default="me")
    parser.add_argument("--seconds", type=int, default=15)
    parser.add_argument("--rate", type=int, default=250, help="samples per second")
    parser.add_argument("--env", action="append", default=[], metavar="NAME=VALUE")
    parser.add_argument("--out", type=Path)
    args = parser.parse_args()
    stamp = datetime.now().strftime("%Y%m%d-%H%M%S")
    out = args.out or ROOT / ".data" / "bench" / f"profile-{args.endpoint}-{stamp}"
    bench_args = parse_args(["--phases=me", f"--out={out}", *[f"--env={e}" for e in args.env]])
    (out / "logs").mkdir(parents=True, exist_ok=True)
    (out / "load").mkdir(exist_ok=True)
    with contextlib.ExitStack() as stack:
        stack.enter_context(single_run_lock())
        clean_up_stale_run(drop_database=postgres.drop_database)
        registry = Registry()
        stack.callback(registry.close)
        _, database_url = postgres.fresh_database(stack, registry, bench_args.pg_cpus)
        stack.callback(registry.stop_all)
        env = _service_env(database_url, postgres.libpq_dsn(database_url))
        migrate(env)
        loads = load.LoadGenerator(registry, bench_args.load_cpus, out / "load")
        bench = Bench(bench_args, registry, database_url, env, loads)
        service = bench.start_server("service", "service", 1, bench_args.server_cpus)
        seed.register(service.base_url, BENCH_USER)
        token = seed.access_token(seed.login(service.base_url, BENCH_USER))
        if args.endpoint == "me":
            url = service.base_url + "/users/me"
            warmup = measured = load.get(token)
        else:
            # Refresh cookies are single-use: the warm-up gets its own pool.
            url = service.base_url + "/auth/refresh"
            warmup, measured = (
                load.refresh(
                    seed.refresh_cookies(
                        service.base_url, use, 36, PLAIN_NAME, out / "load" / f"cookies-{use}.txt"
                    )
                )
                for use in ("warmup", "profiled")
            )
        loads.run(url, warmup, 32, 2, "warmup")
        running = loads.start(url, measured, 32, args.seconds + 2, "profiled")
        time.sleep(1)
        collapsed = out / "stacks.txt"
        py_spy = [str(args.py_spy), "record", "--pid", str(service.process.pid), "--rate"]
        py_spy += [str(args.rate), "--duration", str(args.seconds), "--nonblocking"]
        cpu_before = cpu_seconds(service.process.pid)
        subprocess.run(  # noqa: S603 (the py-spy the caller named)
            [*py_spy, "--format", "raw", "-o", str(collapsed)],
            check=True,
            preexec_fn=lambda: os.sched_setaffinity(0, bench_args.load_cpus),
        )
        cpu = cpu_seconds(service.process.pid) - cpu_before
        result = running.result()
        log(f"load: {result.summary()}; the worker used {cpu / args.seconds:.0%} of a CPU")
        # py-spy's own cost is in its process, on the load CPU, not in these seconds.
        summary = summarize(collapsed, cpu_per_request=cpu / (result.rps * args.seconds))
        (out / "summary.txt").write_text(summary)
        print(summary)
        print(f"stacks and summary in {out}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
