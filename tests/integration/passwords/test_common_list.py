"""The shipped common-password list (NIST SP 800-63B-4 3.1.1.2 blocklist) and its wiring."""

from __future__ import annotations

from importlib import resources

import pytest
from dependency_injector import providers

from adapters.passwords.common_list import LIST_FILE, load_common_passwords
from domain.email import Email
from domain.errors import WeakPassword
from entrypoints.container import Container
from entrypoints.settings import Settings


def test_the_list_is_package_data_so_it_ships_in_the_wheel():
    assert resources.files("adapters.passwords").joinpath(LIST_FILE).is_file()


def test_the_list_holds_at_least_ten_thousand_casefolded_entries():
    passwords = load_common_passwords()

    assert len(passwords) >= 10_000
    assert all(p and p == p.casefold() and p == p.strip() for p in passwords)
    assert {"password", "123456", "qwertyuiop", "iloveyou", "1qaz2wsx3edc4rfv"} <= passwords


def test_the_file_is_one_entry_a_line_without_duplicates():
    lines = resources.files("adapters.passwords").joinpath(LIST_FILE).read_text().splitlines()

    assert len(lines) == len(set(lines)) == len(load_common_passwords())


@pytest.mark.parametrize("password", ["1qaz2wsx3edc4rfv", "QWERTYUIOP12345", "passwordstandard"])
def test_the_container_policy_refuses_listed_passwords(password):
    container = Container()
    container.settings.override(providers.Object(Settings(auth_keys="")))
    policy = container.password_policy()

    with pytest.raises(WeakPassword, match="too common"):
        policy.check(password, Email.parse("ada@example.com"))
    policy.check("a passphrase nobody has used", Email.parse("ada@example.com"))
