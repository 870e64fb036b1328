"""A form posted after the session ended, or with a CSRF token that no longer matches,
is kept and put back on the form after signing in; nobody else can restore it."""

from __future__ import annotations

import io
import re
from urllib.parse import unquote

import pytest
from flask.testing import FlaskClient
from sqlmodel import Session, select

from app.auth.models import UserSession
from app.cpd.models import KeptForm
from app.db import utcnow
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


def test_a_stale_csrf_token_with_a_live_session_puts_the_answers_back(
    signed_in_client: FlaskClient, db: Session
) -> None:
    response = signed_in_client.post(
        "/your-cpd/new/structured", data={"csrf_token": "from-an-old-session", **ANSWERS}
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
        assert response.status_code == 302
        assert "restore=" not in unquote(response.headers["Location"])
    assert db.exec(select(KeptForm)).all() == []
