from tests.builders import a_user


def test_a_new_password_is_a_credential_change() -> None:
    user = a_user(credentials_version=2)

    user.change_password_hash("another-hash")

    assert (user.password_hash, user.credentials_version) == ("another-hash", 3)


def test_rehashing_the_same_password_is_no_credential_change() -> None:
    user = a_user(credentials_version=2)

    user.upgrade_password_hash("same-password-newer-parameters")

    assert (user.password_hash, user.credentials_version) == ("same-password-newer-parameters", 2)


def test_disabling_and_enabling_are_credential_changes_and_repeating_them_is_not() -> None:
    user = a_user()

    user.disable()
    user.disable()
    assert (user.is_active, user.credentials_version) == (False, 1)
    user.enable()
    user.enable()
    assert (user.is_active, user.credentials_version) == (True, 2)
