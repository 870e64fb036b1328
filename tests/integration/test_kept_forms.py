"""A form posted after the session ended, or with a CSRF token that no longer matches,
is kept and put back on the form after signing in; nobody else can restore it."""

from __future__ import annotations

import datetime as dt
import io
import re
import time
from urllib.parse import unquote

import pytest
from flask.testing import FlaskClient
from itsdangerous import TimestampSigner, URLSafeTimedSerializer
from sqlmodel import Session, select

from app.auth.models import UserSession
from app.auth.services import complete_password_reset, find_valid_reset, issue_password_reset
from app.db import utcnow
from app.records.models import CpdRecord, KeptForm
from tests.conftest import PASSWORD, csrf_token_from, submit
from tests.support import sample_files

pytestmark = pytest.mark.db

ANSWERS = {
    "title": "Written while the session ran out",
    "what_you_learned": "Every word of this must come back.\r\nLine two.",
    "standard_parts": ["4.2", "4.6"],
    "action": "record",
}


def end_every_session(db: Session) -> None:
    for record in db.exec(select(UserSession)):
        record.revoked_at = utcnow()
        db.add(record)
    db.commit()


def post_after_the_session_ended(client: FlaskClient, db: Session, **data: object):
    """Open the structured form, end the session, then post the form with ``data``."""
    token = csrf_token_from(client.get("/your-cpd/new/structured").get_data(as_text=True))
    end_every_session(db)
    return client.post(
        "/your-cpd/new/structured",
        data={"csrf_token": token, **ANSWERS, **data},
        content_type="multipart/form-data",
    )


def test_a_form_posted_after_the_session_ended_comes_back_after_signing_in(
    signed_in_client: FlaskClient, db: Session, user
) -> None:
    response = post_after_the_session_ended(signed_in_client, db)
    assert response.status_code == 302
    location = unquote(response.headers["Location"])
    assert re.fullmatch(r"/sign-in\?next=/your-cpd/new/structured\?restore=\d+", location)
    [kept] = db.exec(select(KeptForm)).all()
    assert kept.user_id == user.id

    sign_in_page = signed_in_client.get(response.headers["Location"]).get_data(as_text=True)
    assert "we kept what you sent" in sign_in_page
    signed_in = submit(
        signed_in_client,
        response.headers["Location"],
        {"email": user.email, "password": PASSWORD},
    )
    assert signed_in.status_code == 302
    form = signed_in_client.get(signed_in.headers["Location"]).get_data(as_text=True)
    assert "They are back on the form" in form or "back on the form" in form
    assert "Written while the session ran out" in form
    assert "Every word of this must come back.\nLine two." in form
    assert re.search(r'value="4.2"\s+checked', form) or 'value="4.2" checked' in form


def test_nobody_else_can_restore_a_kept_form(
    signed_in_client: FlaskClient, db: Session, other_client: FlaskClient
) -> None:
    post_after_the_session_ended(signed_in_client, db)
    [kept] = db.exec(select(KeptForm)).all()
    page = other_client.get(f"/your-cpd/new/structured?restore={kept.id}").get_data(as_text=True)
    assert "Written while the session ran out" not in page


def stale_token_of_this_session(client: FlaskClient) -> str:
    """The CSRF token a page of this browser's session got two hours ago: signed for
    this session, only too old (with tokens set to last an hour)."""
    client.application.config["WTF_CSRF_TIME_LIMIT"] = 3600
    client.get("/your-cpd/new/structured")
    with client.session_transaction() as cookie_session:
        raw = cookie_session["csrf_token"]

    class TwoHoursAgo(TimestampSigner):
        def get_timestamp(self) -> int:
            return int(time.time()) - 2 * 3600

    secret = client.application.config.get("WTF_CSRF_SECRET_KEY") or client.application.secret_key
    return URLSafeTimedSerializer(secret, salt="wtf-csrf-token", signer=TwoHoursAgo).dumps(raw)


def kept_for_of(page: str) -> str:
    match = re.search(r'name="kept_for" value="([^"]+)"', page)
    assert match
    return match.group(1)


def test_a_stale_csrf_token_with_a_live_session_puts_the_answers_back(
    signed_in_client: FlaskClient, db: Session
) -> None:
    response = signed_in_client.post(
        "/your-cpd/new/structured",
        data={"csrf_token": stale_token_of_this_session(signed_in_client), **ANSWERS},
    )
    assert response.status_code == 302
    assert re.fullmatch(r"/your-cpd/new/structured\?restore=\d+", response.headers["Location"])
    form = signed_in_client.get(response.headers["Location"]).get_data(as_text=True)
    assert "Written while the session ran out" in form
    assert "check them and save again" in form
    assert "when you were signed out" not in form  # the session never ended


def test_files_sent_with_a_kept_form_are_named_so_they_can_be_chosen_again(
    signed_in_client: FlaskClient, db: Session, user
) -> None:
    response = post_after_the_session_ended(
        signed_in_client,
        db,
        documents=[
            (io.BytesIO(sample_files.pdf()), "supervision-notes.pdf"),
            (io.BytesIO(sample_files.docx()), "review.docx"),
        ],
    )
    assert response.status_code == 302
    signed_in = submit(
        signed_in_client,
        response.headers["Location"],
        {"email": user.email, "password": PASSWORD},
    )
    form = signed_in_client.get(signed_in.headers["Location"]).get_data(as_text=True)
    assert "Written while the session ran out" in form
    assert (
        "The files you chose (supervision-notes.pdf, review.docx) were not kept: "
        "choose them again." in form
    )


def test_an_autosave_after_the_session_ended_is_kept_too(
    signed_in_client: FlaskClient, db: Session
) -> None:
    token = csrf_token_from(signed_in_client.get("/your-cpd/new/structured").get_data(as_text=True))
    end_every_session(db)
    response = signed_in_client.post(
        "/your-cpd/autosave",
        data={"form_type": "structured", "title": "Typed at the last minute"},
        headers={"HX-Request": "true", "X-CSRFToken": token},
    )
    assert response.status_code == 401
    [kept] = db.exec(select(KeptForm)).all()
    assert kept.data["answers"]["title"] == "Typed at the last minute"
    assert f"restore={kept.id}" in unquote(response.get_data(as_text=True))


def test_a_form_posted_with_no_cookies_at_all_is_kept_for_the_person_it_was_shown_to(
    signed_in_client: FlaskClient, db: Session, user
) -> None:
    """The browser was restarted or cleared: no session, no trace of the old one. The
    form's signed kept_for field still says whose it is."""
    page = signed_in_client.get("/your-cpd/new/structured").get_data(as_text=True)
    kept_for = re.search(r'name="kept_for" value="([^"]+)"', page)
    assert kept_for
    fresh = signed_in_client.application.test_client()  # no cookies
    response = fresh.post(
        "/your-cpd/new/structured",
        data={"csrf_token": csrf_token_from(page), "kept_for": kept_for.group(1), **ANSWERS},
    )
    assert response.status_code == 302
    assert "restore=" in unquote(response.headers["Location"])
    [kept] = db.exec(select(KeptForm)).all()
    assert kept.user_id == user.id

    signed_in = submit(
        fresh, response.headers["Location"], {"email": user.email, "password": PASSWORD}
    )
    form = fresh.get(signed_in.headers["Location"]).get_data(as_text=True)
    assert "Every word of this must come back.\nLine two." in form


def test_a_forged_or_missing_owner_keeps_nothing(
    signed_in_client: FlaskClient, db: Session, user
) -> None:
    page = signed_in_client.get("/your-cpd/new/structured").get_data(as_text=True)
    fresh = signed_in_client.application.test_client()
    for owner in ("", f"{user.id}.forged.signature"):
        response = fresh.post(
            "/your-cpd/new/structured",
            data={"csrf_token": csrf_token_from(page), "kept_for": owner, **ANSWERS},
        )
        # Refused, and said so; the words are shown back to whoever sent them (issue
        # 18), but written nowhere.
        assert_refused(response)
    assert db.exec(select(KeptForm)).all() == []


def _nothing_written(db: Session) -> bool:
    db.expire_all()
    return db.exec(select(KeptForm)).all() == [] and db.exec(select(CpdRecord)).all() == []


def test_a_signed_in_post_with_a_missing_or_foreign_csrf_token_writes_nothing(
    signed_in_client: FlaskClient, other_client: FlaskClient, db: Session
) -> None:
    """What another website could send with the person's cookie (old browsers send it
    cross-site): it cannot show it came from them, so none of it is kept."""
    foreign = csrf_token_from(other_client.get("/your-cpd/new/structured").get_data(as_text=True))
    for token in ("", "made-up", foreign):
        response = signed_in_client.post(
            "/your-cpd/new/structured", data={"csrf_token": token, **ANSWERS}
        )
        assert response.status_code == 400, token
        assert_refused(response)
        autosaved = signed_in_client.post(
            "/your-cpd/autosave",
            data={"form_type": "structured", "csrf_token": token, **ANSWERS},
            headers={"HX-Request": "true"},
        )
        assert autosaved.status_code == 400, token
    assert _nothing_written(db)


def test_a_signed_out_post_with_a_foreign_csrf_token_writes_nothing(
    signed_in_client: FlaskClient, other_client: FlaskClient, db: Session
) -> None:
    foreign = csrf_token_from(other_client.get("/your-cpd/new/structured").get_data(as_text=True))
    signed_in_client.get("/your-cpd/new/structured")
    end_every_session(db)
    response = signed_in_client.post(
        "/your-cpd/new/structured", data={"csrf_token": foreign, **ANSWERS}
    )
    assert "restore=" not in unquote(response.headers.get("Location", ""))
    assert _nothing_written(db)


def test_the_own_page_kept_for_still_keeps_a_form_whose_csrf_token_no_longer_matches(
    signed_in_client: FlaskClient, db: Session, user
) -> None:
    """Signed in again in another tab (a new session, a new CSRF secret): the page's
    signed kept_for still shows whose words these are."""
    page = signed_in_client.get("/your-cpd/new/structured").get_data(as_text=True)
    response = post_from(signed_in_client, page, "from-before")
    assert response.status_code == 302
    assert re.fullmatch(r"/your-cpd/new/structured\?restore=\d+", response.headers["Location"])
    [kept] = db.exec(select(KeptForm)).all()
    assert kept.user_id == user.id


def post_from(client: FlaskClient, page: str, csrf_token: str | None = None):
    """Post the CPD form ``page`` (its kept_for, and its CSRF token unless given)."""
    token = csrf_token_from(page) if csrf_token is None else csrf_token
    return client.post(
        "/your-cpd/new/structured",
        data={"csrf_token": token, "kept_for": kept_for_of(page), **ANSWERS},
    )


def assert_refused(response) -> None:
    """Refused and said so, nothing written (the callers check), and the words shown
    back in the same form with a way to sign in and save them (app/cpd/refused.py)."""
    assert response.status_code == 400
    page = response.get_data(as_text=True)
    assert "Your CPD is not saved yet" in page
    assert ANSWERS["title"] in page


def test_kept_for_keeps_nothing_after_signing_out(
    signed_in_client: FlaskClient, db: Session
) -> None:
    page = signed_in_client.get("/your-cpd/new/structured").get_data(as_text=True)
    account = signed_in_client.get("/account").get_data(as_text=True)
    signed_in_client.post("/sign-out", data={"csrf_token": csrf_token_from(account)})
    fresh = signed_in_client.application.test_client()
    for client in (signed_in_client, fresh):
        assert_refused(post_from(client, page))
    assert _nothing_written(db)


def test_kept_for_keeps_nothing_after_a_password_reset(
    signed_in_client: FlaskClient, db: Session, user
) -> None:
    page = signed_in_client.get("/your-cpd/new/structured").get_data(as_text=True)
    reset = issue_password_reset(
        db=db, policy=signed_in_client.application.extensions["policy"], email=user.email
    )
    assert reset is not None
    found = find_valid_reset(db=db, token=reset.token)
    assert found is not None
    complete_password_reset(db=db, reset=found, new_password="a whole new password 42")
    assert_refused(post_from(signed_in_client.application.test_client(), page))
    assert _nothing_written(db)


def test_kept_for_still_keeps_a_form_after_the_session_timed_out(
    signed_in_client: FlaskClient, db: Session, user
) -> None:
    page = signed_in_client.get("/your-cpd/new/structured").get_data(as_text=True)
    for record in db.exec(select(UserSession)):
        # Idle past the timeout: the next request finds it so and ends it.
        record.last_seen_at = utcnow() - dt.timedelta(hours=3)
        db.add(record)
    db.commit()
    signed_in_client.get("/your-cpd")  # finds the session timed out
    response = post_from(signed_in_client.application.test_client(), page, "lost")
    assert "restore=" in unquote(response.headers["Location"])
    [kept] = db.exec(select(KeptForm)).all()
    assert kept.user_id == user.id


def test_kept_forms_are_bounded_per_account_and_count_against_its_storage(
    app, signed_in_client: FlaskClient, db: Session, user
) -> None:
    """Posts with a stale token of the person's own session are kept for them: no more
    than the policy's max_kept_forms_per_account, and inside the storage quota."""
    import dataclasses

    from app.uploads import quota

    policy = app.extensions["policy"]
    app.extensions["policy"] = dataclasses.replace(policy, max_kept_forms_per_account=3)
    big = "A long answer kept after the page went stale. " * 200
    for _ in range(5):
        response = signed_in_client.post(
            "/your-cpd/new/structured",
            data={
                "csrf_token": stale_token_of_this_session(signed_in_client),
                **ANSWERS,
                "what_you_did": big,
            },
        )
        assert response.status_code == 302
    db.expire_all()
    kept = db.exec(select(KeptForm)).all()
    assert len(kept) == 3
    assert quota.used_bytes(db, owner_id=user.id) == quota.measure(db, owner_id=user.id)
    assert quota.used_bytes(db, owner_id=user.id) >= 3 * len(big)
    # A full account keeps no more (even dropping its oldest kept form would not make
    # room for this one): the words are shown back instead.
    app.extensions["policy"] = dataclasses.replace(
        app.extensions["policy"], storage_quota_bytes=quota.used_bytes(db, owner_id=user.id)
    )
    response = signed_in_client.post(
        "/your-cpd/new/structured",
        data={
            "csrf_token": stale_token_of_this_session(signed_in_client),
            **ANSWERS,
            "what_you_did": big * 2,
        },
    )
    assert response.status_code == 400
    assert "Your CPD is not saved yet" in response.get_data(as_text=True)
    db.expire_all()
    assert len(db.exec(select(KeptForm)).all()) == 3
