"""Dates as people read them, and the registration year, worked out one way for every
page, email and count."""

from __future__ import annotations

import datetime as dt

from app.policy import Policy


def format_date(value: dt.date) -> str:
    return f"{value.day} {value.strftime('%B %Y')}"


def format_moment(moment: dt.datetime, policy: Policy) -> str:
    """A moment in the policy's time zone: "3 March 2026 at 2:05pm"."""
    local = policy.local(moment)
    hour = local.strftime("%I").lstrip("0") or "12"
    minutes_and_half = local.strftime("%M") + local.strftime("%p").lower()
    return f"{format_date(local.date())} at {hour}:{minutes_and_half}"


def registration_year_containing(day: dt.date, policy: Policy) -> tuple[dt.date, dt.date]:
    """The registration year (by default 1 December to 30 November) that holds ``day``:
    its first and last days."""
    start = dt.date(
        day.year, policy.registration_year_start_month, policy.registration_year_start_day
    )
    if day < start:
        start = dt.date(day.year - 1, start.month, start.day)
    end = dt.date(start.year + 1, start.month, start.day) - dt.timedelta(days=1)
    return start, end


def registration_year_starting(start_year: int, policy: Policy) -> tuple[dt.date, dt.date]:
    """The registration year that begins in ``start_year`` (as in /your-cpd/years/2025)."""
    start = dt.date(
        start_year, policy.registration_year_start_month, policy.registration_year_start_day
    )
    return registration_year_containing(start, policy)


def describe_registration_year(start: dt.date, end: dt.date) -> str:
    return f"{format_date(start)} to {format_date(end)}"
