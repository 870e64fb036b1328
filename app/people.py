"""Spot the people and places in free text that could identify someone: untitled names
("Amira", "Kwame Mensah", "Ellie-Mae"), families named by surname ("the Okafor family"),
places that locate a person (a named school, ward, care home, estate or street, and a town
or village next to a mention of someone), case and system reference numbers, and an age
given with a rare detail ("a 93-year-old former headteacher from our village").

Precision comes first, because CPD is full of names that must not be flagged: theorists,
authors, models, Acts, tools and organisations. Three things keep those out:

* a curated list of what CPD cites (``app/data/anonymisation-terms.toml``, which the policy
  can replace), matched as whole words;
* context rules: a name followed by a year in brackets or "et al." is a citation, and a
  possessive followed by "model", "cycle", "theory", "framework" and the like is a
  theorist's idea ("Kolb's learning cycle"), as are the names joined to it by "and";
* names come from a real data set of first names (app/first_names.py), not from "any
  capitalised word", and a capitalised word in a run with an institution word
  ("Joseph Rowntree Foundation") is an organisation.

Like app/anonymisation.py this reminds; it does not guarantee. It runs in linear time:
one pass to split the text into words, then a bounded look around each capitalised one.
"""

from __future__ import annotations

import bisect
import re
import tomllib
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import NamedTuple

from app.config import INSTANCE_DIR
from app.first_names import first_names

DEFAULT_TERMS_FILE = Path(__file__).with_name("data") / "anonymisation-terms.toml"

KINDS: tuple[str, ...] = ("person_name", "family_name", "place", "case_reference", "combination")


@dataclass(frozen=True)
class Terms:
    """The operator-editable list: what is cited, which capitalised words are not names,
    and which words after "in"/"from" are not places that locate a person."""

    cited: tuple[tuple[str, ...], ...]
    not_names: frozenset[str]
    not_places: tuple[tuple[str, ...], ...]
    # First names common in the UK that the US data lacks (Welsh, Shona, ...).
    extra_first_names: frozenset[str] = frozenset()


@dataclass(frozen=True)
class Found:
    kind: str  # one of KINDS
    start: int
    end: int
    text: str  # what was found, as written (shown back to the person who wrote it)
    why: str  # e.g. "may be a person's name"


# --- data -------------------------------------------------------------------------------

_WORD = re.compile(r"[^\W\d_]+(?:['’-][^\W\d_]+)*")


def _words(phrase: str) -> tuple[str, ...]:
    return tuple(m[0] for m in _WORD.finditer(phrase))


def load_terms(path: str | Path | None = None) -> Terms:
    """Read the terms file; a missing key is an empty list."""
    with open(path or DEFAULT_TERMS_FILE, "rb") as handle:
        data = tomllib.load(handle)
    for key in ("cited", "not_names", "not_places", "extra_first_names"):
        value = data.get(key, [])
        if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
            raise ValueError(f"{key} must be a list of words or phrases")
    return Terms(
        cited=tuple(w for w in (_words(p) for p in data.get("cited", [])) if w),
        not_names=frozenset(data.get("not_names", [])),
        not_places=tuple(w for w in (_words(p) for p in data.get("not_places", [])) if w),
        extra_first_names=frozenset(data.get("extra_first_names", [])),
    )


# Where the worker keeps its derived copy of the names, and which terms file the policy
# names: set by configure() when the app is created.
_settings: dict[str, str | None] = {"terms_file": None, "cache_dir": str(INSTANCE_DIR / "cache")}


def configure(*, terms_file: str | None, cache_dir: str | None) -> None:
    """Point the check at the policy's terms file, and load everything now: once per
    worker, before the first request, so no person waits for it."""
    _settings.update(terms_file=terms_file, cache_dir=cache_dir)
    terms(terms_file)
    _names_data()


def _names_data() -> frozenset[str]:
    cache_dir = _settings["cache_dir"]
    return first_names(Path(cache_dir) if cache_dir else None)


@cache
def terms(path: str | None = None) -> Terms:
    """The terms, read once per process (and per file, when the policy names one)."""
    return load_terms(path)


@cache
def _phrase_index(
    phrases: tuple[tuple[str, ...], ...],
) -> dict[str, tuple[tuple[str, ...], ...]]:
    """Phrases by their first word, longest first, so matching tries only a handful."""
    index: dict[str, list[tuple[str, ...]]] = {}
    for phrase in phrases:
        index.setdefault(phrase[0], []).append(phrase)
    return {first: tuple(sorted(group, key=len, reverse=True)) for first, group in index.items()}


# --- words and sentences ----------------------------------------------------------------


class _Token(NamedTuple):
    text: str
    base: str  # without a possessive "'s" or "'"
    start: int
    end: int
    possessive: bool
    capital: bool
    year_after: bool  # "Ferguson (2011)", "Ferguson, 2011": a citation
    number_after: bool  # "Ward 7"


_YEAR_AFTER = re.compile(r"['’]?s?\s{0,2}(?:\(|,\s)(?:[A-Za-z ]{1,12}\s)?(?:19|20)\d\d")
_APOSTROPHES = ("'s", "’s")


def _tokens(text: str) -> list[_Token]:
    """Every word, with what the rules ask of it worked out once (the hot loop: kept to
    plain comparisons, the regex only where a bracket or comma follows a capital)."""
    tokens: list[_Token] = []
    append = tokens.append
    length = len(text)
    for match in _WORD.finditer(text):
        word = match[0]
        start, end = match.span()
        capital = word[0].isupper()
        if word[-2:] in _APOSTROPHES:
            base, possessive = word[:-2], True
        else:
            base = word
            # "Gibbs' reflective cycle"
            possessive = end < length and text[end] in "'’" and word[-1] == "s"
        year_after = number_after = False
        if capital:
            ahead = text[end : end + 4]
            if "(" in ahead or "," in ahead:
                year_after = _YEAR_AFTER.match(text, end) is not None
            number_after = end + 1 < length and text[end + 1].isdigit()
        append(_Token(word, base, start, end, possessive, capital, year_after, number_after))
    return tokens


def _sentences(text: str) -> list[int]:
    """The start offset of each sentence (after ". ", "! ", "? " or a line break)."""
    return [0] + [m.end() for m in re.finditer(r"[.!?](?=\s)\s*|\n+", text)]


# --- context words ----------------------------------------------------------------------

# A possessive followed (within a few words) by one of these is a theorist's idea.
_THEORY_WORDS = frozenset(
    """model models cycle cycles theory theories framework frameworks approach hierarchy
    stages stage triangle tasks review report concept concepts idea ideas work research
    book books chapter lenses functions principles continuum tool toolkit method
    paradigm typology ladder wheel matrix analysis scale inquiry seven-eyed dual
    reflection reflective learning ecological attachment experiential structured process
    learned zone pedagogy notion definition critique account argument writing study
    studies framing taxonomy""".split()  # noqa: SIM905 - a word list reads best as words
)
# After a name's possessive, these show the name is a person's ("Grace's mum").
_PERSON_AFTER = frozenset(
    """mum mom mother dad father parents parent brother brothers sister sisters son sons
    daughter daughters nan nana gran granny grandma grandmother grandad grandfather
    grandparents aunt uncle cousin foster carer carers teacher headteacher school friend
    friends partner husband wife boyfriend girlfriend baby children child family bedroom
    room placement behaviour needs wishes feelings views voice plan health nursery
    youngest oldest eldest home house flat sibling siblings stepdad stepmum key social
    worker""".split()  # noqa: SIM905 - a word list reads best as words
)
# A capitalised run holding one of these names an organisation, law or event, not a person.
_INSTITUTION_WORDS = frozenset(
    """Act Acts Council Court Trust Foundation Society Institute Association Service
    Services Team Board Group Network Partnership Commission Agency Department Review
    Report Inquiry Model Framework Theory Programme Project Award Prize Lecture
    Conference Hall University College Observatory Fund Company Committee Panel Unit
    Alliance Federation Union Charity Centre Center Press Journal Collaborative Office
    Government Ministry Parliament Law Bill Regulations Guidance Code Standards
    Safeguards Toolkit Tool Scale Profile Star Questionnaire Assessment Approach Method
    Therapy Pathway Strategy Plan Policy Principles Cycle Triangle Continuum Hierarchy
    Checklist Matrix Wheel Ladder Lenses""".split()  # noqa: SIM905 - a word list reads best as words
)

# Place words: a capitalised run that ends in one of these names a place where someone is.
_PLACE_TYPES: dict[str, str] = {
    **dict.fromkeys(("School", "Academy", "Primary", "Infant", "Infants"), "a school"),
    **dict.fromkeys(("Junior", "Nursery", "Secondary", "High"), "a school"),
    **dict.fromkeys(("Hospital", "Infirmary", "Ward", "Surgery"), "a hospital, ward or surgery"),
    **dict.fromkeys(("Lodge", "House", "Manor", "Hostel"), "a home or hostel"),
    "Estate": "an estate",
    **dict.fromkeys(("Street", "Road", "Lane", "Avenue", "Close", "Drive", "Crescent"), "a street"),
    **dict.fromkeys(("Terrace", "Gardens", "Grove", "Mews", "Way", "Walk"), "a street"),
}
# "... Children's Home", "... Family Centre": a type only after the word before it.
_PAIRED_TYPES: dict[tuple[str, str], str] = {
    ("Children's", "Home"): "a children's home",
    ("Care", "Home"): "a care home",
    ("Nursing", "Home"): "a care home",
    ("Family", "Centre"): "a family centre",
    ("Medical", "Centre"): "a surgery",
    ("Health", "Centre"): "a surgery",
    ("Children's", "Centre"): "a children's centre",
    ("Community", "Centre"): "a community centre",
}
# Lower-case nouns after a capitalised run: "the Westfield estate", "Elm Court care home".
_PLACE_NOUNS: dict[tuple[str, ...], str] = {
    ("estate",): "an estate",
    ("care", "home"): "a care home",
    ("children's", "home"): "a children's home",
    ("nursing", "home"): "a care home",
    ("hostel",): "a home or hostel",
    ("school",): "a school",
    ("primary",): "a school",
    ("nursery",): "a school",
    ("hospital",): "a hospital, ward or surgery",
    ("ward",): "a hospital, ward or surgery",
}
_PLACE_NOUN_FIRST = frozenset(words[0] for words in _PLACE_NOUNS)
# Words that start a sentence or a clause, never part of a place's name.
_STOP = frozenset(
    """The A An At In On To From Near Of For By With She He They We I It Her His Their Our
    My Your This That These Those When After Before During While Whilst And But So Then
    Because If As Since Until""".split()  # noqa: SIM905 - a word list reads best as words
)

_FUNCTION_WORDS = _STOP | frozenset(
    """My Me Mine Your Yours Us Ours Him Hers Its Theirs Who Whom What Which Where Why How
    Yes No Not Nor Or Yet Also Some Any All Each Every Both Either Neither One Two Three
    Here There Now Then Today Thus Hence Still Just Only Even Very Much More Most Less""".split()  # noqa: SIM905 - a word list reads best as words
)
# A name after these is a thing or a place ("a Kent network", "in London"), not a person.
_NOT_BEFORE_A_NAME = frozenset({"a", "an", "the", "in", "from", "near", "at"})
_MOVING = frozenset(
    """moved move moves moving went go goes going relocated returned return back travelled
    came come sent fled transferred placed""".split()  # noqa: SIM905 - a word list reads best as words
)
_PREPOSITIONS = frozenset({"in", "from", "to", "near", "In", "From", "Near"})
# In the same sentence as a place, these make it the place of an event, not of a person.
_EVENT_WORDS = frozenset(
    """conference conferences event events training course courses seminar seminars webinar
    webinars workshop workshops session sessions lecture lectures module modules network
    networks university universities held attended forum summit programme day festival
    masterclass""".split()  # noqa: SIM905 - a word list reads best as words
)
# ... and these show it is about a person.
_PERSON_WORDS = frozenset(
    """he she him her his hers they their them family families child children boy boys girl
    girls son daughter mother mum father dad parent parents grandparents grandmother
    grandfather nan aunt uncle baby carer resident residents pupil man woman brother
    sister neighbour neighbours relatives husband wife partner twins siblings""".split()  # noqa: SIM905 - a word list reads best as words
)

_FAMILY = re.compile(
    r"\b[Tt]he\s{1,3}(?P<name>[A-Z][^\W\d_]*(?:['’-][^\W\d_]+)*(?:\s[A-Z][^\W\d_]*(?:-[^\W\d_]+)*)?)"
    r"\s{1,3}(?:family|families|family['’]s|children|twins|triplets|household|siblings|"
    r"brothers|sisters|boys|girls)\b"
)

# Case and system references: a cue ("case reference", "Mosaic ID", "LCS number", "ref")
# then, within a few words, a run with at least four digits; or an unmistakable
# letters-and-digits reference ("CS-2023-004417", "CH4482910").
_SYSTEMS = (
    r"Mosaic|LCS|Liquid\s?[Ll]ogic|SystmOne|EMIS|Eclipse|CareFirst|Carefirst|Frameworki|"
    r"[Ff]ramework-i|ContrOCC|Rio|RiO|Azeus|Paris|ICS|Servelec|Lorenzo|Cerner|Epic"
)
_CUE = rf"(?:{_SYSTEMS}|case|referral|client|person|record|reference|ref|ID|[Nn]umber|no)\.?"
_REFERENCE = re.compile(
    rf"(?<![\w-])(?P<cue>{_CUE})(?:[\s:#]{{1,3}}[A-Za-z-]{{1,12}}){{0,4}}?[\s:#]{{1,3}}"
    r"(?P<ref>[A-Z]{0,4}[-/]?\d[\d/-]{3,16}\d[A-Z]?)(?![\w/-])"
)
_YEARS = re.compile(r"(?:19|20)\d\d[-/](?:19|20)?\d\d")
_CODED_REFERENCE = re.compile(
    r"(?<![\w/-])(?P<ref>[A-Z]{2,4}[-/]?\d{2,4}[-/]\d{3,8}|[A-Z]{2,4}\d{6,10})(?![\w/-])"
)

# An age, and what makes it rare in the same sentence.
_AGE = re.compile(
    r"\b(?:\d{1,3}-year-old|aged\s\d{1,3}|(?:who\s(?:is|was)|at)\s\d{2,3}(?![\d%])(?=[\s,.;)])"
    r"|\d{2,3}\s(?:years?\sold))\b",
    re.IGNORECASE,
)
_RARE = re.compile(
    r"\b(?:former|retired|only|youngest|oldest|sole|well-known|famous|celebrity|Paralympian|"
    r"Olympian|councillor|vicar|headteacher|postmaster|postmistress|organist|mayor|MP|"
    r"footballer|triplets|guide\sdog|our\s(?:village|parish|town|street|estate|school)|"
    r"the\svillage|the\sparish|local\s(?:celebrity|councillor|shop|pub))\b"
)


# --- the check --------------------------------------------------------------------------


def find_people_and_places(
    text: str,
    *,
    names: frozenset[str] | None = None,
    word_list: Terms | None = None,
    not_people: Iterable[str] = (),
) -> list[Found]:
    """Likely people, places, references and identifying combinations in ``text``
    (possibly overlapping each other; app.anonymisation keeps the best of a clash).
    ``not_people`` are names the person has confirmed are not real people."""
    if not text:
        return []
    names = _names_data() if names is None else names
    word_list = terms(_settings["terms_file"]) if word_list is None else word_list
    confirmed = {n.strip() for n in not_people if n.strip()}
    tokens = _tokens(text)
    sentences = _sentences(text)
    allowed = _cited(tokens, word_list)
    found: list[Found] = []
    places = list(_places(text, tokens, allowed, word_list))
    in_place = {i for place in places for i in range(place.start, place.end)}
    people = [
        f
        for f in _names(tokens, allowed, names, word_list)
        if f.start not in in_place and f.text not in confirmed
    ]
    found.extend(people)
    person_sentences = {bisect.bisect_right(sentences, f.start) for f in people}
    found.extend(f for f in _families(text, tokens, allowed, word_list) if f.text not in confirmed)
    # A street locates someone only with someone in the sentence ("the family live on
    # Mill Lane"), not "our office is near Baker Street station".
    found.extend(
        p
        for p in places
        if p.why != _STREET or _about_a_person(text, sentences, p.start, person_sentences)
    )
    person_sentences.update(bisect.bisect_right(sentences, f.start) for f in places)
    found.extend(_towns(text, sentences, tokens, allowed, word_list, person_sentences, in_place))
    found.extend(_references(text))
    found.extend(_combinations(text, sentences))
    return found


def _cited(tokens: list[_Token], word_list: Terms) -> set[int]:
    """Indexes of tokens that are cited works, people or bodies: the list, then context."""
    allowed: set[int] = set()
    index = _phrase_index(word_list.cited)
    for i, token in enumerate(tokens):
        phrases = index.get(token.text) or index.get(token.base)
        if phrases is None:
            continue
        for phrase in phrases:
            if _matches(tokens, i, phrase):
                allowed.update(range(i, i + len(phrase)))
                break
    for i, token in enumerate(tokens):
        if not token.capital or i in allowed:
            continue
        if _is_citation(tokens, i):
            allowed.update(_joined_names(tokens, i))
    return allowed


def _matches(tokens: list[_Token], i: int, phrase: tuple[str, ...]) -> bool:
    if i + len(phrase) > len(tokens):
        return False
    for offset, word in enumerate(phrase):
        token = tokens[i + offset]
        last = offset == len(phrase) - 1
        if token.text != word and not (last and token.base == word):
            return False
    return True


def _is_citation(tokens: list[_Token], i: int) -> bool:
    """ "Kolb's learning cycle", "Ferguson (2011)", "Brandon et al.", "by Miller and Rollnick"."""
    token = tokens[i]
    after = tokens[i + 1 : i + 5]
    if token.possessive and any(t.text.lower() in _THEORY_WORDS for t in after):
        return True
    if after and after[0].text == "et" and len(after) > 1 and after[1].text == "al":
        return True
    return token.year_after


def _joined_names(tokens: list[_Token], i: int) -> set[int]:
    """The cited name at ``i`` and the capitalised names joined to it by "and" or a
    comma before it ("Featherstone, White and Morris (2014)"), and its own first name."""
    joined = {i}
    j = i - 1
    while j >= 0 and (tokens[j].capital or tokens[j].text in ("and", "&")):
        if tokens[j].capital and tokens[j].text in _STOP:
            break
        joined.add(j)
        j -= 1
    return joined


def _run_end(tokens: list[_Token], i: int) -> int:
    """The index after the capitalised run that starts at ``i`` (single spaces only)."""
    j = i + 1
    while j < len(tokens) and tokens[j].capital and tokens[j - 1].end + 1 == tokens[j].start:
        j += 1
    return j


def _run_start(tokens: list[_Token], i: int) -> int:
    j = i
    while j > 0 and tokens[j - 1].capital and tokens[j - 1].end + 1 == tokens[j].start:
        j -= 1
    return j


def _is_first_name(token: _Token, names: frozenset[str], word_list: Terms) -> bool:
    parts = token.base.split("-")
    if len(parts) > 1:  # "Ellie-Mae", "Smith-Jones": every part a capitalised word
        return all(p[:1].isupper() for p in parts) and any(
            (p in names or p in word_list.extra_first_names) and p not in word_list.not_names
            for p in parts
        )
    return len(token.base) > 1 and (
        token.base in names or token.base in word_list.extra_first_names
    )


def _names(
    tokens: list[_Token], allowed: set[int], names: frozenset[str], word_list: Terms
) -> Iterator[Found]:
    i = 0
    while i < len(tokens):
        token = tokens[i]
        if (
            not token.capital
            or i in allowed
            or token.base in _FUNCTION_WORDS
            or not _is_first_name(token, names, word_list)
        ):
            i += 1
            continue
        start, end = _run_start(tokens, i), _run_end(tokens, i)
        if start > 0 and _before_a_place_or_thing(tokens, start):
            # "a Kent network", "in London", "moved to Bradford": a thing or a place
            # (see _towns), not a person
            i = end
            continue
        run = tokens[start:end]
        if any(t.base in _INSTITUTION_WORDS or t.base in _PLACE_TYPES for t in run) or any(
            k in allowed for k in range(start, end)
        ):
            i = end  # an organisation, a law, a place or a cited name
            continue
        last = i
        while last + 1 < end and not tokens[last].possessive and last - i < 2:
            last += 1  # "Kwame Mensah", "Adebayo Ogunleye": the surname too
        if token.base in word_list.not_names and not _ambiguous_is_a_name(tokens, i, last):
            i = end
            continue
        shown = " ".join(
            t.base if k == last else t.text for k, t in enumerate(tokens[i : last + 1], i)
        )
        yield Found(
            "person_name",
            token.start,
            tokens[last].start + len(tokens[last].base),
            shown,
            "may be a person's name",
        )
        i = end


def _before_a_place_or_thing(tokens: list[_Token], start: int) -> bool:
    before = tokens[start - 1].text
    if before == "to":  # "spoke to Dawit" is a person; "moved to Bradford" a place
        return start > 1 and tokens[start - 2].text.lower() in _MOVING
    return before in _NOT_BEFORE_A_NAME


def _ambiguous_is_a_name(tokens: list[_Token], i: int, last: int) -> bool:
    """A word that is also an ordinary word ("Hope", "May") counts as a name only with a
    surname after it or a person's possessive ("Joy's mum")."""
    if last > i and tokens[last].base not in _INSTITUTION_WORDS:
        return True
    token = tokens[i]
    return token.possessive and i + 1 < len(tokens) and tokens[i + 1].text.lower() in _PERSON_AFTER


def _places(
    text: str, tokens: list[_Token], allowed: set[int], word_list: Terms
) -> Iterator[Found]:
    for i, token in enumerate(tokens):
        kind = None
        last = i
        if token.capital and i > 0 and (tokens[i - 1].base, token.base) in _PAIRED_TYPES:
            kind = _PAIRED_TYPES[(tokens[i - 1].base, token.base)]
            name_end = i - 1
        elif token.capital and token.base in _PLACE_TYPES:
            kind = _PLACE_TYPES[token.base]
            name_end = i
        elif (
            not token.capital
            and token.text in _PLACE_NOUN_FIRST
            and i > 0
            and tokens[i - 1].capital
            and tokens[i - 1].end + 1 == token.start
        ):
            for words, noun_kind in _PLACE_NOUNS.items():
                if all(
                    i + k < len(tokens) and tokens[i + k].text.lower() == w
                    for k, w in enumerate(words)
                ):
                    kind, name_end, last = noun_kind, i, i + len(words) - 1
                    break
        if kind is None:
            continue
        start = name_end
        while (
            start > 0
            and tokens[start - 1].end + 1 >= tokens[start].start - 1
            and (tokens[start - 1].capital or tokens[start - 1].text in ("of", "and"))
            and tokens[start - 1].text not in _STOP
        ):
            start -= 1
        while start < name_end and not tokens[start].capital:
            start += 1
        named = [t for t in tokens[start:name_end] if t.capital]
        if not named or all(k in allowed for k in range(start, name_end)):
            # "Ward 7": a ward number names a place on its own.
            if not (token.base == "Ward" and token.number_after):
                continue
            start = i
        if any(t.base in _INSTITUTION_WORDS for t in named):
            continue
        begin = tokens[start].start
        finish = tokens[last].end
        shown = _slice(tokens, start, last)
        if token.base == "Ward" and token.number_after:
            number = re.match(r"\s\d{1,3}[A-Za-z]?", text[finish : finish + 6])
            if number:
                finish += number.end()
                shown += number[0]
        yield Found("place", begin, finish, shown, f"may name {kind}")


def _slice(tokens: list[_Token], start: int, last: int) -> str:
    return " ".join(t.text for t in tokens[start : last + 1])


def _families(
    text: str, tokens: list[_Token], allowed: set[int], word_list: Terms
) -> Iterator[Found]:
    starts = [t.start for t in tokens]
    for match in _FAMILY.finditer(text):
        name = match["name"]
        first = _words(name)
        if not first or first[0] in word_list.not_names or first[0] in _STOP:
            continue
        k = bisect.bisect_left(starts, match.start("name"))
        if k in allowed or _is_place_phrase(first, word_list):
            continue
        yield Found(
            "family_name",
            match.start("name"),
            match.end("name"),
            name,
            "may be a family's surname",
        )


def _is_place_phrase(words: tuple[str, ...], word_list: Terms) -> bool:
    listed = _phrase_set(word_list.not_places)
    return any(words[:n] in listed for n in range(1, min(len(words), 6) + 1))


@cache
def _phrase_set(phrases: tuple[tuple[str, ...], ...]) -> frozenset[tuple[str, ...]]:
    return frozenset(phrases)


def _towns(
    text: str,
    sentences: list[int],
    tokens: list[_Token],
    allowed: set[int],
    word_list: Terms,
    person_sentences: set[int],
    in_place: set[int],
) -> Iterator[Found]:
    for i, token in enumerate(tokens[:-1]):
        if token.text not in _PREPOSITIONS:
            continue
        if token.text == "to" and not (i > 0 and tokens[i - 1].text.lower() in _MOVING):
            continue  # "spoke to Dawit"
        j = i + 1
        if not tokens[j].capital or j in allowed or tokens[j].start in in_place:
            continue
        end = _run_end(tokens, j)
        if tokens[j].text in _STOP or (tokens[j].base in word_list.not_names and end == j + 1):
            continue  # "Little Haddon" is a place; "in Practice" is not
        end = min(end, j + 3)
        words = tuple(t.base for t in tokens[j:end])
        if _is_place_phrase(words, word_list) or any(k in allowed for k in range(j, end)):
            continue
        if any(t.base in _INSTITUTION_WORDS for t in tokens[j:end]):
            continue
        sentence, lo, hi = _sentence_around(text, sentences, token.start)
        words_here = {w.lower() for w in _words(text[lo:hi])}
        if words_here & _EVENT_WORDS:
            continue
        if sentence not in person_sentences and not (words_here & _PERSON_WORDS):
            continue
        shown = " ".join(t.base if k == end - 1 else t.text for k, t in enumerate(tokens[j:end], j))
        yield Found(
            "place",
            tokens[j].start,
            tokens[j].start + len(shown),
            shown,
            "may be a town or village that, with the rest of the sentence, locates someone",
        )


_STREET = "may name a street"
# A "sentence" is read at most this far either side of a place: text with no full stops
# (a pasted table, a document's text) must not make each look at it cost its length.
_NEAR = 300


def _sentence_around(text: str, sentences: list[int], position: int) -> tuple[int, int, int]:
    """The index of the sentence holding ``position`` and its bounds, within _NEAR."""
    here = bisect.bisect_right(sentences, position)
    lo = max(sentences[here - 1], position - _NEAR)
    hi = min(sentences[here] if here < len(sentences) else len(text), position + _NEAR)
    return here, lo, hi


def _about_a_person(
    text: str, sentences: list[int], position: int, person_sentences: set[int]
) -> bool:
    """Whether the sentence around ``position`` mentions a person: a name found in it,
    or a word such as "she", "family" or "mum"."""
    here, lo, hi = _sentence_around(text, sentences, position)
    if here in person_sentences:
        return True
    return bool({w.lower() for w in _words(text[lo:hi])} & _PERSON_WORDS)


def _references(text: str) -> Iterator[Found]:
    for match in _REFERENCE.finditer(text):
        ref = match["ref"]
        if _YEARS.fullmatch(ref):
            continue  # "2019/20", "2019-2020": a year range
        if sum(ch.isdigit() for ch in ref) < 5 and not re.search(r"[A-Z]", ref):
            continue  # "number 1234" may be anything; a reference has more digits
        yield Found(
            "case_reference",
            match.start("ref"),
            match.end("ref"),
            ref,
            "may be a case or system reference number",
        )
    for match in _CODED_REFERENCE.finditer(text):
        yield Found(
            "case_reference",
            match.start("ref"),
            match.end("ref"),
            match["ref"],
            "may be a case or system reference number",
        )


def _combinations(text: str, sentences: list[int]) -> Iterator[Found]:
    for match in _AGE.finditer(text):
        _, lo, hi = _sentence_around(text, sentences, match.start())
        if _RARE.search(text, lo, hi):
            yield Found(
                "combination",
                match.start(),
                match.end(),
                match[0],
                "is an age that, with the other details in the sentence, could identify someone",
            )
