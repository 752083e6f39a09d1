"""How `hexauth users create` gets a password, and how the operator commands parse."""

from __future__ import annotations

import io

import pytest

from entrypoints.cli import _parser
from entrypoints.operator_commands import PasswordInputError, read_password

PASSWORD = "correct horse battery staple"


class Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def asking(*answers: str):
    prompts: list[str] = []
    replies = iter(answers)

    def ask(prompt: str) -> str:
        prompts.append(prompt)
        return next(replies)

    return ask, prompts


def test_on_a_terminal_the_password_is_asked_twice_without_echo():
    ask, prompts = asking(PASSWORD, PASSWORD)

    assert read_password(Terminal(), ask) == PASSWORD
    assert prompts == ["Password: ", "Password again: "]


def test_on_a_terminal_two_different_answers_are_refused():
    ask, _ = asking(PASSWORD, PASSWORD + "!")

    with pytest.raises(PasswordInputError, match="differ"):
        read_password(Terminal(), ask)


@pytest.mark.parametrize(
    ("piped", "expected"),
    [
        (f"{PASSWORD}\n", PASSWORD),
        (f"{PASSWORD}\r\n", PASSWORD),
        (PASSWORD, PASSWORD),
        (f"  {PASSWORD} \nsecond line\n", f"  {PASSWORD} "),  # spaces are part of a password
    ],
)
def test_from_a_pipe_the_first_line_is_the_password(piped: str, expected: str):
    ask, prompts = asking()

    assert read_password(io.StringIO(piped), ask) == expected
    assert prompts == []


@pytest.mark.parametrize("piped", ["", "\n"])
def test_an_empty_password_is_refused(piped: str):
    with pytest.raises(PasswordInputError, match="no password"):
        read_password(io.StringIO(piped), asking()[0])


def test_the_password_is_never_an_argument():
    with pytest.raises(SystemExit):
        _parser().parse_args(["users", "create", "ada@example.com", PASSWORD])


def test_prune_keeps_30_days_unless_told_otherwise():
    assert _parser().parse_args(["sessions", "prune"]).older_than == 30
    assert _parser().parse_args(["sessions", "prune", "--older-than", "0"]).older_than == 0


@pytest.mark.parametrize("days", ["-1", "soon", "1.5"])
def test_prune_refuses_an_age_that_is_not_whole_days(days: str):
    with pytest.raises(SystemExit):
        _parser().parse_args(["sessions", "prune", "--older-than", days])
