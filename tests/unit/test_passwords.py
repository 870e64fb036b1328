import hashlib

import pytest
from werkzeug.security import generate_password_hash

from app import create_app
from app.auth import passwords
from app.auth.passwords import common_passwords, hash_password, password_matches, password_problem
from app.config import CONFIGS, PRODUCTION_HASH_METHOD, ProductionConfig, TestConfig
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


@pytest.fixture
def hash_method():
    """Sets the method new hashes are made with, as create_app does, and puts the one
    before back afterwards (it is one setting for the whole process)."""
    before = passwords.hash_method()
    yield passwords.use_hash_method
    passwords.use_hash_method(before)


def test_every_configuration_but_the_tests_hashes_at_full_strength(hash_method):
    """The suite hashes cheaply (TestConfig), so this is the test that the production
    parameters are still the slow ones: Werkzeug's own default scrypt, not weaker."""
    werkzeugs_default = generate_password_hash("x").split("$")[0]
    assert PRODUCTION_HASH_METHOD == werkzeugs_default == "scrypt:32768:8:1"
    for name, config in CONFIGS.items():
        if name != "test":
            assert config.PASSWORD_HASH_METHOD == PRODUCTION_HASH_METHOD, name
    hash_method(ProductionConfig.PASSWORD_HASH_METHOD)
    made = hash_password("correct horse battery staple")
    assert made.startswith("scrypt:32768:8:1$")
    assert password_matches(made, "correct horse battery staple")
    assert not password_matches(made, "correct horse battery stapler")
    # "No such account" checks a hash as costly as a real one.
    assert passwords._timing_dummy_hash(passwords.hash_method()).startswith("scrypt:32768:8:1$")


def test_the_test_configuration_hashes_cheaply_and_old_hashes_still_check(hash_method):
    slow = generate_password_hash("correct horse battery staple")
    hash_method(TestConfig.PASSWORD_HASH_METHOD)
    cheap = hash_password("correct horse battery staple")
    assert cheap.startswith("scrypt:128:8:1$")
    # A hash names its own parameters: one made at either strength checks under both.
    assert password_matches(slow, "correct horse battery staple")
    hash_method(PRODUCTION_HASH_METHOD)
    assert password_matches(cheap, "correct horse battery staple")


def test_production_refuses_to_start_with_cheap_password_hashing(tmp_path):
    class Production(ProductionConfig):
        SECRET_KEY = "production-test-key"
        PUBLIC_BASE_URL = "https://cpd.example.org"
        TWO_STEP_KEYS = "ab" * 32
        MAIL_BACKEND = "smtp"
        SQLALCHEMY_URL = f"sqlite:///{tmp_path / 'unused.db'}"
        PASSWORD_HASH_METHOD = TestConfig.PASSWORD_HASH_METHOD

    with pytest.raises(RuntimeError, match="PASSWORD_HASH_METHOD=scrypt:32768:8:1"):
        create_app(Production)


def test_a_misspelt_hash_method_stops_the_app_at_start_up(hash_method):
    with pytest.raises(ValueError):
        hash_method("scrypt:banana")


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
