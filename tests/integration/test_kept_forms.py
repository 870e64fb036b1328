"""A form posted after the session ended, or with a CSRF token that no longer matches,
is kept and put back on the form after signing in; nobody else can restore it."""

from __future__ import annotations

import re
from urllib.parse import unquote

import pytest
from flask.testing import FlaskClient
from sqlmodel import Session, select

from app.auth import services as account_services
from app.auth.models import UserSession
from app.cpd.models import KeptForm
from app.db import utcnow
from tests.conftest import PASSWORD, csrf_token_from, submit

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


def test_a_form_posted_after_the_session_ended_comes_back_after_signing_in(
    signed_in_client: FlaskClient, db: Session, user
) -> None:
    token = csrf_token_from(signed_in_client.get("/your-cpd/new/structured").get_data(as_text=True))
    end_every_session(db)
    response = signed_in_client.post(
        "/your-cpd/new/structured", data={"csrf_token": token, **ANSWERS}
    )
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
    signed_in_client: FlaskClient, client: FlaskClient, db: Session, policy
) -> None:
    token = csrf_token_from(signed_in_client.get("/your-cpd/new/structured").get_data(as_text=True))
    end_every_session(db)
    signed_in_client.post("/your-cpd/new/structured", data={"csrf_token": token, **ANSWERS})
    [kept] = db.exec(select(KeptForm)).all()
    account_services.create_account(
        db=db,
        policy=policy,
        full_name="Sam Other",
        email="sam@example.com",
        registration_number=None,
        password=PASSWORD,
    )
    other = signed_in_client.application.test_client()
    submit(other, "/sign-in", {"email": "sam@example.com", "password": PASSWORD})
    page = other.get(f"/your-cpd/new/structured?restore={kept.id}").get_data(as_text=True)
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
