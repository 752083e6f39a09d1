"""docs/api.md "Endpoints": the two 202 answers have the body `{"status": "accepted"}`, typed so in
the OpenAPI document."""

from __future__ import annotations

from tests.e2e.conftest import bearer, register


def test_forgot_password_answers_accepted_for_known_and_unknown_addresses(client):
    register(client)

    known = client.post("/auth/password/forgot", json={"email": "ada@example.com"})
    unknown = client.post("/auth/password/forgot", json={"email": "nobody@example.com"})

    assert (known.status_code, known.json()) == (202, {"status": "accepted"})
    assert (unknown.status_code, unknown.content) == (202, known.content)


def test_sending_a_verification_mail_answers_accepted(client):
    signed_in = bearer(register(client))

    response = client.post("/auth/email/verify/send", headers=signed_in)

    assert (response.status_code, response.json()) == (202, {"status": "accepted"})


def test_the_openapi_document_types_both_202_bodies(client):
    document = client.get("/schema/openapi.json").json()

    for path in ("/auth/password/forgot", "/auth/email/verify/send"):
        content = document["paths"][path]["post"]["responses"]["202"]["content"]
        reference = content["application/json"]["schema"]["$ref"]
        schema = document["components"]["schemas"][reference.rsplit("/", 1)[1]]
        assert schema["required"] == ["status"]
        assert schema["properties"]["status"]["const"] == "accepted"
