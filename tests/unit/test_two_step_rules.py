"""The rules of two-step sign-in that need no database: which time step a code belongs
to, how secrets and recovery codes are shown and read back, and the stored secret's
encryption."""

from __future__ import annotations

import re

import pyotp
import pytest

from app.auth import two_step
from app.auth.secret_box import SecretBox, SecretBoxError
from app.policy import Policy

SECRET = "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP"
# A moment exactly at the start of a 30-second step, so "one step later" is unambiguous.
T0 = 1_800_000_000 - (1_800_000_000 % 30)


def _code_at(moment: float) -> str:
    return pyotp.TOTP(SECRET).at(moment)


def test_the_current_code_matches_the_current_step():
    assert two_step.matching_step(SECRET, _code_at(T0), policy=Policy(), at=T0) == T0 // 30


@pytest.mark.parametrize("offset", [-30, 30])
def test_a_code_one_step_either_side_is_accepted(offset):
    step = two_step.matching_step(SECRET, _code_at(T0 + offset), policy=Policy(), at=T0)
    assert step == (T0 + offset) // 30


@pytest.mark.parametrize("offset", [-60, 60, -3600])
def test_a_code_two_or_more_steps_away_is_refused(offset):
    assert two_step.matching_step(SECRET, _code_at(T0 + offset), policy=Policy(), at=T0) is None


def test_no_window_means_only_the_current_step():
    policy = Policy(two_step_window_steps=0)
    assert two_step.matching_step(SECRET, _code_at(T0 - 30), policy=policy, at=T0) is None


@pytest.mark.parametrize("typed", ["", "12345", "1234567", "abcdef", "12 34 5x"])
def test_anything_but_six_digits_matches_nothing(typed):
    assert two_step.matching_step(SECRET, typed, policy=Policy(), at=T0) is None


def test_spaces_and_hyphens_people_type_are_ignored():
    code = _code_at(T0)
    assert two_step.normalise_app_code(f" {code[:3]} {code[3:]} ") == code
    assert two_step.normalise_app_code(f"{code[:3]}-{code[3:]}") == code


def test_a_new_secret_has_160_bits():
    secret = two_step.new_secret()
    assert re.fullmatch(r"[A-Z2-7]{32}", secret)
    assert secret != two_step.new_secret()


def test_the_secret_is_shown_in_groups_of_four():
    assert two_step.secret_in_groups(SECRET) == "JBSW Y3DP EHPK 3PXP JBSW Y3DP EHPK 3PXP"


def test_the_app_is_given_the_service_and_the_account_but_nothing_else():
    uri = two_step.provisioning_uri(SECRET, account="alex@example.com", issuer="Record CPD")
    assert uri.startswith("otpauth://totp/Record%20CPD:alex%40example.com?")
    assert f"secret={SECRET}" in uri
    assert "issuer=Record%20CPD" in uri


def test_the_qr_code_is_a_png_any_browser_draws():
    png = two_step.qr_png("otpauth://totp/x?secret=" + SECRET)
    assert png.startswith(b"\x89PNG\r\n\x1a\n")
    width, height = two_step.qr_png_size("otpauth://totp/x?secret=" + SECRET)
    assert width == height > 100


def test_the_key_is_spelled_out_a_character_at_a_time():
    assert two_step.secret_spelled_out("JBSWY3DP") == "J B S W, Y 3 D P"


def test_recovery_codes_are_many_unique_and_use_no_look_alike_characters():
    policy = Policy()
    codes = two_step.new_recovery_codes(policy)
    assert len(codes) == policy.recovery_code_count == 10
    assert len(set(codes)) == len(codes)
    for code in codes:
        assert re.fullmatch(r"[a-hjkmnp-z2-9]{5}-[a-hjkmnp-z2-9]{5}", code), code


def test_a_recovery_code_is_read_whatever_the_case_spaces_or_hyphens():
    assert two_step.normalise_recovery_code(" ABCDE fghjk ") == "abcdefghjk"
    assert two_step.normalise_recovery_code("abcde-fghjk") == "abcdefghjk"


def test_a_recovery_code_hash_depends_on_its_salt_and_is_not_the_code():
    first = two_step.hash_recovery_code("abcdefghjk", salt=b"1" * 16)
    assert first != two_step.hash_recovery_code("abcdefghjk", salt=b"2" * 16)
    assert first == two_step.hash_recovery_code("abcdefghjk", salt=b"1" * 16)
    assert "abcdefghjk" not in first


def test_an_app_code_and_a_recovery_code_are_told_apart():
    policy = Policy()
    assert two_step.is_app_code("123 456", policy=policy)
    assert not two_step.is_app_code("abcde-fghjk", policy=policy)


KEY = bytes(range(32))


def test_the_secret_box_gives_back_what_it_was_given_and_hides_it():
    box = SecretBox([KEY])
    sealed = box.seal(SECRET, context="user:7")
    assert SECRET not in sealed
    assert box.open(sealed, context="user:7") == SECRET
    assert box.seal(SECRET, context="user:7") != sealed  # a fresh nonce every time


def test_a_sealed_secret_moved_to_another_account_does_not_open():
    box = SecretBox([KEY])
    sealed = box.seal(SECRET, context="user:7")
    with pytest.raises(SecretBoxError):
        box.open(sealed, context="user:8")


def test_a_tampered_secret_does_not_open():
    box = SecretBox([KEY])
    sealed = box.seal(SECRET, context="user:7")
    tampered = sealed[:-2] + ("A" if sealed[-2] != "A" else "B") + sealed[-1]
    with pytest.raises(SecretBoxError):
        box.open(tampered, context="user:7")


def test_an_old_key_still_opens_what_it_sealed_after_a_new_key_is_added():
    old = SecretBox([KEY])
    sealed = old.seal(SECRET, context="user:7")
    rotated = SecretBox([bytes(reversed(KEY)), KEY])
    assert rotated.open(sealed, context="user:7") == SECRET
    assert rotated.seal(SECRET, context="user:7").split(":")[0] != sealed.split(":")[0]


def test_keys_are_read_from_settings_and_a_wrong_one_is_refused():
    assert SecretBox.from_setting("00" * 32 + ", " + "11" * 32).keys == [
        bytes(32),
        bytes([0x11]) * 32,
    ]
    with pytest.raises(SecretBoxError):
        SecretBox.from_setting("not hex")
    with pytest.raises(SecretBoxError):
        SecretBox.from_setting("00" * 16)
