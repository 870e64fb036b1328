"""Spot likely personal identifiers in free text, so a registrant can be reminded to anonymise.

Every CPD record must be anonymised. This module looks for the identifiers that most often
slip into a reflection by accident: email addresses, UK phone numbers, NHS numbers, National
Insurance numbers, postcodes, dates of birth, names written after a title ("Mrs Smith") and
street addresses ("12 Acacia Avenue").

It is a helper that REMINDS people; it is not a guarantee. It cannot recognise a first name
on its own, a nickname, a school or a distinctive detail, and it will now and then flag
something harmless. The registrant stays responsible for anonymising what they write. Its
tuning favours silence on ordinary professional prose (legislation, standards, training
dates, job titles) over catching every last identifier, because a warning that fires on
"the Care Act 2014" teaches people to ignore warnings.

Design notes:

* Pure: no I/O and no imports from the rest of the app, so it is cheap to test and reuse.
* One small function per kind, each yielding candidates; ``find_identifiers`` keeps the
  longest candidate where two overlap (ties go to the more specific kind).
* Every regex is compiled once, at import. None has an unbounded repetition nested inside
  another or two unbounded repetitions competing for the same characters, so each start
  position is tried a bounded number of ways and the time taken grows with the length of
  the text, not its square or worse.
* ``Finding.masked`` never holds the whole identifier, and never any text around it either:
  the neighbouring words may themselves hold another identifier.
"""

from __future__ import annotations

import bisect
import re
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass

KINDS: tuple[str, ...] = (
    "email",
    "phone",
    "nhs_number",
    "ni_number",
    "postcode",
    "date_of_birth",
    "name_after_title",
    "street_address",
)
# People and places (app/people.py): shown as written, since only their writer sees them.
PEOPLE_KINDS: tuple[str, ...] = (
    "person_name",
    "family_name",
    "place",
    "case_reference",
    "combination",
)
ALL_KINDS = KINDS + PEOPLE_KINDS

DESCRIPTIONS: dict[str, str] = {
    "email": "an email address",
    "phone": "a phone number",
    "nhs_number": "an NHS number",
    "ni_number": "a National Insurance number",
    "postcode": "a postcode",
    "date_of_birth": "a date of birth",
    "name_after_title": "a name after a title",
    "street_address": "a street address",
    "person_name": "may be a person's name",
    "family_name": "may be a family's surname",
    "place": "may be a place that locates someone",
    "case_reference": "may be a case or system reference number",
    "combination": "is an age that, with the other details, could identify someone",
}

# When two candidates of the same length overlap, the kind listed first wins: the checked,
# structured identifiers are more certain than the pattern-only ones.
_SPECIFICITY: dict[str, int] = {
    kind: rank
    for rank, kind in enumerate(
        (
            "email",
            "nhs_number",
            "ni_number",
            "phone",
            "postcode",
            "date_of_birth",
            "street_address",
            "name_after_title",
            "case_reference",
            "family_name",
            "person_name",
            "place",
            "combination",
        )
    )
}

MASK = "•"


@dataclass(frozen=True)
class Finding:
    """One likely identifier: where it is and how to mention it without repeating it."""

    kind: str  # one of KINDS
    start: int  # text[start:end] is the matched identifier
    end: int
    masked: str  # safe to show back: never the full identifier
    description: str  # human wording for the kind, e.g. "a postcode"


def describe(finding: Finding) -> str:
    """Wording for a warning: what was found and why it matters, e.g. "an email address
    (j•••@e•••.com)" or "‘Amira’ may be a person's name"."""
    return describe_parts(finding.kind, finding.masked, finding.description)


def describe_parts(kind: str, masked: str, description: str) -> str:
    if kind in PEOPLE_KINDS:
        return f"‘{masked}’ {description}"
    return f"{description} ({masked})"


def find_identifiers(
    text: str, *, people: bool = True, not_people: Iterable[str] = ()
) -> list[Finding]:
    """Likely identifiers in ``text``, sorted by start and never overlapping. With
    ``people`` (the default) names, families, places, case references and identifying
    combinations too (app/people.py), except the names in ``not_people``: the ones the
    person has confirmed are not real people."""
    if not text:
        return []
    candidates = [finding for finder in _FINDERS for finding in finder(text)]
    if people:
        from app.people import find_people_and_places  # loads its data once, on first use

        candidates.extend(
            Finding(found.kind, found.start, found.end, found.text, found.why)
            for found in find_people_and_places(text, not_people=not_people)
        )
    # Longest first, then most specific, so the greedy pass below keeps the best of a clash.
    candidates.sort(key=lambda f: (f.start - f.end, _SPECIFICITY[f.kind], f.start))
    starts: list[int] = []
    chosen: list[Finding] = []
    for candidate in candidates:
        i = bisect.bisect_right(starts, candidate.start)
        if i > 0 and chosen[i - 1].end > candidate.start:
            continue
        if i < len(chosen) and chosen[i].start < candidate.end:
            continue
        starts.insert(i, candidate.start)
        chosen.insert(i, candidate)
    return chosen


# --- shared helpers ---------------------------------------------------------------------


def _finding(kind: str, start: int, end: int, masked: str) -> Finding:
    return Finding(kind, start, end, masked, DESCRIPTIONS[kind])


def _mask(value: str, keep_start: int = 0, keep_end: int = 0) -> str:
    """Replace letters and digits with MASK, keeping the first ``keep_start`` and last
    ``keep_end`` of them and all punctuation. At least one character is always masked."""
    total = sum(ch.isalnum() for ch in value)
    keep_start = min(keep_start, max(total - 1, 0))
    keep_end = max(0, min(keep_end, total - keep_start - 1))
    out: list[str] = []
    seen = 0
    for ch in value:
        if not ch.isalnum():
            out.append(ch)
            continue
        seen += 1
        out.append(ch if seen <= keep_start or seen > total - keep_end else MASK)
    return "".join(out)


def _digits(value: str) -> str:
    return "".join(ch for ch in value if ch.isdigit())


# --- email ------------------------------------------------------------------------------

# Local part, "@", then dot-separated domain labels. The lookbehind only lets a match start
# at the beginning of a run of address characters, so each run is scanned once rather than
# once per character, and "label(.label)+" has exactly one way to split a domain.
_EMAIL = re.compile(r"(?<![\w.%+-])[\w.%+-]+@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)+")


def _mask_email(address: str) -> str:
    local, _, domain = address.rpartition("@")
    labels = domain.split(".")
    # Keep a short second-level label too, so "leeds.gov.uk" reads "l•••.gov.uk".
    keep = 2 if len(labels) >= 3 and len(labels[-2]) <= 3 else 1
    return f"{local[0]}{MASK * 3}@{domain[0]}{MASK * 3}.{'.'.join(labels[-keep:])}"


def _emails(text: str) -> Iterator[Finding]:
    for match in _EMAIL.finditer(text):
        top_level = match[0].rsplit(".", 1)[1]
        if len(top_level) >= 2 and top_level.isalpha():
            yield _finding("email", match.start(), match.end(), _mask_email(match[0]))


# --- phone ------------------------------------------------------------------------------

# A UK number: "+44" or "0044" (optionally then "(0)") or a trunk "0" (optionally
# bracketed), then a first national digit of 1, 2, 3 or 7 (landlines and mobiles; 08xx
# service numbers are not personal), then 8 or 9 more digits, each optionally preceded by
# ")" and one space or hyphen. Bounded repetition and a single optional separator per digit
# keep it linear. The lookarounds stop it matching inside a longer run of digits.
_PHONE = re.compile(
    r"(?<![\w+(])"
    r"(?P<prefix>(?:\+|00)44[ -]?(?:\(0\)[ -]?)?|\(?0)"
    r"(?P<first>[1237])"
    r"(?:\)?[ -]?\d){8,9}"
    r"(?!\d)"
)


def _phones(text: str) -> Iterator[Finding]:
    for match in _PHONE.finditer(text):
        national = match["first"] + _digits(text[match.end("first") : match.end()])
        # 02, 03 and 07 numbers have 10 national digits; a few 01 areas have only 9.
        if len(national) == 10 or (match["first"] == "1" and len(national) == 9):
            start = match.start()
            if match[0].startswith("(") and ")" not in match[0]:
                start += 1  # "(0113 496 0999)": the bracket wraps the sentence, not a code
            keep = len(_digits(match["prefix"])) + 1
            masked = _mask(text[start : match.end()], keep_start=keep, keep_end=2)
            yield _finding("phone", start, match.end(), masked)


# --- NHS number -------------------------------------------------------------------------

# Ten digits, as written or grouped 3-3-4 with the same space or hyphen twice. The
# lookarounds refuse digits that are part of something longer (a phone, a decimal, a date).
_NHS_NUMBER = re.compile(r"(?<![\w/])(?<!\d[.,-])\d{3}([ -]?)\d{3}\1\d{4}(?![\w/]|[.,-]\d)")


def nhs_number_is_valid(digits: str) -> bool:
    """The NHS modulus 11 check: weights 10..2 on the first nine digits; the check digit is
    11 - (sum mod 11), where 11 means 0 and 10 means the number can never be issued."""
    if len(digits) != 10 or not digits.isdigit():
        return False
    total = sum(int(d) * weight for d, weight in zip(digits[:9], range(10, 1, -1), strict=True))
    check = 11 - total % 11
    if check == 11:
        check = 0
    return check != 10 and check == int(digits[9])


def _nhs_numbers(text: str) -> Iterator[Finding]:
    for match in _NHS_NUMBER.finditer(text):
        if nhs_number_is_valid(_digits(match[0])):
            yield _finding("nhs_number", match.start(), match.end(), _mask(match[0], keep_end=2))


# --- National Insurance number ----------------------------------------------------------

# Two letters, six digits (spaces or hyphens allowed between the pairs), a suffix A-D. The
# allocation rules for the prefix are checked in Python below, where they read plainly.
_NI_NUMBER = re.compile(
    r"(?<![A-Za-z0-9])([A-Z]{2})[ -]?\d{2}[ -]?\d{2}[ -]?\d{2}[ -]?[A-D](?![A-Za-z0-9])",
    re.IGNORECASE,
)
_NI_FIRST_NEVER = frozenset("DFIQUV")
_NI_SECOND_NEVER = frozenset("DFIOQUV")
_NI_PREFIX_NEVER = frozenset({"BG", "GB", "KN", "NK", "NT", "TN", "ZZ"})


def ni_prefix_is_allocatable(prefix: str) -> bool:
    """Whether HMRC could issue a National Insurance number with this two-letter prefix.

    "QQ" is refused (Q is never a first letter): HMRC uses it only in examples such as
    "QQ 12 34 56 C", so it is a placeholder rather than a person's number.
    """
    prefix = prefix.upper()
    return (
        len(prefix) == 2
        and prefix.isalpha()
        and prefix[0] not in _NI_FIRST_NEVER
        and prefix[1] not in _NI_SECOND_NEVER
        and prefix not in _NI_PREFIX_NEVER
    )


def _ni_numbers(text: str) -> Iterator[Finding]:
    for match in _NI_NUMBER.finditer(text):
        if ni_prefix_is_allocatable(match[1]):
            yield _finding("ni_number", match.start(), match.end(), _mask(match[0], keep_start=2))


# --- postcode ---------------------------------------------------------------------------

# A full UK postcode: an outward code (A9, A9A, A99, AA9, AA9A, AA99, with the letters each
# position may hold) then the inward code (digit and two letters, never C, I, K, M, O or V).
# The inward code is required, so "M1" or "section 42" never match. Each part is a fixed
# handful of characters, so there is little to backtrack through.
_POSTCODE = re.compile(
    r"(?<![A-Za-z0-9])"
    r"(?P<outward>[A-PR-UWYZ](?:[A-HK-Y]\d[ABEHMNPRVWXY\d]?|\d[A-HJKPSTUW\d]?))"
    r" ?"
    r"(?P<inward>\d[ABD-HJLNP-UW-Z]{2})"
    r"(?![A-Za-z0-9])",
    re.IGNORECASE,
)
_ORDINAL_ENDINGS = frozenset({"st", "nd", "rd", "th"})


def _postcodes(text: str) -> Iterator[Finding]:
    for match in _POSTCODE.finditer(text):
        inward = match["inward"]
        # Lower-case "2nd", "1st" after something like "s47" is an ordinal, not a postcode.
        if inward[1:] in _ORDINAL_ENDINGS:
            continue
        masked = match["outward"] + match[0][len(match["outward"]) : -3] + MASK * 3
        yield _finding("postcode", match.start(), match.end(), masked)


# --- date of birth ----------------------------------------------------------------------

_MONTH = (
    r"(?:jan(?:uary)?|feb(?:ruary)?|mar(?:ch)?|apr(?:il)?|may|june?|july?|aug(?:ust)?"
    r"|sep(?:t(?:ember)?)?|oct(?:ober)?|nov(?:ember)?|dec(?:ember)?)\.?"
)
_DAY = r"\d{1,2}(?:st|nd|rd|th)?"
_DATE = (
    r"\d{1,2}(?P<sep>[/.-])\d{1,2}(?P=sep)(?:\d{4}|\d{2})"  # 12/03/1985, 12.03.85
    rf"|(?:the\s{{1,3}})?{_DAY}(?:\s{{1,3}}of)?\s{{1,3}}{_MONTH},?\s{{1,3}}\d{{4}}"  # 3 March 1985
    rf"|{_MONTH}\s{{1,3}}{_DAY},?\s{{1,3}}\d{{4}}"  # March 3, 1985
)
# A date counts only after a cue that says it is a birth date ("DOB", "date of birth",
# "born"): plain dates in CPD are nearly always training dates. Whitespace runs are bounded
# so no two repetitions compete for a long stretch of spaces.
_DATE_OF_BIRTH = re.compile(
    r"(?<![A-Za-z])(?:d\.?o\.?b\b\.?|date\s{1,3}of\s{1,3}birth|birth\s?date|born(?:\s{1,3}on)?)"
    r"(?:\s{0,3}[:\-–])?\s{0,3}(?:(?:is|was|of)\s{1,3})?"
    rf"(?P<date>{_DATE})(?![\d])",
    re.IGNORECASE,
)


_DATE_TOKEN = re.compile(r"\d+(?:st|nd|rd|th)?|[A-Za-z]+", re.IGNORECASE)


def _mask_date_token(token: str) -> str:
    if token.lower() in {"the", "of"}:
        return token
    if token[0].isdigit():
        return MASK * len(token)  # day, ordinal and year vanish entirely
    return _mask(token, keep_start=1)  # a month keeps its first letter: "M••••"


def _mask_date(date: str) -> str:
    return _DATE_TOKEN.sub(lambda m: _mask_date_token(m[0]), date)


def _dates_of_birth(text: str) -> Iterator[Finding]:
    for match in _DATE_OF_BIRTH.finditer(text):
        cue = text[match.start() : match.start("date")]
        masked = cue + _mask_date(match["date"])
        yield _finding("date_of_birth", match.start(), match.end(), masked)


# --- name after a title -----------------------------------------------------------------

_TITLE = r"(?:Mrs|Mr|Ms|Miss|Mx|Dr|Prof|Sir|Dame|Rev)"
# A capitalised name: "Smith", "McDonald", "O'Brien", "Smith-Jones". Case matters here: a
# title followed by a lower-case word ("Dr appointments") is not a name.
_NAME = r"(?:[A-Z]['’][A-Z][a-z]+|[A-Z][a-z]+(?:[A-Z][a-z]+)?)(?:-[A-Z][a-z]+){0,2}(?![A-Za-z])"
_GAP = r"[ \u00a0]{1,3}"
_NAME_AFTER_TITLE = re.compile(
    rf"(?<![A-Za-z]){_TITLE}\.?{_GAP}"
    rf"(?:(?P<initial>[A-Z])\.?{_GAP})?"
    rf"(?P<first>{_NAME})"
    rf"(?:{_GAP}(?P<second>{_NAME}))?"
)
# Capitalised words that start a sentence rather than continue a name: "Mrs A. She said".
_NOT_NAMES = frozenset(
    {
        *("She", "He", "They", "We", "I", "It", "The", "This", "That", "These", "Those"),
        *("Her", "His", "Their", "Our", "My", "Your"),
        *("And", "But", "So", "When", "Then", "After", "Before", "During", "Also", "Although"),
        *("Mr", "Mrs", "Ms", "Miss", "Mx", "Dr", "Prof", "Sir", "Dame", "Rev"),
    }
)


def _mask_name(value: str) -> str:
    return re.sub(r"[A-Za-z'’]+", lambda m: _mask(m[0], keep_start=1), value)


def _names_after_titles(text: str) -> Iterator[Finding]:
    for match in _NAME_AFTER_TITLE.finditer(text):
        if match["first"] in _NOT_NAMES:
            # "Mrs A. She said": a lone initial after a title ("Mrs A", "Mr X") is how CPD
            # is anonymised, and the capital that follows only starts a sentence.
            continue
        end = match.end()
        if match["second"] in _NOT_NAMES:
            end = match.end("first")
        name_start = match.start("initial") if match["initial"] else match.start("first")
        masked = text[match.start() : name_start] + _mask_name(text[name_start:end])
        yield _finding("name_after_title", match.start(), end, masked)


# --- street address ---------------------------------------------------------------------

_STREET_TYPE = (
    r"(?:Street|St|Road|Rd|Avenue|Ave|Lane|Ln|Close|Drive|Dr|Way|Crescent|Court|Place"
    r"|Gardens|Terrace|Grove|Hill|Row|Walk|Square|Mews)"
)
_PLACE_WORD = r"(?:St\.|[A-Z][a-z]+(?:['’]s)?(?:-[A-Z][a-z]+)?)"
# A house number (perhaps with a letter, "4a", "221B", or a comma), one to three capitalised
# words, then a street word. The house number may not follow ".", "/", "£" and the like, so "4.3" or
# "£12" never start an address. Bounded word count keeps backtracking small.
_STREET_ADDRESS = re.compile(
    r"(?<![\w.,/£$:-])(?P<number>\d{1,4}[A-Za-z]?),?[ \u00a0]{1,3}"
    rf"(?P<names>(?:{_PLACE_WORD}[ \u00a0]){{1,3}})"
    rf"(?P<type>{_STREET_TYPE})(?![A-Za-z])"
)
# "3 Family Court hearings" and "the 2019 High Court judgment" are courts, not homes.
_COURTS = frozenset(
    {
        *("Family", "Crown", "High", "County", "Youth", "Magistrates", "Supreme", "Appeal"),
        *("Coroners", "Coroner's", "Civil", "Criminal", "Royal"),
    }
)
# "Dr" followed by a capitalised word is a title ("... Dr Patel"), not "Drive".
_TITLE_AHEAD = re.compile(r"\.?[ \u00a0]{1,3}[A-Z]")


def _street_addresses(text: str) -> Iterator[Finding]:
    for match in _STREET_ADDRESS.finditer(text):
        number, street_type = match["number"], match["type"]
        last_word = match["names"].split()[-1]
        if number.isdigit() and 1800 <= int(number) <= 2099:
            continue  # a year: "in 2019 High Court ..."
        if street_type == "Court" and last_word in _COURTS:
            continue
        if street_type == "Dr" and _TITLE_AHEAD.match(text, match.end()):
            continue
        masked = _mask(number) + " " + _mask_name(match["names"]).rstrip() + " " + street_type
        yield _finding("street_address", match.start(), match.end(), masked)


_FINDERS: tuple[Callable[[str], Iterator[Finding]], ...] = (
    _emails,
    _phones,
    _nhs_numbers,
    _ni_numbers,
    _postcodes,
    _dates_of_birth,
    _names_after_titles,
    _street_addresses,
)
