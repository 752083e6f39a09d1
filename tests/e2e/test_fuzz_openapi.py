"""Schemathesis runs the app's own OpenAPI document through the ASGI app: whatever it sends,
valid or not, no 5xx and no response that the document does not describe.

Bounded (a few dozen examples per operation and mode) and derandomized, so a run takes seconds
and gives the same cases every time. Schemathesis' pytest integration (`from_fixture`) does not
run on pytest 9, so each operation's strategy is driven by Hypothesis here directly.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from hypothesis.errors import Unsatisfiable
from schemathesis.python import asgi

from entrypoints.container import Container
from entrypoints.http.app import create_app

EXAMPLES = {schemathesis.GenerationMode.POSITIVE: 25, schemathesis.GenerationMode.NEGATIVE: 25}
# The document describes shapes; some rules are values it cannot state (a syntactically valid
# email, the configured password minimum, the common-password list, a free email), so a
# schema-valid request may still get the documented 422 or 409, or 429 once throttled.
CONFIG = schemathesis.Config.from_dict(
    {
        "checks": {
            "positive_data_acceptance": {
                "expected-statuses": ["2xx", "401", "403", "404", "409", "422", "429"]
            },
            "negative_data_rejection": {
                "expected-statuses": ["400", "401", "403", "404", "405", "409", "413", "422", "429"]
            },
        },
        # A well-formed token that no link has is the documented 400 invalid-link.
        "operations": [
            {
                "include-path-regex": "^/auth/(password/reset|email/verify)$",
                "checks": {
                    "positive_data_acceptance": {"expected-statuses": ["2xx", "400", "422", "429"]}
                },
            },
            # A credential object that is not what toJSON() returns is the documented 400
            # validation-error; one that is, but does not verify, is 400 or 401.
            {
                "include-path-regex": "^/auth/passkeys/(register|login)$",
                "checks": {
                    "positive_data_acceptance": {
                        "expected-statuses": ["2xx", "400", "401", "403", "422", "429"]
                    }
                },
            },
        ],
    }
)


@pytest.fixture
def api_schema(container: Container) -> Iterator[schemathesis.BaseSchema]:
    app = create_app(container)
    schema = schemathesis.openapi.from_asgi("/schema/openapi.json", app, config=CONFIG)
    yield schema
    asgi.shutdown_lifespans()  # the app's own shutdown, before its database is dropped


def sign_up(schema: schemathesis.BaseSchema) -> str:
    with asgi.get_client(schema.app) as client:
        response = client.post(
            "/auth/register",
            json={"email": "fuzz@example.com", "password": "a passphrase for the fuzzer"},
        )
    assert response.status_code == 201, response.text
    return str(response.json()["access_token"])


@pytest.mark.parametrize("mode", list(EXAMPLES), ids=lambda mode: mode.value)
def test_the_api_conforms_to_its_own_document(
    api_schema: schemathesis.BaseSchema, mode: schemathesis.GenerationMode
) -> None:
    failures: dict[str, str] = {}
    operations = [result.ok() for result in api_schema.get_all_operations()]
    signed_in = {"Authorization": f"Bearer {sign_up(api_schema)}"}  # past the bearer check too
    assert len(operations) >= 6

    for operation in operations:

        @given(case=operation.as_strategy(generation_mode=mode), signed=st.booleans())
        @settings(
            max_examples=EXAMPLES[mode],
            derandomize=True,
            deadline=None,
            database=None,
            suppress_health_check=list(HealthCheck),
        )
        def conforms(case: schemathesis.Case, signed: bool) -> None:
            case.call_and_validate(headers=signed_in if signed else None)

        try:
            conforms()
        except Unsatisfiable:  # nothing to get wrong: an operation without any input
            assert mode is schemathesis.GenerationMode.NEGATIVE
        except (Exception, BaseExceptionGroup) as failure:  # collected: one run reports all
            failures[operation.label] = str(failure)[:1500]

    assert not failures, "\n\n".join(f"{label}:\n{failure}" for label, failure in failures.items())
