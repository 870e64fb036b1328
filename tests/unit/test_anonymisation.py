"""The identifier detector: a labelled corpus with measured recall and false alarms, then
focused tests of each rule.

Every phone number, address and name below is invented. Phone numbers come from Ofcom's
ranges reserved for drama (07700 900xxx, 020 7946 0xxx, 0161 496 0xxx, 01632 960xxx ...).
"""

from __future__ import annotations

import dataclasses
from collections import Counter

import pytest

from app.anonymisation import (
    DESCRIPTIONS,
    KINDS,
    MASK,
    Finding,
    describe,
    find_identifiers,
    nhs_number_is_valid,
    ni_prefix_is_allocatable,
)

# (kind, snippet, the exact text the finding should cover)
POSITIVES: list[tuple[str, str, str]] = [
    # email
    (
        "email",
        "I emailed the practice educator at j.bloggs@example.org to confirm.",
        "j.bloggs@example.org",
    ),
    (
        "email",
        "Her address was sarah.smith@nhs.net and I copied it into the referral.",
        "sarah.smith@nhs.net",
    ),
    ("email", "Contact: a.khan@leeds.gov.uk for the slides.", "a.khan@leeds.gov.uk"),
    (
        "email",
        "The carer gave me MaryJones1970@gmail.com so I could send the leaflet.",
        "MaryJones1970@gmail.com",
    ),
    (
        "email",
        "Minutes went to team-manager+cpd@my-council.gov.uk afterwards.",
        "team-manager+cpd@my-council.gov.uk",
    ),
    ("email", "He asked me to copy in his partner (dave.p@example.com).", "dave.p@example.com"),
    ("email", "Please reply to JOHN.DOE@EXAMPLE.COM by Friday.", "JOHN.DOE@EXAMPLE.COM"),
    (
        "email",
        "The young person's email, kez_99@outlook.com, was on the form.",
        "kez_99@outlook.com",
    ),
    (
        "email",
        "I asked whether r.patel@school.sch.uk could attend the review.",
        "r.patel@school.sch.uk",
    ),
    (
        "email",
        "Grandad only reads messages sent to grandad.bill@btinternet.com.",
        "grandad.bill@btinternet.com",
    ),
    # phone
    ("phone", "His mobile is 07700 900123 and he prefers texts.", "07700 900123"),
    ("phone", "I rang the family on 07700900456 to arrange the visit.", "07700900456"),
    ("phone", "The number on file was 07700-900-789.", "07700-900-789"),
    ("phone", "Call me on +44 7700 900321 if the meeting moves.", "+44 7700 900321"),
    ("phone", "Her landline, 020 7946 0958, was disconnected.", "020 7946 0958"),
    (
        "phone",
        "The foster carer can be reached on (020) 7946 0123 most evenings.",
        "(020) 7946 0123",
    ),
    ("phone", "Grandmother's number: 0161 496 0000.", "0161 496 0000"),
    ("phone", "I left a message on 01632 960123 for the school nurse.", "01632 960123"),
    ("phone", "He gave +44 (0)117 496 0555 as his daytime contact.", "+44 (0)117 496 0555"),
    ("phone", "Dad's work number is 0300 123 4567, extension unknown.", "0300 123 4567"),
    ("phone", "Mum asked me to ring +447700900987 after school.", "+447700900987"),
    ("phone", "The aunt's number (0113 496 0999) was on the referral.", "0113 496 0999"),
    ("phone", "His brother abroad dials 0044 7700 900555 to reach him.", "0044 7700 900555"),
    # nhs_number
    (
        "nhs_number",
        "Her NHS number is 943 476 5919 according to the discharge letter.",
        "943 476 5919",
    ),
    ("nhs_number", "NHS no. 573-856-3913 was quoted by the ward.", "573-856-3913"),
    ("nhs_number", "I checked 4809865347 against the GP record.", "4809865347"),
    ("nhs_number", "The referral gave 611 969 2495 as his NHS number.", "611 969 2495"),
    ("nhs_number", "NHS number: 749 467 7860.", "749 467 7860"),
    ("nhs_number", "The form listed (425 923 5788) beside her name.", "425 923 5788"),
    ("nhs_number", "Baby's number 4388889342 was added at birth.", "4388889342"),
    ("nhs_number", "Hospital records for 687-699-4619 were requested.", "687-699-4619"),
    # ni_number
    (
        "ni_number",
        "His National Insurance number AB 12 34 56 C was on the benefits letter.",
        "AB 12 34 56 C",
    ),
    ("ni_number", "NI: JG103792B, as given to the DWP.", "JG103792B"),
    ("ni_number", "She read out ab 12 34 56 d over the phone.", "ab 12 34 56 d"),
    ("ni_number", "The tenancy form had PE 832107 A in the wrong box.", "PE 832107 A"),
    ("ni_number", "Her NI number (NE123456B) was needed for the claim.", "NE123456B"),
    ("ni_number", "I noted ST 24 68 10 C for the finance team.", "ST 24 68 10 C"),
    ("ni_number", "He wrote WK-12-34-56-A on the application.", "WK-12-34-56-A"),
    ("ni_number", "Carer's NI number HK 98 76 54 D was confirmed.", "HK 98 76 54 D"),
    # postcode
    ("postcode", "The family moved to SW1A 1AA last spring.", "SW1A 1AA"),
    ("postcode", "The flat in M1 1AE was cold and damp.", "M1 1AE"),
    ("postcode", "I drove to B33 8TH for the visit.", "B33 8TH"),
    ("postcode", "Her grandparents live in CR2 6XH.", "CR2 6XH"),
    ("postcode", "Post for the child went to DN55 1PT by mistake.", "DN55 1PT"),
    ("postcode", "The new placement is near EC1A 1BB.", "EC1A 1BB"),
    ("postcode", "He wrote ls1 4ap on the form.", "ls1 4ap"),
    ("postcode", "Letters were sent to W1A0AX in error.", "W1A0AX"),
    ("postcode", "The school is in BS8 1TH.", "BS8 1TH"),
    ("postcode", "They were rehoused at G12 8QQ, near the park.", "G12 8QQ"),
    # date_of_birth
    ("date_of_birth", "Client A, DOB 12/03/1985, was referred by her GP.", "DOB 12/03/1985"),
    ("date_of_birth", "The form said D.O.B.: 12.03.85 but this was wrong.", "D.O.B.: 12.03.85"),
    (
        "date_of_birth",
        "Her date of birth 3 March 1985 was wrong on the form.",
        "date of birth 3 March 1985",
    ),
    ("date_of_birth", "The baby was born on 3 March 2023 at home.", "born on 3 March 2023"),
    ("date_of_birth", "He was born 12/03/1985 and grew up in care.", "born 12/03/1985"),
    ("date_of_birth", "Records show dob: 01-11-2009 for the older sibling.", "dob: 01-11-2009"),
    ("date_of_birth", "Her date of birth is 21st June 2010.", "date of birth is 21st June 2010"),
    ("date_of_birth", "The referral gave DOB - 5 Jan 2012 for the youngest.", "DOB - 5 Jan 2012"),
    ("date_of_birth", "She was born on the 3rd of March 2015.", "born on the 3rd of March 2015"),
    ("date_of_birth", "Date of birth: March 3, 1985.", "Date of birth: March 3, 1985"),
    # name_after_title
    ("name_after_title", "I met Mrs Smith at the family home.", "Mrs Smith"),
    ("name_after_title", "Dr. Anna Jones explained the diagnosis.", "Dr. Anna Jones"),
    ("name_after_title", "Mr O'Brien was anxious about the assessment.", "Mr O'Brien"),
    ("name_after_title", "Ms Smith-Jones chaired the meeting.", "Ms Smith-Jones"),
    ("name_after_title", "I observed Miss Patel with her children.", "Miss Patel"),
    ("name_after_title", "Mx Taylor asked to be referred to by their chosen name.", "Mx Taylor"),
    ("name_after_title", "Prof Helen Carter led the session on attachment.", "Prof Helen Carter"),
    ("name_after_title", "We discussed the plan with Rev Davies.", "Rev Davies"),
    ("name_after_title", "Dr A Jones from the community team attended.", "Dr A Jones"),
    ("name_after_title", "Mr McDonald said he felt listened to.", "Mr McDonald"),
    (
        "name_after_title",
        "The family had been supported by Dame Margaret for years.",
        "Dame Margaret",
    ),
    # street_address
    ("street_address", "The family live at 12 Acacia Avenue near the school.", "12 Acacia Avenue"),
    ("street_address", "I visited 4a High Street on Tuesday.", "4a High Street"),
    ("street_address", "Her flat is at 221B Baker St above the shop.", "221B Baker St"),
    ("street_address", "He moved to 7 St Mary's Road last month.", "7 St Mary's Road"),
    ("street_address", "The placement was at 15 Oak Tree Close.", "15 Oak Tree Close"),
    (
        "street_address",
        "The meeting took place at 3 Orchard Lane, in the kitchen.",
        "3 Orchard Lane",
    ),
    ("street_address", "I did the home visit at 42 Elm Grove.", "42 Elm Grove"),
    ("street_address", "She is staying with her aunt at 9 Kings Court for now.", "9 Kings Court"),
    (
        "street_address",
        "The supported lodging is at 56 Harley Dr near the station.",
        "56 Harley Dr",
    ),
    ("street_address", "We met at 8 Station Rd because it was neutral ground.", "8 Station Rd"),
    (
        "street_address",
        "Her new address is Flat 2, 14, Mill Hill, which is nearer.",
        "14, Mill Hill",
    ),
]

NEGATIVES: list[str] = [
    "I reflected on the Care Act 2014 and how it shapes my safeguarding practice.",
    "We discussed the Mental Capacity Act 2005 section 42 duties.",
    "The Children Act 1989 s.47 enquiry was completed within timescales.",
    "The Human Rights Act 1998 Article 8 right to family life was central.",
    "This evidences standard 4.3 of the professional standards.",
    "It relates to parts 4.1 and 4.8.",
    "On 12 March 2024 I attended a workshop on trauma-informed practice.",
    "My CPD year runs between 01/04/2023 and 31/03/2024.",
    "It was a 3 hour course delivered online.",
    "The session ran from 09:30 to 16:00 with a break at 12:30.",
    "The Principal Social Worker led the discussion.",
    "I took this learning to my supervisor.",
    "The Team Manager agreed I could attend.",
    "A Senior Practitioner co-facilitated the training.",
    "The course was accredited by Skills for Care.",
    "I read guidance from the NHS on consent.",
    "Social Work England expects registrants to reflect on their learning.",
    "I am a member of BASW and reread their code of ethics.",
    "I worked with a 14-year-old young person who was at risk of exploitation.",
    "Our team supports 12 families on child protection plans.",
    "The group met for 3 sessions.",
    "The reference 2019/20 budget line was quoted in the letter.",
    "The course cost £1,200 and was funded by my employer.",
    "Attendance improved by 15% over the term.",
    "I re-read pages 10-12 of the practice guidance.",
    "The audit covered 2019-2020.",
    "Detention under the Mental Health Act 1983 s.2 was considered.",
    "I observed a hearing at the Court of Protection.",
    "Road safety training for foster carers was discussed.",
    "The Street triage team joined us for the afternoon.",
    "I shadowed a colleague at the High Court.",
    "Our office is near Baker Street station.",
    "Training on 12 March 2024 covered the Signs of Safety model.",
    "I completed the e-learning on 3 April 2023.",
    "The review is due on 1 June 2024.",
    "The young person was born prematurely and has complex needs.",
    "The baby was born at 34 weeks.",
    "Dr appointments were hard to get during the pandemic.",
    "We spoke about the role of the Dr in mental health assessments.",
    "I supported Mrs A to express her wishes.",
    "Mr X and Ms Y had separated before the assessment.",
    "I visited Mrs A. She told me about her week.",
    "I attended 3 Family Court hearings this year.",
    "In the 2019 High Court judgment the judge stressed proportionality.",
    "I completed a Level 3 Diploma in Health and Social Care.",
    "Section 20 accommodation was discussed at length.",
    "The s17 assessment identified unmet needs.",
    "The NHS Long Term Plan 2019 set out priorities.",
    "The Munro Review 2011 recommended less procedure.",
    "Working Together to Safeguard Children 2023 was updated.",
    "Each visit lasted 45 minutes.",
    "I supervised 2 students on 70 day placements.",
    "Our caseload average fell from 22 to 18.",
    "The meeting was held in Room 4 at the Civic Centre.",
    "I read chapter 7, pp. 112-130.",
    "The KS2 pupils attended the group.",
    "A 2-hour webinar on 5 October 2023 covered domestic abuse.",
    "The ASYE programme lasts 12 months.",
    "I attended a briefing on 14/02/2024 about a recent appeal judgment.",
    "We considered Article 12 of the UNCRC.",
    "A best interests decision was made under section 4 of the MCA.",
    "Refer to paragraph 2.15 of the statutory guidance.",
    "Version 3.2 of the policy was published in May 2023.",
    "The session was on Teams from 10am to 1pm.",
    "The CAMHS waiting list is currently 18 weeks.",
    "The reflective model by Gibbs (1988) helped me structure this.",
    "Kolb's learning cycle (1984) was useful.",
    "We had 4 Senior Practitioners in the team.",
    "I attended 2 Court of Protection hearings.",
    "The 5 Ways to Wellbeing framework guided the session.",
    "Figures show 1 in 4 people experience mental ill health each year.",
    "The Road to Recovery programme has 6 modules.",
    "I logged 30 hours of CPD this year, against a target of 25.",
    "We reviewed 8 serious case reviews published since 2015.",
    # Longer reflections, several sentences each, with no identifiers at all.
    (
        "On 14 November 2023 I attended a full-day course on the Mental Capacity Act 2005, "
        "run by the Principal Social Worker and a Senior Practitioner from our adult team. "
        "The morning covered the five principles and the two-stage test in section 2 and 3; "
        "the afternoon looked at case law from the Court of Protection. I realised I had been "
        "recording capacity assessments as a yes or no rather than decision-specific, which "
        "standard 3.7 asks me to avoid. Since then I have changed 4 of my templates and "
        "discussed the change with my supervisor in our monthly supervision."
    ),
    (
        "Between 01/04/2023 and 31/03/2024 I completed 6 modules of the ASYE programme. "
        "Module 3 was about the Children Act 1989 s.47 and how strategy discussions are "
        "recorded. I found the 2 hour session on chronologies useful because our team "
        "holds 40 open cases and many chronologies are out of date. I now spend 30 minutes "
        "each Friday updating mine, and the Team Manager has asked me to share this at the "
        "next team meeting on 9 May. This links to parts 4.1 and 4.8 of the standards."
    ),
    (
        "I read the Social Work England guidance on reflection and the BASW code of ethics "
        "alongside the Care Act 2014 statutory guidance, chapter 14. A 14-year-old young "
        "person I work with was moved between 3 placements in 12 months, and reading "
        "about the Human Rights Act 1998 Article 8 helped me argue for stability at the "
        "review. My practice educator challenged me to think about power; Dr appointments "
        "and court dates had been arranged around professionals rather than the family."
    ),
    (
        "Our service hosted Skills for Care for a 3 hour workshop on supervision from 09:30 "
        "to 12:30. The facilitator used Kolb's cycle (1984) and the 4x4x4 model. I noticed "
        "that in the last 2019-2020 audit only 65% of supervision records showed reflective "
        "discussion. With the Team Manager I agreed to pilot a new template with 5 "
        "colleagues and review it after 6 weeks. Reading pages 10-12 of the guidance again "
        "reminded me that good supervision is about the people we support, not just tasks."
    ),
]

STRUCTURED = ("email", "phone", "nhs_number", "ni_number", "postcode")


def _matching(kind: str, snippet: str, identifier: str) -> list[Finding]:
    start = snippet.index(identifier)
    end = start + len(identifier)
    return [
        f for f in find_identifiers(snippet) if f.kind == kind and f.start < end and f.end > start
    ]


# --- the corpus -------------------------------------------------------------------------


def test_the_corpus_is_big_enough_and_covers_every_kind():
    assert len(POSITIVES) >= 60
    assert len(NEGATIVES) >= 60
    assert set(kind for kind, _, _ in POSITIVES) == set(KINDS)
    assert sum(len(text) > 400 for text in NEGATIVES) >= 3
    for _, snippet, identifier in POSITIVES:
        assert identifier in snippet


def test_recall_and_false_alarms_on_the_labelled_corpus():
    positives: Counter[str] = Counter()
    found: Counter[str] = Counter()
    false_alarms: Counter[str] = Counter()
    misses: list[str] = []
    stray: list[str] = []
    for kind, snippet, identifier in POSITIVES:
        positives[kind] += 1
        if _matching(kind, snippet, identifier):
            found[kind] += 1
        else:
            misses.append(f"{kind}: {snippet}")
        # Each positive holds exactly one identifier: anything else is a false alarm too.
        start = snippet.index(identifier)
        for f in find_identifiers(snippet):
            if f.kind != kind or f.end <= start or f.start >= start + len(identifier):
                false_alarms[f.kind] += 1
                stray.append(f"{f.kind}: {snippet[f.start : f.end]!r} in {snippet!r}")
    for snippet in NEGATIVES:
        for f in find_identifiers(snippet):
            false_alarms[f.kind] += 1
            stray.append(f"{f.kind}: {snippet[f.start : f.end]!r} in {snippet[:60]!r}")

    def row(label: str, pos: int, hit: int, alarms: int) -> str:
        recall = hit / pos if pos else 0.0
        precision = hit / (hit + alarms) if hit + alarms else 1.0
        return f"{label:<17}{pos:>5}{hit:>7}{recall:>8.2f}{alarms:>8}{precision:>11.2f}"

    lines = [
        f"negatives: {len(NEGATIVES)} snippets",
        f"{'kind':<17}{'pos':>5}{'found':>7}{'recall':>8}{'alarms':>8}{'precision':>11}",
    ]
    lines += [row(k, positives[k], found[k], false_alarms[k]) for k in KINDS]
    total_pos, total_found = sum(positives.values()), sum(found.values())
    lines.append(row("overall", total_pos, total_found, sum(false_alarms.values())))
    print("\n" + "\n".join(lines))

    assert not stray, "false alarms:\n" + "\n".join(stray)
    for kind in STRUCTURED:
        assert found[kind] / positives[kind] >= 0.95, f"{kind} misses:\n" + "\n".join(misses)
    assert total_found / total_pos >= 0.90, "misses:\n" + "\n".join(misses)


@pytest.mark.parametrize("snippet", NEGATIVES)
def test_ordinary_professional_prose_stays_silent(snippet: str):
    assert find_identifiers(snippet) == []


# --- masking, offsets, ordering ---------------------------------------------------------


@pytest.mark.parametrize(("kind", "snippet", "identifier"), POSITIVES)
def test_offsets_slice_back_to_the_identifier(kind: str, snippet: str, identifier: str):
    [finding] = _matching(kind, snippet, identifier)
    assert snippet[finding.start : finding.end] == identifier
    assert finding.description == DESCRIPTIONS[kind]


@pytest.mark.parametrize(("kind", "snippet", "identifier"), POSITIVES)
def test_masking_never_reveals_the_identifier(kind: str, snippet: str, identifier: str):
    for finding in find_identifiers(snippet):
        assert identifier not in finding.masked
        assert snippet[finding.start : finding.end] not in finding.masked
        assert MASK in finding.masked
        digits = "".join(ch for ch in identifier if ch.isdigit())
        if len(digits) >= 4:
            # Most of the digits are hidden, not merely the separators moved about.
            shown = sum(ch.isdigit() for ch in finding.masked)
            assert shown <= len(digits) // 2


def test_masks_read_naturally():
    def masked(text: str) -> str:
        [finding] = find_identifiers(text)
        return finding.masked

    assert masked("write to j.bloggs@example.com") == "j•••@e•••.com"
    assert masked("write to a.khan@leeds.gov.uk") == "a•••@l•••.gov.uk"
    assert masked("I met Mrs Smith at the door") == "Mrs S••••"
    assert masked("ring 07700 900123 later") == "07••• ••••23"
    assert masked("in SW1A 1AA") == "SW1A •••"
    assert masked("DOB 12/03/1985") == "DOB ••/••/••••"
    assert masked("born on 3 March 1985") == "born on • M•••• ••••"
    assert masked("at 12 Acacia Avenue") == "•• A••••• Avenue"


def test_describe_names_the_kind_and_shows_the_mask():
    [finding] = find_identifiers("Please email j.bloggs@example.com today.")
    assert describe(finding) == "an email address (j•••@e•••.com)"


def test_findings_are_sorted_and_never_overlap():
    text = " ".join(snippet for _, snippet, _ in POSITIVES)
    findings = find_identifiers(text)
    assert len(findings) == len(POSITIVES)
    for before, after in zip(findings, findings[1:], strict=False):
        assert before.end <= after.start
    assert [f.kind for f in findings] == [kind for kind, _, _ in POSITIVES]


def test_overlaps_keep_the_longest_and_most_specific():
    # The domain looks like a postcode, but the whole address is the better finding.
    [finding] = find_identifiers("Send it to x@sw1a1aa.com please")
    assert finding.kind == "email"
    # "Dr" followed by a name is a title, not the end of "... Dr" (Drive).
    findings = find_identifiers("We met 2 Consultant Psychiatrists Dr Patel and Dr Khan.")
    assert [(f.kind, f.masked) for f in findings] == [
        ("name_after_title", "Dr P••••"),
        ("name_after_title", "Dr K•••"),
    ]


def test_findings_are_immutable():
    [finding] = find_identifiers("Mrs Smith")
    with pytest.raises(dataclasses.FrozenInstanceError):
        finding.kind = "email"  # type: ignore[misc]


# --- NHS numbers ------------------------------------------------------------------------


def test_modulus_11_accepts_a_valid_nhs_number_in_every_layout():
    for written in ("943 476 5919", "943-476-5919", "9434765919"):
        [finding] = find_identifiers(f"NHS number {written} on the letter")
        assert finding.kind == "nhs_number"
        assert nhs_number_is_valid(written.replace(" ", "").replace("-", ""))


def test_modulus_11_rejects_a_changed_check_digit():
    assert find_identifiers("NHS number 943 476 5918 on the letter") == []
    assert not nhs_number_is_valid("9434765918")


def test_modulus_11_rejects_numbers_whose_check_would_be_ten():
    # The first nine digits 400000008 give a check digit of 10: never issued.
    assert all(not nhs_number_is_valid(f"400000008{d}") for d in "0123456789")
    # Not an NHS number; since issue 20 a number after "ref" is a case reference instead.
    assert [f.kind for f in find_identifiers("ref 4000000080")] == ["case_reference"]


def test_a_ten_digit_case_reference_that_fails_modulus_11_is_a_case_reference():
    [finding] = find_identifiers("The case reference 1234567890 was quoted in the letter.")
    assert (finding.kind, finding.masked) == ("case_reference", "1234567890")


def test_nhs_number_needs_consistent_grouping_and_a_clean_edge():
    assert find_identifiers("943 476-5919") == []
    assert find_identifiers("19434765919") == []  # 11 digits: not an NHS number
    assert find_identifiers("1234567890") == []
    assert not nhs_number_is_valid("943476591")


# --- National Insurance numbers ---------------------------------------------------------


@pytest.mark.parametrize(
    "written",
    [
        "DA 12 34 56 A",  # D is never a first letter
        "FA123456A",
        "IA123456A",
        "UA123456A",
        "VA123456A",
        "AD 12 34 56 A",  # D, F, I, O, Q, U, V are never second letters
        "AO123456A",
        "AV123456A",
        "BG 12 34 56 A",  # prefixes that are never allocated
        "GB123456A",
        "KN123456A",
        "NK123456A",
        "NT123456A",
        "TN123456A",
        "ZZ123456A",
        "AB 12 34 56 E",  # suffix is only A to D
        "AB 12 34 5 C",  # too few digits
    ],
)
def test_ni_numbers_that_cannot_exist_stay_silent(written: str):
    assert find_identifiers(f"The form said {written} in that box.") == []


def test_qq_is_the_hmrc_example_prefix_so_it_stays_silent():
    # Decision: Q is never a first letter; HMRC uses "QQ 12 34 56 C" only in examples and
    # guidance, so it is a placeholder rather than anyone's number.
    assert find_identifiers("The guidance shows QQ123456C and QQ 12 34 56 C.") == []
    assert not ni_prefix_is_allocatable("QQ")
    assert ni_prefix_is_allocatable("ab")


# --- postcodes, dates of birth, names, addresses ----------------------------------------


@pytest.mark.parametrize(
    "text",
    ["section 42", "We met in M1 on Friday.", "the s47 2nd strategy meeting", "KS2 3rd set"],
)
def test_postcodes_need_a_real_inward_code(text: str):
    assert find_identifiers(text) == []


def test_postcodes_with_or_without_the_space_and_in_any_case():
    for written in ("SW1A 1AA", "sw1a1aa", "Dn55 1pt", "B33 8TH"):
        [finding] = find_identifiers(f"They live at {written}.")
        assert finding.kind == "postcode"


def test_a_date_needs_a_birth_cue():
    assert find_identifiers("Training on 12 March 2024 was useful.") == []
    assert find_identifiers("A young person born in 2008.") == []  # a year alone: silent
    [finding] = find_identifiers("DOB 12/03/2008")
    assert finding.kind == "date_of_birth"


@pytest.mark.parametrize(
    "text",
    ["Ask the Dr", "Dr appointments", "Mrs A agreed", "Mr X was present", "Mrs A. She nodded."],
)
def test_titles_need_a_capitalised_name(text: str):
    assert find_identifiers(text) == []


def test_a_second_name_word_is_not_a_sentence_starter():
    [finding] = find_identifiers("Mrs Smith She said")
    assert (finding.start, finding.end) == (0, len("Mrs Smith"))


@pytest.mark.parametrize(
    "text",
    ["Baker Street", "12 families on Road safety", "3 Crown Court hearings", "in 2020 Park Lane"],
)
def test_addresses_need_a_house_number_and_a_street(text: str):
    assert find_identifiers(text) == []


# --- edge cases and size ----------------------------------------------------------------


def test_empty_and_blank_text():
    assert find_identifiers("") == []
    assert find_identifiers("   \n\t ") == []


def test_two_hundred_kilobytes_of_prose_runs():
    block = " ".join(NEGATIVES) + " I met Mrs Smith at 12 Acacia Avenue, SW1A 1AA. "
    copies = 200_000 // len(block) + 1
    text = block * copies
    assert len(text) >= 200_000
    findings = find_identifiers(text)
    assert Counter(f.kind for f in findings) == {
        "name_after_title": copies,
        "street_address": copies,
        "postcode": copies,
    }


@pytest.mark.parametrize(
    "text",
    [
        "a" * 200_000,
        "a." * 100_000 + "@",
        "a@" * 100_000,
        "1 " * 100_000,
        "0" * 200_000,
        "07700 " * 40_000,
        "Mr " * 60_000,
        "12 Acacia " * 20_000,
        "DOB " + " " * 200_000,
        "AB 12 " * 40_000,
    ],
)
def test_pathological_text_runs(text: str):
    # Nothing asserted about time: the test run itself would hang on runaway backtracking.
    assert isinstance(find_identifiers(text), list)
