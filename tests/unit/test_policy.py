import dataclasses
import datetime as dt
from pathlib import Path

import pytest

from app.policy import AREAS, CpdForm, Policy, PolicyError, Sessions, load_policy


def test_defaults_match_the_regulators_page():
    policy = load_policy(None)
    assert policy.earliest_cpd_date == dt.date(2019, 12, 2)
    assert policy.good_practice_records == 4
    assert policy.yearly_minimum_records == 1
    assert policy.session_idle_timeout == dt.timedelta(minutes=60)
    assert [part.number for part in policy.standard_parts] == [f"4.{n}" for n in range(1, 9)]
    assert policy.limit("title") == 100
    assert policy.limit("description") == 6000


@pytest.mark.parametrize(
    "toml",
    [
        'help_phone = "0800 000 0000"\n'
        "session_idle_timeout_minutes = 30\n"
        "[character_limits]\n"
        "title = 120\n",
        # The same, each setting in its area's table.
        '[contact]\nhelp_phone = "0800 000 0000"\n'
        "[sessions]\nsession_idle_timeout_minutes = 30\n"
        "[cpd_form.character_limits]\ntitle = 120\n",
    ],
)
def test_an_operator_file_overrides_only_what_it_names(tmp_path: Path, toml: str):
    path = tmp_path / "policy.toml"
    path.write_text(toml)
    policy = load_policy(path)
    assert policy.help_phone == "0800 000 0000"
    assert policy.session_idle_timeout == dt.timedelta(minutes=30)
    assert policy.limit("title") == 120
    assert policy.limit("what_you_learned") == 3000


@pytest.mark.parametrize(
    ("toml", "message"),
    [
        ("help_phon = 'x'", "unknown policy settings: help_phon"),
        ("good_practice_records = 'four'", "good_practice_records must be a int"),
        ("good_practice_records = 0", "good_practice_records must be 1 or more"),
        ("earliest_cpd_date = '2019-12-02'", "earliest_cpd_date must be a date"),
        ("[character_limits]\ntitel = 5", "character_limits has unknown boxes: titel"),
        ("[character_limits]\ntitle = 0", "character_limits.title must be a whole number"),
        ("registration_number_pattern = '['", "registration_number_pattern is not a valid"),
        ("session_warning_minutes = 61", "session_warning_minutes must be less than"),
        ("not toml at all", "is not valid TOML"),
        (
            "".join(
                f"[[standard_parts]]\nnumber = '{n}'\ntitle = 't'\ndescription = 'd'\n"
                for n in range(17)
            ),
            "standard_parts can list at most 16 parts",
        ),
        (
            "[[standard_parts]]\nnumber = '4.1.1.1.1.1.1.1.1.1.1'\ntitle = 't'\n"
            "description = 'd'\n",
            "standard_parts numbers must be 1 to 20 characters long",
        ),
    ],
)
def test_a_bad_operator_file_is_refused_with_a_message_naming_the_setting(
    tmp_path: Path, toml: str, message: str
):
    path = tmp_path / "policy.toml"
    path.write_text(toml)
    with pytest.raises(PolicyError, match=message.replace("[", r"\[")):
        load_policy(path)


def test_a_missing_operator_file_is_refused(tmp_path: Path):
    with pytest.raises(PolicyError, match="does not exist"):
        load_policy(tmp_path / "nowhere.toml")


def test_registration_numbers_are_checked_after_tidying_spaces_and_case():
    policy = Policy()
    assert policy.registration_number_is_valid("sw 123456")
    assert policy.normalise_registration_number(" sw 12 3456 ") == "SW123456"
    assert not policy.registration_number_is_valid("123456")
    assert not policy.registration_number_is_valid("SW12345678901")


def test_a_fractional_session_timeout_is_accepted_from_the_operator_file(tmp_path) -> None:
    from app.policy import load_policy

    policy_file = tmp_path / "policy.toml"
    policy_file.write_text("session_idle_timeout_minutes = 0.5\nsession_warning_minutes = 0.25\n")
    policy = load_policy(policy_file)
    assert policy.session_idle_timeout.total_seconds() == 30


@pytest.mark.parametrize(
    ("toml", "message"),
    [
        ("[sessions]\nhelp_phone = 'x'", r"unknown settings in \[sessions\]: help_phone"),
        (
            "help_phone = 'x'\n[contact]\nhelp_phone = 'y'",
            r"help_phone is set twice, in \[contact\] and above it",
        ),
        ("sessions = 3", r"\[sessions\] must be a table of settings"),
        ("[sessions]\nsession_warning_minutes = 61", "session_warning_minutes must be less than"),
    ],
)
def test_an_areas_table_holds_only_that_areas_settings_once(
    tmp_path: Path, toml: str, message: str
):
    path = tmp_path / "policy.toml"
    path.write_text(toml)
    with pytest.raises(PolicyError, match=message):
        load_policy(path)


def test_each_setting_belongs_to_one_area_and_each_area_checks_itself():
    names = [f.name for area in AREAS for f in dataclasses.fields(area)]
    assert len(names) == len(set(names))
    assert set(names) == {f.name for f in dataclasses.fields(Policy)}
    assert not set(names) & {area.TABLE for area in AREAS}  # a table is never a setting
    for area in AREAS:
        area().check()  # each area's defaults stand on their own
    with pytest.raises(PolicyError, match="session_warning_minutes must be less than"):
        Sessions(session_warning_minutes=61).check()
    with pytest.raises(PolicyError, match="character_limits has unknown boxes: titel"):
        CpdForm(character_limits={"titel": 5}).check()
