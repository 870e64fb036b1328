import hashlib

import pytest

from app.auth.passwords import common_passwords, hash_password, password_matches, password_problem
from app.policy import Policy

POLICY = Policy()


def problem(password: str, **kwargs: str) -> str | None:
    return password_problem(password, policy=POLICY, **kwargs)


def test_the_bundled_common_password_list_is_large():
    assert len(common_passwords()) >= 3000


def test_twelve_characters_are_enough_and_eleven_are_not():
    assert problem("ktz9qwmvbnp") == "Password must be 12 characters or more"
    assert problem("ktz9qwmvbnpx") is None


def test_128_characters_are_allowed_and_129_are_not():
    # Not a repetition (that is refused): a hex digest is 128 unpatterned characters.
    long_password = hashlib.sha512(b"a long password").hexdigest()
    assert problem(long_password) is None
    assert problem(long_password + "q") == "Password must be 128 characters or fewer"


@pytest.mark.parametrize(
    "password",
    ["password1234", "qwertyuiop123", "iloveyou2024!", "Passwordpassword", "abcabcabcabc"],
)
def test_common_passwords_and_their_easy_variants_are_refused(password: str):
    assert problem(password) == "Password is too common and easy to guess – choose a different one"


def test_a_password_containing_the_email_or_name_is_refused():
    assert problem("my alex.example is secret", email="alex.example@nhs.net") == (
        "Password must not contain your email address"
    )
    assert problem("priyanka rocks the house", full_name="Priyanka Shah") == (
        "Password must not contain your name"
    )


def test_short_name_parts_do_not_block_ordinary_words():
    assert problem("planning the garden room", full_name="Al Ann") is None


def test_no_composition_rules_are_imposed():
    assert problem("correct horse battery staple") is None


def test_hashes_are_salted_and_checked():
    first, second = (
        hash_password("correct horse battery staple"),
        hash_password("correct horse battery staple"),
    )
    assert first != second
    assert first.startswith("scrypt:")
    assert password_matches(first, "correct horse battery staple")
    assert not password_matches(first, "correct horse battery stapler")
    assert not password_matches(None, "anything at all")


@pytest.mark.parametrize(
    "password",
    ["1111111111111", "alicealicealice", "ababababababa", "xyzxyzxyzxyzx", "aaaaaabbbbbbb"],
)
def test_repeated_characters_and_words_are_refused(password: str):
    assert problem(password) == "Password is too common and easy to guess – choose a different one"


@pytest.mark.parametrize("password", ["1234567890123", "abcdefghijklmn", "9876543210987"])
def test_runs_of_the_keyboard_or_alphabet_are_refused(password: str):
    assert problem(password) == "Password is too common and easy to guess – choose a different one"


def test_a_common_word_repeated_with_the_persons_name_is_refused():
    assert problem("alice in wonderland", full_name="Alice Smith") == (
        "Password must not contain your name"
    )
