import dataclasses
import datetime as dt

import pytest

from app import dates
from app.policy import Policy, PolicyError, policy_from_mapping
from app.renewal.rules import YearCounts, missing_sentences, renewal_status, renewal_year

RULE_2020 = Policy()
LATER_RULE = dataclasses.replace(
    Policy(), yearly_minimum_records=2, yearly_minimum_with_peer_reflection=1
)


def test_the_registration_year_runs_from_1_december_and_its_window_from_1_september():
    year = renewal_year(dt.date(2026, 3, 14), RULE_2020)
    assert (year.start, year.end) == (dt.date(2025, 12, 1), dt.date(2026, 11, 30))
    assert year.window_opens == dt.date(2026, 9, 1)
    assert renewal_year(dt.date(2026, 12, 1), RULE_2020).start == dt.date(2026, 12, 1)


def test_one_recorded_piece_is_enough_under_the_2020_rule():
    status = renewal_status(YearCounts(recorded=1), policy=RULE_2020, today=dt.date(2026, 10, 1))
    assert status.ready
    assert missing_sentences(status) == []


def test_nothing_recorded_says_what_to_record_and_between_which_dates():
    status = renewal_status(YearCounts(drafts=3), policy=RULE_2020, today=dt.date(2026, 10, 1))
    assert not status.ready
    assert missing_sentences(status) == [
        "Record 1 more piece of CPD, completed between 1 December 2025 and 30 November 2026."
    ]


def test_the_later_rule_needs_two_pieces_and_one_peer_reflection():
    two_without_peer = renewal_status(
        YearCounts(recorded=2), policy=LATER_RULE, today=dt.date(2026, 10, 1)
    )
    assert not two_without_peer.ready
    assert two_without_peer.records_missing == 0
    assert two_without_peer.peer_reflections_missing == 1
    assert "peer reflection" in missing_sentences(two_without_peer)[0]
    one_with_peer = renewal_status(
        YearCounts(recorded=1, with_peer_reflection=1),
        policy=LATER_RULE,
        today=dt.date(2026, 10, 1),
    )
    assert not one_with_peer.ready
    assert one_with_peer.records_missing == 1
    assert renewal_status(
        YearCounts(recorded=2, with_peer_reflection=1),
        policy=LATER_RULE,
        today=dt.date(2026, 10, 1),
    ).ready


@pytest.mark.parametrize(
    ("today", "is_open", "days_left"),
    [
        (dt.date(2026, 8, 31), False, None),
        (dt.date(2026, 9, 1), True, 91),
        (dt.date(2026, 11, 23), True, 8),
        (dt.date(2026, 11, 30), True, 1),
    ],
)
def test_days_left_count_today_and_the_window_closes_on_the_last_day_of_the_year(
    today: dt.date, is_open: bool, days_left: int | None
):
    status = renewal_status(YearCounts(), policy=RULE_2020, today=today)
    assert status.window_is_open is is_open
    if days_left is not None:
        assert status.days_left == days_left
    else:
        assert status.days_until_window_opens == 1


def test_the_first_day_of_a_new_year_starts_again_with_the_window_far_off():
    status = renewal_status(YearCounts(), policy=RULE_2020, today=dt.date(2026, 12, 1))
    assert not status.window_is_open
    assert status.year.window_opens == dt.date(2027, 9, 1)
    assert status.days_until_window_opens == 274


@pytest.mark.parametrize(
    ("settings", "message"),
    [
        ({"yearly_minimum_with_peer_reflection": 2}, "yearly_minimum_with_peer_reflection"),
        ({"yearly_minimum_with_peer_reflection": -1}, "yearly_minimum_with_peer_reflection"),
        ({"renewal_window_days": 400}, "renewal_window_days must be 365 or less"),
        ({"renewal_window_days": 0}, "renewal_window_days must be 1 or more"),
        ({"closing_reminder_days": [120]}, "closing_reminder_days must each be between"),
        ({"closing_reminder_days": "30"}, "closing_reminder_days must be a list"),
        ({"max_import_unpacked_bytes": 10}, "max_import_unpacked_bytes must not be less"),
    ],
)
def test_bad_renewal_settings_are_refused_naming_the_setting(settings: dict, message: str):
    with pytest.raises(PolicyError, match=message):
        policy_from_mapping(settings)


def test_the_later_rule_is_a_setting():
    policy = policy_from_mapping(
        {
            "yearly_minimum_records": 2,
            "yearly_minimum_with_peer_reflection": 1,
            "closing_reminder_days": [7, 30, 7],
        }
    )
    assert policy.yearly_minimum_with_peer_reflection == 1
    assert policy.closing_reminder_days == (30, 7)


def test_the_renewal_year_is_the_registration_year_so_your_cpd_counts_it_once() -> None:
    """Your CPD takes this year's count from Ready to renew for its progress too."""
    import datetime as dt

    from app.policy import Policy
    from app.renewal.rules import renewal_year

    april = Policy(registration_year_start_month=4, registration_year_start_day=6)
    for policy in (Policy(), april):
        day = dt.date(2024, 1, 1)
        while day < dt.date(2026, 1, 1):
            year = renewal_year(day, policy)
            assert (year.start, year.end) == dates.registration_year_containing(day, policy)
            day += dt.timedelta(days=5)
