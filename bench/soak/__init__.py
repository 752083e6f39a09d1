"""`make soak`: several `hexauth serve` instances behind nginx on one PostgreSQL and one Redis,
simulated browser users, faults on a schedule, and one verdict line (docs/soak.md).

Lives beside the benchmark, not under tests/: it is an operator's rehearsal of a scale-out
(minutes, its own servers, a loaded machine's figures), not a test a suite runs; its verdict logic
is unit-tested (tests/unit/test_soak_verdict.py).
"""
