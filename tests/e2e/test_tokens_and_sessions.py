from __future__ import annotations

from domain.tokens import Claims, TokenType
from tests.e2e.conftest import (
    COOKIE,
    CSRF,
    bearer,
    cookie_value,
    refresh,
    register,
    set_cookie_header,
    use_cookie,
)
from tests.e2e.test_register_and_login import assert_problem


def assert_cookie_cleared(response) -> None:
    header = set_cookie_header(response)
    assert header.startswith(f"{COOKIE}=")
    assert "Max-Age=0" in header.split("; ")
    assert "Path=/auth" in header.split("; ")


def test_me_answers_with_the_user_of_the_access_token(client):
    registered = register(client)

    response = client.get("/users/me", headers=bearer(registered))

    assert response.status_code == 200
    assert response.json() == registered.json()["user"]


def test_me_without_a_token_is_401_naming_the_bearer_scheme(client):
    response = client.get("/users/me")

    assert_problem(response, 401, "invalid-token")
    assert response.headers["www-authenticate"] == "Bearer"


def test_a_refresh_token_is_refused_as_a_bearer_token(client):
    registered = register(client)

    response = client.get(
        "/users/me", headers={"Authorization": f"Bearer {cookie_value(registered)}"}
    )

    assert_problem(response, 401, "invalid-token")
    assert response.headers["www-authenticate"] == 'Bearer error="invalid_token"'


def test_every_tampered_or_garbage_token_gets_the_same_401(client):
    token = register(client).json()["access_token"]
    flipped = token[:40] + ("A" if token[40] != "A" else "B") + token[41:]
    answers = [
        client.get("/users/me", headers={"Authorization": f"Bearer {candidate}"})
        for candidate in (flipped, "garbage", token + "x", "a.b.c.d.e", "x" * 9000)
    ]

    bodies = {(a.status_code, a.text, a.headers["www-authenticate"]) for a in answers}
    assert len(bodies) == 1
    assert_problem(answers[0], 401, "invalid-token")


def test_refresh_rotates_the_cookie_and_returns_a_new_access_token(client, clock):
    registered = register(client)
    clock.advance(seconds=60)

    response = refresh(client)

    assert response.status_code == 200, response.text
    assert response.headers["cache-control"] == "no-store"
    assert response.json()["access_token"] != registered.json()["access_token"]
    assert cookie_value(response) != cookie_value(registered)
    assert client.get("/users/me", headers=bearer(response)).status_code == 200
    assert refresh(client).status_code == 200  # the rotated cookie works in turn


def test_refresh_requires_the_csrf_header(client):
    register(client)

    response = client.post("/auth/refresh")

    assert_problem(response, 403, "csrf-rejected")


def test_refresh_refuses_cross_site_fetch_metadata_and_foreign_origins(client):
    register(client)

    assert_problem(refresh(client, **{"Sec-Fetch-Site": "cross-site"}), 403, "csrf-rejected")
    assert_problem(refresh(client, Origin="https://evil.example"), 403, "csrf-rejected")
    assert refresh(client, Origin="https://testserver.local").status_code == 200


def test_refresh_without_a_cookie_is_401_and_clears_the_cookie(client):
    response = refresh(client)

    assert_problem(response, 401, "invalid-token")
    assert_cookie_cleared(response)


def test_an_access_token_in_the_refresh_cookie_is_refused(client):
    registered = register(client)
    use_cookie(client, registered.json()["access_token"])

    response = refresh(client)

    assert_problem(response, 401, "invalid-token")
    assert_cookie_cleared(response)


def test_a_tampered_refresh_cookie_is_refused(client):
    value = cookie_value(register(client))
    use_cookie(client, value[:-3] + ("AAA" if not value.endswith("AAA") else "BBB"))

    assert_problem(refresh(client), 401, "invalid-token")


def test_reusing_a_rotated_refresh_token_revokes_the_session(client, clock):
    first = cookie_value(register(client))
    second = cookie_value(refresh(client))
    clock.advance(seconds=6)  # past the 5 s grace window

    use_cookie(client, first)
    reused = refresh(client)

    assert_problem(reused, 401, "invalid-token")
    assert_cookie_cleared(reused)
    use_cookie(client, second)
    assert refresh(client).status_code == 401  # the whole session is gone


def refresh_claims(container, response) -> Claims:
    return container.token_codec().decode(cookie_value(response), TokenType.REFRESH)


def max_age(response) -> int:
    return int(set_cookie_header(response).split("Max-Age=")[1].split(";")[0])


def test_a_client_whose_refresh_answer_was_lost_gets_the_same_answer_on_retry(
    client, clock, container
):
    first = cookie_value(register(client))
    clock.advance(seconds=60)
    lost = refresh(client)  # rotated on the server; the client never sees this answer
    clock.advance(seconds=2)

    use_cookie(client, first)
    retried = refresh(client)

    assert retried.status_code == 200, retried.text
    assert retried.headers["cache-control"] == "no-store"
    winner, again = refresh_claims(container, lost), refresh_claims(container, retried)
    assert (again.token_id, again.session_id, again.expires_at) == (
        winner.token_id,
        winner.session_id,
        winner.expires_at,
    )
    assert cookie_value(retried) != cookie_value(lost)  # encrypted afresh
    # Max-Age counts down to the same exp: the two cookies end at the same second.
    assert max_age(retried) == max_age(lost) - 2
    assert retried.json()["access_token"] != lost.json()["access_token"]
    assert client.get("/users/me", headers=bearer(retried)).status_code == 200
    assert refresh(client).status_code == 200  # the retried answer's cookie refreshes on


def test_the_previous_token_after_the_grace_window_is_reuse_even_after_a_replay(client, clock):
    first = cookie_value(register(client))
    refresh(client)
    use_cookie(client, first)
    assert refresh(client).status_code == 200
    clock.advance(seconds=6)

    use_cookie(client, first)
    late = refresh(client)

    assert_problem(late, 401, "invalid-token")
    assert_cookie_cleared(late)


def test_logout_revokes_the_session_and_clears_the_cookie(client):
    token = cookie_value(register(client))

    response = client.post("/auth/logout", headers=CSRF)

    assert response.status_code == 204
    assert_cookie_cleared(response)
    use_cookie(client, token)
    assert_problem(refresh(client), 401, "invalid-token")


def test_logout_is_idempotent_and_works_without_a_cookie(client):
    register(client)
    assert client.post("/auth/logout", headers=CSRF).status_code == 204

    again = client.post("/auth/logout", headers=CSRF)
    client.cookies.clear()
    without = client.post("/auth/logout", headers=CSRF)

    assert again.status_code == 204
    assert without.status_code == 204
    assert_cookie_cleared(without)


def test_logout_requires_the_csrf_header(client):
    token = cookie_value(register(client))

    assert_problem(client.post("/auth/logout"), 403, "csrf-rejected")
    use_cookie(client, token)
    assert refresh(client).status_code == 200  # nothing was revoked


def test_an_idle_session_expires(client, clock):
    register(client)
    clock.advance(days=14, seconds=1)

    response = refresh(client)

    assert_problem(response, 401, "invalid-token")
    assert_cookie_cleared(response)


def test_rotation_never_extends_the_absolute_lifetime(client, clock):
    register(client)
    for _ in range(29):
        clock.advance(days=1)
        response = refresh(client)
        assert response.status_code == 200
        max_age = int(set_cookie_header(response).split("Max-Age=")[1].split(";")[0])
        remaining = 30 * 86400 - (_ + 1) * 86400
        assert max_age == min(14 * 86400, remaining)

    clock.advance(days=1)
    assert_problem(refresh(client), 401, "invalid-token")
