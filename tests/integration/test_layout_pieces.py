"""The layout's kept pieces (app/layout.py) give the same pages as rendering every macro."""

import re

import pytest

from tests.conftest import PASSWORD, csrf_token_from, submit

pytestmark = pytest.mark.db

SIGNED_OUT_PAGES = [
    "/sign-in",
    "/create-account",
    "/",
    "/help/contact",
    "/forgot-password",
    '/nowhere/"<odd>&path',  # a 404 whose path the feedback link names
]
SIGNED_IN_PAGES = [
    "/account",
    "/your-cpd",
    "/your-cpd/new",
    "/your-cpd/new/structured",
    "/help/contact",
    "/account",  # the same variant again, from the kept piece
    "/nowhere",
]


def _comparable(html: str) -> str:
    """The page without what differs on every request anyway."""
    html = re.sub(r'nonce="[^"]*"', 'nonce=""', html)
    html = re.sub(r'(name="csrf_token"[^>]*value=")[^"]*"', r'\1"', html)
    html = re.sub(r'(name="csrf-token" content=")[^"]*"', r'\1"', html)
    html = re.sub(r'(name="(?:editor|kept_for)" value=")[^"]*"', r'\1"', html)
    return html


def _pages(client, paths: list[str]) -> list[str]:
    return [_comparable(client.get(path).get_data(as_text=True)) for path in paths]


def _rendered_both_ways(app, client, paths: list[str]) -> tuple[list[str], list[str]]:
    kept = _pages(client, paths)
    app.config["LAYOUT_CACHE"] = False
    try:
        fresh = _pages(client, paths)
    finally:
        app.config["LAYOUT_CACHE"] = True
    return kept, fresh


def test_signed_out_pages_are_the_same_with_the_kept_layout(app, client):
    kept, fresh = _rendered_both_ways(app, client, SIGNED_OUT_PAGES)
    for path, with_pieces, without in zip(SIGNED_OUT_PAGES, kept, fresh, strict=True):
        assert with_pieces == without, path
    assert "page=/nowhere/%22%3Codd%3E%26path" in kept[-1]


def test_signed_in_pages_are_the_same_with_the_kept_layout(app, signed_in_client):
    kept, fresh = _rendered_both_ways(app, signed_in_client, SIGNED_IN_PAGES)
    for path, with_pieces, without in zip(SIGNED_IN_PAGES, kept, fresh, strict=True):
        assert with_pieces == without, path
    assert 'aria-current="page"' in kept[0]  # "Your account" marked on its own page


def test_the_sign_out_form_carries_this_requests_token(signed_in_client):
    html = signed_in_client.get("/account").get_data(as_text=True)
    meta = re.search(r'name="csrf-token" content="([^"]+)"', html)
    sign_out = re.search(r'action="/sign-out"[^>]*>\s*<input[^>]*value="([^"]+)"', html)
    assert meta and sign_out and meta.group(1) == sign_out.group(1)
    # The token the page carries signs the user out.
    response = signed_in_client.post("/sign-out", data={"csrf_token": sign_out.group(1)})
    assert response.status_code == 302
    assert signed_in_client.get("/account").status_code == 302


def test_kept_pieces_hold_nothing_about_the_person(app, client, user, other_client):
    submit(client, "/sign-in", {"email": user.email, "password": PASSWORD})
    for path in SIGNED_IN_PAGES:
        client.get(path)
        other_client.get(path)
    kept = "".join(
        text for stencil in app.extensions["layout_pieces"].values() for text, _hole in stencil
    )
    assert kept
    for private in (user.email, user.full_name, "/feedback?page", 'csrf_token" value="I'):
        assert private not in kept


def _cards_of_every_kind(db, owner_id: int, policy) -> None:
    """Recorded, recorded with draft changes, drafts (one untitled, one undated), two
    cards with the same title, and titles with markup and a line break."""
    from app import dates
    from app.db import utcnow
    from app.records.models import DRAFT, RECORDED, CpdRecord

    start, _ = dates.registration_year_containing(policy.today(), policy)
    date = {
        "completed_day": str(start.day),
        "completed_month": str(start.month),
        "completed_year": str(start.year),
    }
    kinds = [
        ('Same <b>"title"</b> & more', RECORDED, None, "structured", ["4.1", "4.3"]),
        ('Same <b>"title"</b> & more', RECORDED, None, "unstructured", []),
        ("Pending changes", RECORDED, {"title": "new"}, "structured", ["4.2"]),
        ("", DRAFT, None, "structured", []),
        ("Two\nlines", DRAFT, None, "unstructured", ["4.8"]),
    ]
    for title, status, pending, form_type, parts in kinds:
        db.add(
            CpdRecord(
                owner_id=owner_id,
                form_type=form_type,
                status=status,
                answers={"title": title, "standard_parts": parts, **(date if title else {})},
                pending_answers=pending,
                completed_on=start if title else None,
                recorded_at=utcnow() if status == RECORDED else None,
            )
        )
    db.commit()


def test_record_cards_are_the_same_kept_or_rendered(app, signed_in_client, db, user, policy):
    _cards_of_every_kind(db, user.id, policy)
    # Twice: the second page comes from the kept cards.
    kept, fresh = _rendered_both_ways(app, signed_in_client, ["/your-cpd", "/your-cpd"])
    assert kept[0].count('class="govuk-summary-card"') == 5
    for with_pieces, without in zip(kept, fresh, strict=True):
        assert with_pieces == without
    assert "Same &lt;b&gt;&#34;title&#34;&lt;/b&gt; &amp; more (2 of 2)" in kept[0]
    assert "Two lines" in kept[0]
    cards = {key for key in app.extensions["layout_pieces"] if key[0] == "record_card"}
    # One kept card a heading level and status, whatever the number of records.
    assert {variant for _name, _root, variant in cards} == {
        (4, "recorded"),
        (4, "recorded with draft changes"),
        (4, "draft"),
    }
    kept_text = "".join(
        text for key in cards for text, _hole in app.extensions["layout_pieces"][key]
    )
    for private in ("Same", "Pending changes", "Two", "/your-cpd/1"):
        assert private not in kept_text


# The account home's content, kept as one piece with the person's details as holes.


def _kept_page_text(app) -> str:
    (stencil,) = [
        stencil
        for (name, _root, _variant), stencil in app.extensions["layout_pieces"].items()
        if name == "account home"
    ]
    return "".join(text for text, _hole in stencil)


def test_the_account_home_is_kept_and_each_person_sees_their_own(
    app, signed_in_client, other_client, user
):
    alex = [signed_in_client.get("/account").get_data(as_text=True) for _ in range(2)]
    sam = [other_client.get("/account").get_data(as_text=True) for _ in range(2)]
    assert "Your account" in _kept_page_text(app)  # one piece, one variant, both people
    for page in alex:
        assert "Alex Example" in page and "alex@example.com" in page and "SW123456" in page
        assert "Sam Other" not in page and "sam@example.com" not in page
        assert f'data-user="{user.id}"' in page
    for page in sam:
        assert "Sam Other" in page and "sam@example.com" in page and "Not given" in page
        assert "Alex" not in page and "SW123456" not in page
        assert f'data-user="{user.id}"' not in page
    # Every request has its own token and nonce, in the page and in its header.
    tokens = {csrf_token_from(page) for page in alex + sam}
    assert len(tokens) >= 2  # a person's token may repeat within a second; two people's never
    nonces = {re.search(r'nonce="([^"]+)"', page).group(1) for page in alex + sam}
    assert len(nonces) == 4


def test_a_kept_page_holds_nothing_about_anyone(app, signed_in_client, other_client, user):
    pages = [c.get("/account").get_data(as_text=True) for c in (signed_in_client, other_client)]
    kept = _kept_page_text(app)
    assert "Your account" in kept
    private = ["Alex", "alex@example.com", "SW123456", "Sam", "sam@example.com", "Not given"]
    private += [csrf_token_from(page) for page in pages]
    private += [re.search(r'nonce="([^"]+)"', page).group(1) for page in pages]
    private += [f'data-user="{user.id}"']
    for value in private:
        assert value not in kept, value


def test_the_sign_out_token_on_a_kept_page_is_this_sessions(client, user):
    """A token kept with the page once made every later sign-out fail (400)."""
    for _ in range(3):
        submit(client, "/sign-in", {"email": user.email, "password": PASSWORD})
        page = client.get("/account").get_data(as_text=True)
        response = client.post("/sign-out", data={"csrf_token": csrf_token_from(page)})
        assert response.status_code == 302
        assert client.get("/account").status_code == 302  # signed out


def test_a_kept_page_still_shows_a_message_once(app, signed_in_client):
    signed_in_client.get("/account")  # kept
    response = submit(signed_in_client, "/account/change-name", {"full_name": "Alex Changed"})
    assert response.status_code == 302
    with_message = signed_in_client.get("/account").get_data(as_text=True)
    assert "Your name has been changed" in with_message
    assert "Alex Changed" in with_message
    after = signed_in_client.get("/account").get_data(as_text=True)
    assert "Your name has been changed" not in after and "Alex Changed" in after


# The CPD form's questions: a question holding nothing of the person's is kept whole.


def _kept_questions(app) -> dict:
    return {
        variant: stencil
        for (name, _root, variant), stencil in app.extensions["layout_pieces"].items()
        if name == "question"
    }


def test_every_unanswered_question_of_a_new_form_is_kept_whole(app, signed_in_client):
    from app import questions

    kept, fresh = _rendered_both_ways(app, signed_in_client, ["/your-cpd/new/structured"] * 2)
    assert kept == fresh
    asked = [q for q in questions.asked_on("structured") if not q.asked_if]
    # One piece a question (with its follow-up boxes), whatever the number of visits.
    assert sorted(variant[0][0].name for variant in _kept_questions(app)) == sorted(
        q.name for q in asked
    )


def test_a_drafts_answered_questions_are_never_kept(app, signed_in_client, db, user):
    from app.records.models import DRAFT, CpdRecord

    answers = {
        "title": "Visit to Mrs Jones",
        "what_you_did": "Met Mrs Jones at 12 High Street, born 3 March 1950.",
        "completed_day": "31",
        "completed_month": "2",
        "standard_parts": ["4.2"],
    }
    record = CpdRecord(owner_id=user.id, form_type="structured", status=DRAFT, answers=answers)
    db.add(record)
    db.commit()
    path = f"/your-cpd/{record.id}/edit"
    kept, fresh = _rendered_both_ways(app, signed_in_client, [path, path])
    assert kept == fresh
    assert "Mrs Jones" in kept[1] and "may identify a person" in kept[1]
    names = {variant[0][0].name for variant in _kept_questions(app)}
    assert names and not names & {"title", "what_you_did", "completed", "standard_parts"}
    kept_text = "".join(
        text for stencil in app.extensions["layout_pieces"].values() for text, _hole in stencil
    )
    for private in ("Mrs Jones", "High Street", 'value="31"', 'value="4.2" checked'):
        assert private not in kept_text


def test_a_kept_question_follows_the_policys_limits(app, signed_in_client, policy):
    """A box's limit for the count on the device is read from the running policy."""
    import dataclasses

    first = signed_in_client.get("/your-cpd/new/structured").get_data(as_text=True)
    limits = {**policy.character_limits, "title": 123}
    app.extensions["policy"] = dataclasses.replace(policy, character_limits=limits)
    again = signed_in_client.get("/your-cpd/new/structured").get_data(as_text=True)
    assert 'data-count-limit="123"' in again and 'data-count-limit="123"' not in first


@pytest.mark.parametrize("is_recorded", [False, True])
def test_the_autosave_status_line_is_the_same_kept_as_rendered_afresh(app, is_recorded):
    """The autosave's status line is kept per kind of record (issue 24): its record id,
    version and time are holes, escaped as the template escapes them; kept twice over
    it gives what the template gives."""
    from app.cpd.autosave import _saved_fragment

    def fragment(record_id, version, saved_at):
        with app.test_request_context("/your-cpd/autosave", method="POST"):
            body, status, headers = _saved_fragment(
                is_recorded=is_recorded, record_id=record_id, version=version, saved_at=saved_at
            )
        assert status == 200 and headers == {"Vary": "HX-Request"}
        return body

    cases = [(12, 3, "09:41"), (7, 18, '<b class="x">&'), (12, 4, "23:59")]
    kept = [fragment(*case) for case in cases]
    app.config["LAYOUT_CACHE"] = False
    try:
        fresh = [fragment(*case) for case in cases]
    finally:
        app.config["LAYOUT_CACHE"] = True
    assert kept == fresh
    assert 'name="record_id" value="7"' in kept[1] and 'name="version" value="18"' in kept[1]
    assert "&lt;b class=&#34;x&#34;&gt;&amp;" in kept[1]
    assert ("Draft of your changes saved at" in kept[0]) is is_recorded
