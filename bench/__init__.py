"""hexauth's own benchmark: `make bench` (or `uv run python -m bench`); see bench/run.py.

Not part of `make test`: performance is measured here, never asserted in the test suite.
"""
