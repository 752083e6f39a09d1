"""Arbitrary bytes and arbitrary JSON as request bodies: never a 5xx, every error a problem."""

from __future__ import annotations

import json

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.e2e.conftest import CSRF, bearer, register

json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=10), inner),
    max_leaves=12,
)
credentials_like = st.fixed_dictionaries(
    {},
    optional={
        "email": st.text(max_size=300) | st.emails() | json_values,
        "password": st.text(max_size=1100) | json_values,
        "current_password": st.text(max_size=50),
        "new_password": st.text(max_size=50),
    },
)
bodies = st.one_of(
    st.binary(max_size=2048),
    json_values.map(lambda value: json.dumps(value).encode()),
    credentials_like.map(lambda value: json.dumps(value).encode()),
    credentials_like.map(lambda value: json.dumps(value, ensure_ascii=False).encode("utf-8")),
)
content_types = st.sampled_from(
    ["application/json", "text/plain", "application/x-www-form-urlencoded", ""]
)
PATHS = ["/auth/register", "/auth/login", "/auth/refresh", "/auth/logout", "/auth/password"]


def assert_no_server_error(response) -> None:
    assert response.status_code < 500, response.text
    if response.status_code >= 400:
        assert response.headers["content-type"].startswith("application/problem+json")
        body = response.json()
        assert body["status"] == response.status_code
        assert body["type"].startswith("urn:hexauth:problem:")
        assert "Traceback" not in response.text
        assert "Error" not in body["detail"]


@pytest.mark.parametrize("path", PATHS)
def test_arbitrary_bodies_get_an_answer_never_a_server_error(client, path):
    signed_in = bearer(register(client, email="fuzz@example.com"))

    @given(body=bodies, content_type=content_types)
    @settings(
        max_examples=60,
        deadline=None,
        derandomize=True,
        database=None,
        suppress_health_check=list(HealthCheck),
    )
    def answers(body: bytes, content_type: str) -> None:
        headers = {**CSRF, **signed_in}
        if content_type:
            headers["Content-Type"] = content_type
        assert_no_server_error(client.post(path, content=body, headers=headers))

    answers()
