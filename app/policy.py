"""The operator-editable policy: every rule number the service uses, in one place.

Defaults describe the UK social work regulator the service grew from. An operator can
override any of them with a TOML file named by the ``RECORD_CPD_POLICY`` environment
variable; the file is checked at start-up and a mistake stops the service with a message
that names the setting, rather than surfacing later as a strange page.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import os
import re
import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, ClassVar
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from app import questions

POLICY_ENV_VAR = "RECORD_CPD_POLICY"


class PolicyError(ValueError):
    """The operator's policy file is missing, unreadable or holds a bad value."""


@dataclass(frozen=True)
class StandardPart:
    number: str
    title: str
    description: str


@dataclass(frozen=True)
class ActivityType:
    value: str
    label: str


# At most this many parts, each numbered in at most this many characters: what each
# record stores of the parts it shows stays small enough to index (app/records/models.py).
MOST_STANDARD_PARTS = 16
PART_NUMBER_MOST_CHARACTERS = 20

DEFAULT_STANDARD_PARTS: tuple[StandardPart, ...] = (
    StandardPart(
        "4.1",
        "Using feedback",
        "Using feedback to improve your practice, including feedback from people with "
        "lived experience of social work.",
    ),
    StandardPart(
        "4.2",
        "Supervision and reflection",
        "Using supervision and critical reflection to identify your learning needs.",
    ),
    StandardPart(
        "4.3",
        "Research, theories and frameworks",
        "Drawing on research, theories and frameworks to inform your practice.",
    ),
    StandardPart(
        "4.4",
        "Knowledge, current issues and policy",
        "Keeping your subject knowledge up to date, including current issues and social policy.",
    ),
    StandardPart(
        "4.5",
        "A learning culture at work",
        "Contributing to an open and creative learning culture in your workplace.",
    ),
    StandardPart(
        "4.6",
        "Impact on practice",
        "Reflecting on how your learning and development has changed your practice.",
    ),
    StandardPart(
        "4.7",
        "Recording learning",
        "Recording your learning and reflection regularly.",
    ),
    StandardPart(
        "4.8",
        "Values and ethics",
        "Reflecting on the values and ethics of your profession in your practice.",
    ),
)

DEFAULT_ACTIVITY_TYPES: tuple[ActivityType, ...] = (
    ActivityType("course", "Course, training or e-learning"),
    ActivityType("reading", "Reading or research"),
    ActivityType("supervision", "Supervision or reflective discussion"),
    ActivityType("work-based", "Work-based learning, such as shadowing or a new role"),
    ActivityType("conference", "Conference, seminar or webinar"),
    ActivityType("feedback", "Feedback from people with lived experience or colleagues"),
    ActivityType("other", "Other"),
)


def _at_least_one(settings: object, *names: str) -> None:
    for name in names:
        if getattr(settings, name) < 1:
            raise PolicyError(f"{name} must be 1 or more")


# The areas of the policy. Each is a dataclass of its settings that checks itself
# (``check``), and each is a table of the TOML file: a setting may be written inside
# its area's table (``[sessions]`` then ``session_idle_timeout_minutes = 45``) or, as
# files always could, at the top. A setting keeps its whole name either way, so one
# name finds it in the file, the code and the docs. ``Policy`` is every area at once.
@dataclass(frozen=True)
class Area:
    TABLE: ClassVar[str]

    def check(self) -> None:
        """Raise PolicyError naming the first of this area's settings that cannot work."""


@dataclass(frozen=True)
class Contact(Area):
    """Who runs the service and how people reach them; the regulator's time zone."""

    TABLE: ClassVar[str] = "contact"

    service_name: str = "Record CPD"
    regulator_name: str = "your regulator"
    help_phone: str = "0808 196 2274"
    help_phone_hours: str = "Monday to Friday, 9am to 5pm"
    help_email: str = "cpd-help@record-cpd.example"
    # Dates ("today", "saved at 14:05") are the regulator's local time, not the server's.
    timezone: str = "Europe/London"

    def check(self) -> None:
        try:
            ZoneInfo(self.timezone)
        except (ZoneInfoNotFoundError, ValueError):
            raise PolicyError(f"timezone {self.timezone!r} is not a known time zone") from None

    @property
    def zone(self) -> ZoneInfo:
        return ZoneInfo(self.timezone)

    def today(self) -> dt.date:
        return dt.datetime.now(self.zone).date()

    def local(self, moment: dt.datetime) -> dt.datetime:
        if moment.tzinfo is None:  # SQLite hands back naive UTC
            moment = moment.replace(tzinfo=dt.UTC)
        return moment.astimezone(self.zone)


@dataclass(frozen=True)
class Accounts(Area):
    """Signing up, passwords and deleting an account."""

    TABLE: ClassVar[str] = "accounts"

    # Registration number: optional at sign-up; the pattern is checked after removing
    # spaces and upper-casing, so "sw 123456" and "SW123456" are the same number.
    registration_number_pattern: str = r"SW\d{1,8}"
    registration_number_example: str = "SW123456"

    password_min_length: int = 12
    password_max_length: int = 128
    password_reset_valid_minutes: int = 60
    account_confirmation_valid_hours: int = 24
    # A deleted account is closed at once (signed out everywhere, no sign-in, no email);
    # its data is removed after this many days by `flask purge-deleted-accounts`.
    # 0: removed as the person deletes it, since nothing in the service can bring an
    # account back; an operator who wants a window to restore from (a mistake, a
    # deletion by someone who had the password) sets one and runs the command daily.
    account_purge_delay_days: int = 0

    def check(self) -> None:
        _at_least_one(
            self,
            "password_min_length",
            "password_max_length",
            "password_reset_valid_minutes",
            "account_confirmation_valid_hours",
        )
        if self.account_purge_delay_days < 0:
            raise PolicyError("account_purge_delay_days must be 0 or more")
        if self.password_min_length > self.password_max_length:
            raise PolicyError("password_min_length must not be more than password_max_length")
        try:
            re.compile(self.registration_number_pattern)
        except re.error as error:
            raise PolicyError(
                f"registration_number_pattern is not a valid pattern: {error}"
            ) from None
        if not self.registration_number_is_valid(self.registration_number_example):
            raise PolicyError(
                "registration_number_example does not match registration_number_pattern"
            )

    @property
    def account_confirmation_valid_for(self) -> dt.timedelta:
        return dt.timedelta(hours=self.account_confirmation_valid_hours)

    @property
    def account_purge_delay(self) -> dt.timedelta:
        return dt.timedelta(days=self.account_purge_delay_days)

    @property
    def password_reset_valid_for(self) -> dt.timedelta:
        return dt.timedelta(minutes=self.password_reset_valid_minutes)

    def normalise_registration_number(self, raw: str) -> str:
        return re.sub(r"\s+", "", raw).upper()

    def registration_number_is_valid(self, raw: str) -> bool:
        number = self.normalise_registration_number(raw)
        return re.fullmatch(self.registration_number_pattern, number) is not None


@dataclass(frozen=True)
class Sessions(Area):
    """How long a sign-in lasts, and the warning before it ends."""

    TABLE: ClassVar[str] = "sessions"

    session_idle_timeout_minutes: float = 60.0
    session_absolute_timeout_hours: float = 12.0
    session_warning_minutes: float = 2.0

    def check(self) -> None:
        if self.session_idle_timeout_minutes <= 0 or self.session_absolute_timeout_hours <= 0:
            raise PolicyError("session timeouts must be more than 0")
        if self.session_warning_minutes * 60 >= self.session_idle_timeout_minutes * 60:
            raise PolicyError(
                "session_warning_minutes must be less than session_idle_timeout_minutes"
            )

    @property
    def session_idle_timeout(self) -> dt.timedelta:
        return dt.timedelta(minutes=self.session_idle_timeout_minutes)

    @property
    def session_absolute_timeout(self) -> dt.timedelta:
        return dt.timedelta(hours=self.session_absolute_timeout_hours)


@dataclass(frozen=True)
class TwoStep(Area):
    """Two-step sign-in (app/auth/two_step.py)."""

    TABLE: ClassVar[str] = "two_step"

    # Authenticator apps assume 6 digits and 30-second steps; one step either side
    # allows for a phone clock a little out and for the time it takes to type the code.
    two_step_code_digits: int = 6
    two_step_time_step_seconds: int = 30
    two_step_window_steps: int = 1
    # Between the password and the code: how long the half-signed-in state lasts, and
    # how many wrong codes it allows before the password must be entered again.
    two_step_sign_in_minutes: int = 5
    two_step_attempts_per_sign_in: int = 5
    # How long a secret shown on the set-up page waits to be confirmed with a code.
    two_step_setup_minutes: int = 30
    # One-time recovery codes: how many, and how many characters each (from an alphabet
    # of 31 with no look-alikes, about 5 bits a character).
    recovery_code_count: int = 10
    recovery_code_length: int = 10

    def check(self) -> None:
        _at_least_one(
            self,
            "two_step_sign_in_minutes",
            "two_step_attempts_per_sign_in",
            "two_step_setup_minutes",
            "recovery_code_count",
        )
        if self.two_step_code_digits not in (6, 8) or self.two_step_time_step_seconds not in (
            30,
            60,
        ):
            raise PolicyError(
                "two_step_code_digits must be 6 or 8 and two_step_time_step_seconds 30 or 60:"
                " authenticator apps offer nothing else"
            )
        if not 0 <= self.two_step_window_steps <= 2:
            raise PolicyError("two_step_window_steps must be between 0 and 2")
        if not 8 <= self.recovery_code_length <= 20:
            # Under 8 characters (40 bits) a stolen hash of one is too easy to guess.
            raise PolicyError("recovery_code_length must be between 8 and 20")

    @property
    def two_step_sign_in_lasts(self) -> dt.timedelta:
        return dt.timedelta(minutes=self.two_step_sign_in_minutes)

    @property
    def two_step_setup_lasts(self) -> dt.timedelta:
        return dt.timedelta(minutes=self.two_step_setup_minutes)


@dataclass(frozen=True)
class Renewal(Area):
    """The registration year, what renewal asks for, and the reminders about it."""

    TABLE: ClassVar[str] = "renewal"

    earliest_cpd_date: dt.date = dt.date(2019, 12, 2)
    registration_year_start_month: int = 12
    registration_year_start_day: int = 1
    # Renewal: how many pieces of recorded CPD, dated in the registration year, a person
    # needs, and how many of them must have a peer reflection. The 2020 rule is 1 and 0;
    # the later rule is 2 and 1.
    yearly_minimum_records: int = 1
    yearly_minimum_with_peer_reflection: int = 0
    good_practice_records: int = 4
    # The renewal window: the last this many days of the registration year (91: from
    # 1 September to 30 November).
    renewal_window_days: int = 91
    # Reminder emails (flask send-reminders): days before the window closes on which a
    # person who is not ready is reminded, and how long a draft sits untouched first.
    closing_reminder_days: tuple[int, ...] = (30, 7)
    stale_draft_reminder_days: int = 30
    # How long the unsubscribe link in a reminder email works (more than the 30 days
    # mail rules ask for; a year-old link no longer names anyone for sure).
    unsubscribe_link_valid_days: int = 60

    def check(self) -> None:
        _at_least_one(
            self,
            "yearly_minimum_records",
            "good_practice_records",
            "renewal_window_days",
            "stale_draft_reminder_days",
            "unsubscribe_link_valid_days",
        )
        if not 0 <= self.yearly_minimum_with_peer_reflection <= self.yearly_minimum_records:
            raise PolicyError(
                "yearly_minimum_with_peer_reflection must be between 0 and yearly_minimum_records"
            )
        if self.renewal_window_days > 365:
            raise PolicyError("renewal_window_days must be 365 or less")
        if any(not 1 <= days <= self.renewal_window_days for days in self.closing_reminder_days):
            raise PolicyError(
                "closing_reminder_days must each be between 1 and renewal_window_days"
            )
        try:
            dt.date(2001, self.registration_year_start_month, self.registration_year_start_day)
        except ValueError:
            raise PolicyError(
                "registration_year_start_month and _day are not a real date"
            ) from None
        if self.registration_year_start_day > 28:
            raise PolicyError("registration_year_start_day must be 28 or less")


@dataclass(frozen=True)
class Keeping(Area):
    """What an account may keep: records, kept forms, deleted records, its storage, and
    its download read back in."""

    TABLE: ClassVar[str] = "keeping"

    # "Download all your CPD" read back in: the largest ZIP accepted, and how much it
    # may unpack to.
    max_import_bytes: int = 200 * 1024 * 1024
    max_import_unpacked_bytes: int = 500 * 1024 * 1024
    recently_deleted_days: int = 30
    # A form posted after the session ended is kept this long for its owner to restore,
    # and at most this many for one account (the oldest goes first); they count
    # against the account's storage quota.
    kept_form_hours: int = 72
    max_kept_forms_per_account: int = 20
    # The most CPD records one account holds (drafts, recorded and recently deleted):
    # far more than anyone records in a career, and a bound an import cannot pass.
    max_records_per_account: int = 2000
    # Everything one account keeps: its drafts, recorded CPD, every saved version and
    # every document. Reaching it keeps what was typed on the form and says so.
    storage_quota_bytes: int = 250 * 1024 * 1024

    def check(self) -> None:
        _at_least_one(
            self,
            "max_import_bytes",
            "max_import_unpacked_bytes",
            "recently_deleted_days",
            "kept_form_hours",
            "max_kept_forms_per_account",
            "max_records_per_account",
            "storage_quota_bytes",
        )
        if self.max_import_unpacked_bytes < self.max_import_bytes:
            raise PolicyError("max_import_unpacked_bytes must not be less than max_import_bytes")


@dataclass(frozen=True)
class Documents(Area):
    """Supporting documents: each file's size, how many a record holds, and the checks
    on Word and OpenDocument files (zip archives) that stop a small file unpacking to a
    huge one."""

    TABLE: ClassVar[str] = "documents"

    max_document_bytes: int = 10 * 1024 * 1024
    max_documents_per_record: int = 10
    max_archive_unpacked_bytes: int = 100 * 1024 * 1024
    max_archive_entries: int = 2000
    # Reading a document's text (for the anonymisation check) happens in a child process
    # with this much time and memory; a document that needs more is "not checked".
    document_read_seconds: float = 10.0
    # All the documents of one form together, well within gunicorn's 60-second timeout.
    upload_read_seconds: float = 30.0
    document_read_memory_bytes: int = 512 * 1024 * 1024

    def check(self) -> None:
        _at_least_one(
            self,
            "max_document_bytes",
            "max_documents_per_record",
            "max_archive_unpacked_bytes",
            "max_archive_entries",
            "document_read_memory_bytes",
        )
        if not 0 < self.document_read_seconds <= self.upload_read_seconds <= 45:
            raise PolicyError(
                "document_read_seconds must be more than 0 and at most upload_read_seconds,"
                " which must be at most 45"
            )
        if self.document_read_memory_bytes < 64 * 1024 * 1024:
            raise PolicyError("document_read_memory_bytes must be at least 64 MB")
        if self.max_archive_unpacked_bytes < self.max_document_bytes:
            raise PolicyError("max_archive_unpacked_bytes must not be less than max_document_bytes")

    @property
    def max_document_size_text(self) -> str:
        """The size limit in words people use ("10 MB"), binary megabytes as most
        operating systems show file sizes."""
        return describe_size(self.max_document_bytes)


@dataclass(frozen=True)
class CpdForm(Area):
    """What the CPD forms offer and allow: the parts of the standard, the activity
    types, each box's character limit, the anonymisation help's terms, and the live
    checks and feedback any visitor may send."""

    TABLE: ClassVar[str] = "cpd_form"

    # Each box's limit: the question table's (app/questions.py), overridden by name.
    character_limits: dict[str, int] = field(default_factory=questions.default_limits)
    standard_parts: tuple[StandardPart, ...] = DEFAULT_STANDARD_PARTS
    activity_types: tuple[ActivityType, ...] = DEFAULT_ACTIVITY_TYPES
    # The anonymisation help's list of what CPD cites and must not be flagged (theorists,
    # Acts, tools, organisations), of words that are not names and of places that do not
    # locate anyone: a TOML file like app/data/anonymisation-terms.toml. Empty: that file.
    anonymisation_terms_file: str = ""
    # The live checks (anonymisation warning, character count) need no account, so they
    # read at most this many times a box's limit (over-limit drafts are still checked)
    # and answer at most this many requests a minute for one person or address.
    live_check_limit_multiple: int = 2
    live_checks_per_minute: int = 120
    feedback_posts_per_hour: int = 10

    def check(self) -> None:
        _at_least_one(
            self, "live_check_limit_multiple", "live_checks_per_minute", "feedback_posts_per_hour"
        )
        if self.anonymisation_terms_file:
            from app.people import load_terms

            try:
                load_terms(self.anonymisation_terms_file)
            except (OSError, ValueError) as error:  # tomllib's errors are ValueErrors
                raise PolicyError(f"anonymisation_terms_file cannot be read: {error}") from error
        unknown = set(self.character_limits) - set(questions.default_limits())
        if unknown:
            raise PolicyError(f"character_limits has unknown boxes: {', '.join(sorted(unknown))}")
        for name, limit in self.character_limits.items():
            if not isinstance(limit, int) or limit < 1:
                raise PolicyError(f"character_limits.{name} must be a whole number, 1 or more")
        if not self.standard_parts:
            raise PolicyError("standard_parts must list at least one part")
        numbers = [part.number for part in self.standard_parts]
        if len(set(numbers)) != len(numbers):
            raise PolicyError("standard_parts numbers must be unique")
        # Bounds of what records store and index of the parts they show
        # (records.derived.standard_parts_key): a policy within them is always read right.
        if len(numbers) > MOST_STANDARD_PARTS:
            raise PolicyError(f"standard_parts can list at most {MOST_STANDARD_PARTS} parts")
        if any(not 0 < len(number) <= PART_NUMBER_MOST_CHARACTERS for number in numbers):
            raise PolicyError(
                f"standard_parts numbers must be 1 to {PART_NUMBER_MOST_CHARACTERS} characters long"
            )
        values = [activity.value for activity in self.activity_types]
        if len(set(values)) != len(values) or "other" not in values:
            raise PolicyError("activity_types values must be unique and include 'other'")

    def limit(self, name: str) -> int:
        return self.character_limits[name]

    def live_check_bytes(self, box: str) -> int:
        """The most a live check of ``box`` reads (see posted_form_bytes)."""
        return posted_form_bytes(self.limit(box) * self.live_check_limit_multiple)


AREAS: tuple[type[Area], ...] = (
    Contact,
    Accounts,
    Sessions,
    TwoStep,
    Renewal,
    Keeping,
    Documents,
    CpdForm,
)


@dataclass(frozen=True)
class Policy(Contact, Accounts, Sessions, TwoStep, Renewal, Keeping, Documents, CpdForm):
    """Every area's settings, read as one (``policy.help_phone``, ``policy.limit(box)``)."""

    def validate(self) -> None:
        """Raise PolicyError naming the first setting that cannot work: each area's own
        checks, then the few that join two areas."""
        for area in AREAS:
            area.check(self)
        if self.storage_quota_bytes < self.max_document_bytes:
            raise PolicyError("storage_quota_bytes must not be less than max_document_bytes")


def posted_form_bytes(characters: int) -> int:
    """The most bytes a form holding ``characters`` characters of text can take to send:
    percent-encoded UTF-8 is at most 12 bytes a character (4 bytes, each as %XX), plus
    room for the CSRF token, the field names and multipart boundaries."""
    return characters * 12 + 8 * 1024


def describe_size(size: int) -> str:
    """A file size the way a file manager shows it: 10 MB, 1.5 MB, 300 KB, 12 bytes."""
    if size >= 1024 * 1024:
        megabytes = size / (1024 * 1024)
        return f"{megabytes:.1f}".removesuffix(".0") + " MB"
    if size >= 1024:
        return f"{round(size / 1024)} KB"
    return f"{size} byte" + ("" if size == 1 else "s")


def _coerce(name: str, value: Any, default: Any) -> Any:
    if name == "character_limits":
        if not isinstance(value, dict):
            raise PolicyError("character_limits must be a table of box = number")
        return {**questions.default_limits(), **value}
    if name == "standard_parts":
        try:
            return tuple(
                StandardPart(str(p["number"]), str(p["title"]), str(p["description"]))
                for p in value
            )
        except (KeyError, TypeError) as error:
            raise PolicyError(
                "standard_parts must be a list of tables with number, title and description"
            ) from error
    if name == "activity_types":
        try:
            return tuple(ActivityType(str(a["value"]), str(a["label"])) for a in value)
        except (KeyError, TypeError) as error:
            raise PolicyError(
                "activity_types must be a list of tables with value and label"
            ) from error
    if name == "closing_reminder_days":
        if not isinstance(value, list) or not all(
            isinstance(days, int) and not isinstance(days, bool) for days in value
        ):
            raise PolicyError(f"{name} must be a list of whole numbers, like [30, 7]")
        return tuple(sorted(set(value), reverse=True))
    if isinstance(default, bool) or isinstance(value, bool):
        raise PolicyError(f"{name} has the wrong kind of value")
    if isinstance(default, dt.date):
        if not isinstance(value, dt.date) or isinstance(value, dt.datetime):
            raise PolicyError(f"{name} must be a date, like 2019-12-02")
        return value
    if isinstance(default, float):
        if not isinstance(value, int | float):
            raise PolicyError(f"{name} must be a number")
        return float(value)
    if not isinstance(value, type(default)):
        raise PolicyError(f"{name} must be a {type(default).__name__}")
    return value


def _area_settings(area: type) -> set[str]:
    return {f.name for f in dataclasses.fields(area)}


def _flatten(settings: dict[str, Any]) -> dict[str, Any]:
    """The file's settings by name, whether written at the top or in their area's table."""
    tables = {area.TABLE: area for area in AREAS}
    flat: dict[str, Any] = {}
    for key, value in settings.items():
        if key not in tables:
            flat[key] = value
            continue
        if not isinstance(value, dict):
            raise PolicyError(f"[{key}] must be a table of settings")
        unknown = set(value) - _area_settings(tables[key])
        if unknown:
            raise PolicyError(f"unknown settings in [{key}]: {', '.join(sorted(unknown))}")
        twice = set(value) & set(settings)
        if twice:
            raise PolicyError(f"{', '.join(sorted(twice))} is set twice, in [{key}] and above it")
        flat.update(value)
    return flat


def policy_from_mapping(settings: dict[str, Any]) -> Policy:
    settings = _flatten(settings)
    defaults = Policy()
    known = {f.name for f in dataclasses.fields(Policy)}
    unknown = set(settings) - known
    if unknown:
        raise PolicyError(f"unknown policy settings: {', '.join(sorted(unknown))}")
    values = {
        name: _coerce(name, value, getattr(defaults, name)) for name, value in settings.items()
    }
    policy = dataclasses.replace(defaults, **values)
    policy.validate()
    return policy


def load_policy(path: str | os.PathLike[str] | None = None) -> Policy:
    """The defaults, overridden by the operator's TOML file when one is named."""
    path = path or os.environ.get(POLICY_ENV_VAR)
    if not path:
        policy = Policy()
        policy.validate()
        return policy
    try:
        settings = tomllib.loads(Path(path).read_text(encoding="utf-8"))
    except FileNotFoundError as error:
        raise PolicyError(f"policy file {path} does not exist") from error
    except tomllib.TOMLDecodeError as error:
        raise PolicyError(f"policy file {path} is not valid TOML: {error}") from error
    try:
        return policy_from_mapping(settings)
    except PolicyError as error:
        raise PolicyError(f"policy file {path}: {error}") from error


def current_policy() -> Policy:
    """The running app's policy (create_app loads it once, into app.extensions)."""
    from flask import current_app

    policy: Policy = current_app.extensions["policy"]
    return policy
