import dataclasses
import datetime as dt

from app.policy import Policy
from app.reminders.rules import WINDOW_CLOSING, WINDOW_OPENING, due_for_year
from app.renewal.rules import YearCounts, renewal_status

POLICY = Policy()
NOT_READY = YearCounts()
READY = YearCounts(recorded=1)


def due(today: dt.date, counts: YearCounts = NOT_READY, policy: Policy = POLICY):
    return due_for_year(renewal_status(counts, policy=policy, today=today), policy=policy)


def test_nothing_is_due_before_the_window_opens():
    assert due(dt.date(2026, 8, 31)) is None
    assert due(dt.date(2026, 12, 1)) is None


def test_the_opening_reminder_goes_to_everyone_in_the_first_week_of_the_window():
    first_week = [due(dt.date(2026, 9, day), READY) for day in range(1, 8)]
    assert {(d.kind, d.occasion) for d in first_week if d} == {(WINDOW_OPENING, "2025-12-01")}
    assert None not in first_week
    reminder = due(dt.date(2026, 9, 1))
    assert reminder is not None
    assert (reminder.kind, reminder.occasion) == (WINDOW_OPENING, "2025-12-01")
    assert due(dt.date(2026, 9, 8)) is None


def test_closing_reminders_name_the_milestone_passed_and_skip_people_who_are_ready():
    assert due(dt.date(2026, 10, 30)) is None
    thirty = due(dt.date(2026, 10, 31))
    assert thirty is not None
    assert (thirty.kind, thirty.occasion) == (WINDOW_CLOSING, "2025-12-01:30")
    later = due(dt.date(2026, 11, 5))
    assert later is not None and later.occasion == "2025-12-01:30"
    seven = due(dt.date(2026, 11, 23))
    assert seven is not None and seven.occasion == "2025-12-01:7"
    assert due(dt.date(2026, 11, 30)) == dataclasses.replace(seven, days_before_close=0)
    assert due(dt.date(2026, 11, 23), READY) is None


def test_the_milestones_are_a_policy_setting():
    policy = dataclasses.replace(POLICY, closing_reminder_days=(14,))
    assert due(dt.date(2026, 10, 31), policy=policy) is None
    fourteen = due(dt.date(2026, 11, 16), policy=policy)
    assert fourteen is not None and fourteen.occasion == "2025-12-01:14"
