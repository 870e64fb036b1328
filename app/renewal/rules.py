"""Whether a person is ready to renew, from counts of their CPD and the policy."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from app.dates import registration_year_containing
from app.policy import Policy


@dataclass(frozen=True)
class YearCounts:
    """One person's CPD, counted for one registration year."""

    # Recorded (not draft, not deleted) and dated inside the year: what counts.
    recorded: int = 0
    # Of those, how many have a peer reflection.
    with_peer_reflection: int = 0
    # Drafts, whatever their date: they never count until recorded.
    drafts: int = 0
    # Recorded during this year but dated in an earlier one: they count for that year
    # (where they may already have been used to renew), not this one.
    dated_earlier: int = 0


@dataclass(frozen=True)
class RenewalYear:
    start: dt.date
    end: dt.date
    window_opens: dt.date


def renewal_year(today: dt.date, policy: Policy) -> RenewalYear:
    """The registration year holding ``today`` and its renewal window, which closes on
    the year's last day."""
    start, end = registration_year_containing(today, policy)
    window_opens = end - dt.timedelta(days=policy.renewal_window_days - 1)
    return RenewalYear(start=start, end=end, window_opens=max(window_opens, start))


@dataclass(frozen=True)
class RenewalStatus:
    year: RenewalYear
    today: dt.date
    counts: YearCounts
    minimum: int
    minimum_with_peer_reflection: int

    @property
    def records_missing(self) -> int:
        return max(0, self.minimum - self.counts.recorded)

    @property
    def peer_reflections_missing(self) -> int:
        return max(0, self.minimum_with_peer_reflection - self.counts.with_peer_reflection)

    @property
    def ready(self) -> bool:
        return self.records_missing == 0 and self.peer_reflections_missing == 0

    @property
    def window_is_open(self) -> bool:
        return self.year.window_opens <= self.today <= self.year.end

    @property
    def days_left(self) -> int:
        """Days left to renew, today included: 1 on the last day."""
        return (self.year.end - self.today).days + 1

    @property
    def days_until_window_opens(self) -> int:
        return max(0, (self.year.window_opens - self.today).days)


def renewal_status(counts: YearCounts, *, policy: Policy, today: dt.date) -> RenewalStatus:
    return RenewalStatus(
        year=renewal_year(today, policy),
        today=today,
        counts=counts,
        minimum=policy.yearly_minimum_records,
        minimum_with_peer_reflection=policy.yearly_minimum_with_peer_reflection,
    )


def pieces(count: int) -> str:
    return f"{count} {'piece' if count == 1 else 'pieces'} of CPD"


def days(count: int) -> str:
    return f"{count} {'day' if count == 1 else 'days'}"


def missing_sentences(status: RenewalStatus) -> list[str]:
    """What is still missing, in words for a page or an email (never any CPD text)."""
    sentences = []
    if status.records_missing:
        count = status.records_missing
        sentences.append(
            f"Record {count} more {'piece' if count == 1 else 'pieces'} of CPD, completed between "
            f"{_date(status.year.start)} and {_date(status.year.end)}."
        )
    if status.peer_reflections_missing:
        count = status.peer_reflections_missing
        sentences.append(
            f"Add a peer reflection to {count} more {'piece' if count == 1 else 'pieces'} "
            "of CPD completed in this registration year (the structured form asks for one)."
        )
    return sentences


def _date(value: dt.date) -> str:
    return f"{value.day} {value:%B %Y}"
