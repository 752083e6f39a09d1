"""docs/scaling.md's capacity model rests on what each request costs the database: the table of
statements and transactions per request that `python -m bench.capacity` prints must still be
what the service does, or the model has rotted."""

from __future__ import annotations

from pathlib import Path

from bench.statements import cost_per_request, table

SCALING_DOC = Path(__file__).resolve().parents[3] / "docs" / "scaling.md"


def test_the_statements_per_request_in_the_capacity_model_are_still_true(
    postgres_database_url: str,
) -> None:
    measured = table(cost_per_request(postgres_database_url, rounds=2))

    assert measured in SCALING_DOC.read_text(), (
        "docs/scaling.md no longer states what each request costs the database; "
        f"run `uv run python -m bench.capacity` and update its figures. Measured:\n{measured}"
    )
