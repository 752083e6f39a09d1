"""The tables of one run, from its results.jsonl, meta.json and micro.json.

    python -m bench.report RESULTS_FOLDER    (prints the text table; writes nothing)

Every ratio is computed within a round, between runs made back to back, and then summarized
as the median over rounds with [min-max]; absolute numbers are medians and only indicative.
"""

from __future__ import annotations

import json
import statistics
import sys
from collections import defaultdict
from collections.abc import Callable
from pathlib import Path
from typing import Any

Record = dict[str, Any]

TARGETS = {
    "me/raw": (">=", 0.40),
    "refresh/me": (">=", 0.45),
    "login/limit": (">=", 0.90),
    "storm": ("<=", 4.0),
    "storm-logins": (">=", 0.25),
}


def _load(folder: Path) -> tuple[dict[str, Any], dict[tuple[str, str], dict[int, Record]]]:
    meta = json.loads((folder / "meta.json").read_text())
    by_key: dict[tuple[str, str], dict[int, Record]] = defaultdict(dict)
    results = folder / "results.jsonl"
    for line in results.read_text().splitlines() if results.exists() else []:
        record = json.loads(line)
        by_key[record["phase"], record["subject"]][record["round"]] = record
    return meta, by_key


def _spread(values: list[float], digits: int = 2) -> str:
    if not values:
        return "-"
    median = f"{statistics.median(values):.{digits}f}"
    if len(values) == 1:
        return median
    return f"{median} [{min(values):.{digits}f}-{max(values):.{digits}f}]"


def _median(values: list[float]) -> float | None:
    return statistics.median(values) if values else None


def _num(value: float | None, digits: int = 1) -> str:
    if value is None:
        return "-"
    return f"{value:,.{digits}f}"


def _verdict(key: str, values: list[float]) -> str:
    if key not in TARGETS or not values:
        return ""
    sense, target = TARGETS[key]
    median = statistics.median(values)
    met = median >= target if sense == ">=" else median <= target
    shown = f"{target:.0%}" if key != "storm" else f"{target:g}x"
    return f"{sense} {shown}: {'met' if met else 'MISSED'}"


class _Run:
    def __init__(self, folder: Path) -> None:
        self.meta, self.data = _load(folder)
        self.folder = folder
        self.rounds = sorted({r for runs in self.data.values() for r in runs})
        self.server_cores = len(self.meta["server_cpus"])

    def get(self, phase: str, subject: str) -> dict[int, Record]:
        return self.data.get((phase, subject), {})

    def ratio(
        self,
        numerator: dict[int, Record],
        denominator: dict[int, Record] | Callable[[int], float | None],
        field: str = "rps",
    ) -> list[float]:
        ratios = []
        for r, record in numerator.items():
            if callable(denominator):
                below = denominator(r)
            else:
                below = denominator[r][field] if r in denominator else None
            if below:
                ratios.append(record[field] / below)
        return ratios

    def hash_time(self, round_no: int, field: str) -> float | None:
        """The round's argon2 time: the mean of the measurements before and after its login
        and register runs."""
        times = [
            runs[round_no][field]
            for (phase, _), runs in self.data.items()
            if phase == "hashbound" and round_no in runs
        ]
        return statistics.mean(times) if times else None

    def limit(self, round_no: int, field: str, cores: int) -> float | None:
        """Hash-bound requests/s: usable cores / wall time of one argon2 call on one core."""
        seconds = self.hash_time(round_no, field)
        return cores / seconds if seconds else None

    def errors(self, runs: dict[int, Record]) -> str:
        non_2xx = sum(r["non_2xx"] for r in runs.values())
        sockets = sum(r["socket_errors"] for r in runs.values())
        parts = [f"{non_2xx} non-2xx" if non_2xx else "", f"{sockets} socket" if sockets else ""]
        return ", ".join(p for p in parts if p) or "0"


def render(folder: Path) -> tuple[str, str]:
    """The report as console text and as Markdown."""
    run = _Run(folder)
    meta = run.meta
    lines: list[str] = []
    md: list[str] = []

    hb = [r for (phase, _), runs in run.data.items() if phase == "hashbound" for r in runs.values()]
    verify = _median([r["verify_s"] for r in hb])
    hash_time = _median([r["hash_s"] for r in hb])
    argon2 = hb[0]["argon2"] if hb else "argon2 (not measured)"
    cores = run.server_cores
    setup = [
        f"hexauth benchmark, {len(run.rounds)} round(s), {meta['started']}",
        f"machine: {meta['machine']}",
        f"service: {meta['service_cmd']}, CPUs {meta['server_cpus']}; baselines the same way;"
        f" load: {meta['load_generator']} on CPUs {meta['load_cpus']}; {meta['postgres']}",
        f"runs: {meta['duration_s']:g} s measured after {meta['warmup_s']:g} s warm-up,"
        f" {meta['conns']} connections (login/register: {meta['auth_duration_s']:g} s,"
        f" {meta['auth_conns']} connections)",
        f"{argon2} (the service's defaults): verify {_num(verify and verify * 1000, 0)} ms,"
        f" hash {_num(hash_time and hash_time * 1000, 0)} ms on one CPU -> hash-bound limit"
        f" {cores} core(s) / verify = {_num(verify and cores / verify, 2)} logins/s,"
        f" / hash = {_num(hash_time and cores / hash_time, 2)} registrations/s",
    ]
    lines += setup
    md += [f"- {line}" for line in setup]

    me = run.get("me", "service")
    raw = run.get("me", "raw-select")
    bare = run.get("me", "bare-json")
    refresh = run.get("refresh", "service")
    me_jws = run.get("me", "service-jws")
    refresh_jws = run.get("refresh", "service-jws")
    login = run.get("login", "service")
    register = run.get("register", "service")

    def login_limit(r: int) -> float | None:
        return run.limit(r, "verify_s", cores)

    def register_limit(r: int) -> float | None:
        return run.limit(r, "hash_s", cores)

    rows = [
        ("GET /users/me", me, [("raw asyncpg SELECT", run.ratio(me, raw), "me/raw"),
                               ("bare JSON", run.ratio(me, bare), "")]),
        ("POST /auth/refresh", refresh, [("GET /users/me", run.ratio(refresh, me), "refresh/me"),
                                         ("raw asyncpg SELECT", run.ratio(refresh, raw), "")]),
        ("GET /users/me, jws", me_jws, [("GET /users/me (jwe)", run.ratio(me_jws, me), ""),
                                        ("raw asyncpg SELECT", run.ratio(me_jws, raw), "")]),
        ("POST /auth/refresh, jws", refresh_jws,
         [("POST /auth/refresh (jwe)", run.ratio(refresh_jws, refresh), ""),
          ("GET /users/me, jws", run.ratio(refresh_jws, me_jws), "")]),
        ("POST /auth/login", login, [("hash-bound (verify)", run.ratio(login, login_limit),
                                      "login/limit")]),
        ("POST /auth/register", register, [("hash-bound (hash)",
                                            run.ratio(register, register_limit), "")]),
        ("baseline: raw asyncpg SELECT", raw, [("bare JSON", run.ratio(raw, bare), "")]),
        ("baseline: bare Litestar JSON", bare, []),
    ]  # fmt: skip
    header = ("endpoint", "req/s", "p50 ms", "p99 ms", "ratio to", "ratio", "target", "errors")
    table: list[tuple[str, ...]] = []
    for name, runs, ratios in rows:
        if not runs:
            continue
        values = list(runs.values())
        cells = (
            name,
            _num(_median([v["rps"] for v in values]), 1),
            _num(_median([v["p50_ms"] for v in values]), 1),
            _num(_median([v["p99_ms"] for v in values]), 1),
        )
        errors = run.errors(runs)
        if not ratios:
            table.append((*cells, "", "", "", errors))
        for index, (against, ratio, key) in enumerate(ratios):
            first = cells if index == 0 else ("", "", "", "")
            table.append(
                (*first, against, _spread(ratio), _verdict(key, ratio), errors if not index else "")
            )
    lines += ["", *_text_table(header, table)]
    md += ["", *_md_table(header, table)]

    storm_lines = _storm(run)
    if storm_lines:
        lines += ["", *storm_lines[0]]
        md += ["", *storm_lines[1]]
    workers_lines = _workers(run, verify)
    if workers_lines:
        lines += ["", *workers_lines[0]]
        md += ["", *workers_lines[1]]
    micro_lines = _micro(folder / "micro.json")
    if micro_lines:
        lines += ["", *micro_lines[0]]
        md += ["", *micro_lines[1]]
    lines += ["", "ratios: median over rounds [min-max], each computed within one round"]
    return "\n".join(lines), "\n".join(md) + "\n"


def _storm(run: _Run) -> tuple[list[str], list[str]] | None:
    alone, storm = run.get("storm", "probe-alone"), run.get("storm", "probe-storm")
    logins = run.get("storm", "logins")
    if not alone or not storm:
        return None
    ratio = run.ratio(storm, alone, "p99_ms")

    def med(runs: dict[int, Record], field: str) -> str:
        return _num(_median([r[field] for r in runs.values()]), 1)

    header = ("login storm", "alone", "during logins", "storm / alone", "target")
    table = [
        ("/users/me p99 ms", med(alone, "p99_ms"), med(storm, "p99_ms"), _spread(ratio),
         _verdict("storm", ratio)),
        ("/users/me p50 ms", med(alone, "p50_ms"), med(storm, "p50_ms"),
         _spread(run.ratio(storm, alone, "p50_ms")), ""),
        ("/users/me req/s", med(alone, "rps"), med(storm, "rps"),
         _spread(run.ratio(storm, alone)), ""),
    ]  # fmt: skip
    logins_header, logins_table = _storm_logins(run, logins)
    paced = run.meta.get("probe_delay_ms") or 0
    pacing = f" (each pausing {paced} ms between requests)" if paced else " (closed loop)"
    title = (
        f"login storm: {run.meta['probe_conns']} /users/me connections{pacing} alone, then during"
        f" {run.meta['storm_conns']} login connections; errors: {run.errors(storm)} (probe),"
        f" {run.errors(logins)} (logins)"
    )
    text = [title, *_text_table(header, table), "", *_text_table(logins_header, logins_table)]
    md = [title, "", *_md_table(header, table), "", *_md_table(logins_header, logins_table)]
    return text, md


def _storm_logins(
    run: _Run, logins: dict[int, Record]
) -> tuple[tuple[str, ...], list[tuple[str, ...]]]:
    """The storm's logins by outcome: completed (200), refused at the hashing queue's deadline
    (503), and timed out at the load generator (none should: the deadline answers first)."""

    def count(record: Record, status: str) -> int:
        statuses = record.get("statuses") or {}
        if not statuses and status == "200":  # a generator that does not count statuses
            return int(record["requests"] - record["non_2xx"])
        return int(statuses.get(status, 0))

    def p99(status: str) -> str:
        values = [r["p99_by_status_ms"][status] for r in logins.values()
                  if status in (r.get("p99_by_status_ms") or {})]  # fmt: skip
        return _num(_median(values), 1)

    def rate(r: int) -> float | None:
        return count(logins[r], "200") / logins[r]["duration_s"]

    completed = {r: {"rps": rate(r)} for r in logins}
    limit = run.ratio(completed, lambda r: run.limit(r, "verify_s", run.server_cores))
    total = {s: sum(count(r, s) for r in logins.values()) for s in ("200", "503")}
    timeouts = sum(int(r.get("timeouts", 0)) for r in logins.values())
    header = ("storm logins", "count", "per s", "p99 ms", "÷ hash-bound", "target")
    per_second = _num(_median([v["rps"] for v in completed.values()]), 2)
    table = [
        ("completed (200)", str(total["200"]), per_second, p99("200"), _spread(limit),
         _verdict("storm-logins", limit)),
        ("refused (503, queue deadline)", str(total["503"]), "", p99("503"), "", ""),
        ("timed out (no answer)", str(timeouts), "", "", "", "none"),
        ("all", str(sum(r["requests"] for r in logins.values())), "",
         f"{_num(_median([r['p99_ms'] for r in logins.values()]), 1)}"
         f" (max {_num(max((r['max_ms'] for r in logins.values()), default=None), 1)})", "", ""),
    ]  # fmt: skip
    return header, table


def _workers(run: _Run, verify: float | None) -> tuple[list[str], list[str]] | None:
    meta = run.meta
    n = f"{meta['compare_workers']}w"
    rows = []
    for phase, label in (("workers-me", "GET /users/me"), ("workers-login", "POST /auth/login")):
        one, many = run.get(phase, "1w"), run.get(phase, n)
        if not one or not many:
            continue
        for subject, runs in (("1 worker", one), (f"{meta['compare_workers']} workers", many)):
            values = list(runs.values())
            rows.append(
                (
                    f"{label}, {subject}",
                    _num(_median([v["rps"] for v in values])),
                    _num(_median([v["p50_ms"] for v in values])),
                    _num(_median([v["p99_ms"] for v in values])),
                    _spread(run.ratio(runs, one)) if runs is many else "",
                    run.errors(runs),
                )
            )
    if not rows:
        return None
    all_cores = len(set(meta["server_cpus"]) | set(meta["load_cpus"]))
    title = (
        f"workers: the service unpinned on all CPUs, 1 worker against {meta['compare_workers']};"
        f" the load generator and PostgreSQL share those CPUs. Login hash-bound limit on"
        f" {all_cores} cores: {_num(verify and all_cores / verify, 2)} logins/s"
    )
    header = ("workers", "req/s", "p50 ms", "p99 ms", f"{n} / 1w", "errors")
    return [title, *_text_table(header, rows)], [title, "", *_md_table(header, rows)]


def _micro(path: Path) -> tuple[list[str], list[str]] | None:
    if not path.exists():
        return None
    benchmarks = json.loads(path.read_text())["benchmarks"]
    rows = [
        (
            b["name"].removeprefix("test_"),
            f"{b['stats']['median'] * 1e6:,.1f}",
            f"{b['stats']['min'] * 1e6:,.1f}",
            f"{b['stats']['ops']:,.0f}",
        )
        for b in benchmarks
    ]
    header = ("micro-benchmark (in-process, one CPU)", "median us", "min us", "ops/s")
    return _text_table(header, rows), _md_table(header, rows)


def _text_table(header: tuple[str, ...], rows: list[tuple[str, ...]]) -> list[str]:
    widths = [max(len(str(row[i])) for row in [header, *rows]) for i in range(len(header))]
    numeric = [
        all(_is_number(row[i]) for row in rows if row[i]) and i > 0 for i in range(len(header))
    ]

    def fmt(row: tuple[str, ...]) -> str:
        cells = [
            str(cell).rjust(w) if num else str(cell).ljust(w)
            for cell, w, num in zip(row, widths, numeric, strict=True)
        ]
        return "  ".join(cells).rstrip()

    return [fmt(header), "  ".join("-" * w for w in widths), *map(fmt, rows)]


def _md_table(header: tuple[str, ...], rows: list[tuple[str, ...]]) -> list[str]:
    def fmt(row: tuple[str, ...]) -> str:
        return "| " + " | ".join(str(cell) for cell in row) + " |"

    return [fmt(header), "|" + "---|" * len(header), *map(fmt, rows)]


def _is_number(text: str) -> bool:
    try:
        float(text.replace(",", ""))
    except ValueError:
        return False
    return True


if __name__ == "__main__":
    print(render(Path(sys.argv[1]))[0])
