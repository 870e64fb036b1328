"""Reminder emails from `flask send-reminders`, sent through a real SMTP server."""

from __future__ import annotations

import datetime as dt
import re
from email.message import Message

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlmodel import Session, select

from app.db import utcnow
from app.records.models import DRAFT
from app.reminders import emails, rules
from app.reminders.models import ReminderOptOut, ReminderSent
from tests.conftest import submit
from tests.integration.test_ready_to_renew import add_record

pytestmark = pytest.mark.db

BASE = "https://cpd.example.org"


@pytest.fixture
def mailing_app(app: Flask, smtp_server) -> Flask:
    app.config.update(
        MAIL_BACKEND="smtp",
        MAIL_SERVER="127.0.0.1",
        MAIL_PORT=smtp_server.port,
        PUBLIC_BASE_URL=BASE,
    )
    return app


def run(app: Flask, today: str) -> str:
    result = app.test_cli_runner().invoke(args=["send-reminders", "--today", today])
    assert result.exit_code == 0, result.output
    return result.output


def mail_to(smtp_server, address: str) -> list[Message]:
    return [m for m in smtp_server.catcher.messages if address in (m["To"] or "")]


def body_of(message: Message) -> str:
    payload = message.get_payload(decode=True)
    assert isinstance(payload, bytes)
    return payload.decode().replace("\r\n", "\n")


def test_the_window_opening_reminder_is_sent_once_with_what_is_missing_and_an_unsubscribe(
    mailing_app: Flask, smtp_server, user, client: FlaskClient, db: Session
) -> None:
    before = len(mail_to(smtp_server, user.email))
    assert "Sent 1 reminders" in run(mailing_app, "2026-09-01")
    assert "Sent 0 reminders" in run(mailing_app, "2026-09-01")
    assert "Sent 0 reminders" in run(mailing_app, "2026-09-03")
    sent = mail_to(smtp_server, user.email)[before:]
    assert [m["Subject"] for m in sent] == ["The renewal window is open"]
    body = body_of(sent[0])
    assert "open until 30 November 2026" in body
    assert "Record 1 more piece of CPD, completed between 1 December 2025" in body
    assert f"{BASE}/your-cpd\n" in body
    unsubscribe = re.search(r"<(.+)>", sent[0]["List-Unsubscribe"])
    assert unsubscribe and unsubscribe.group(1).startswith(f"{BASE}/unsubscribe/")
    assert sent[0]["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    assert unsubscribe.group(1) in body

    # One click from a mail client: no cookie, no CSRF token.
    path = unsubscribe.group(1).removeprefix(BASE)
    response = client.post(path, data={"List-Unsubscribe": "One-Click"})
    assert response.status_code == 200
    assert "Reminders stopped" in response.get_data(as_text=True)
    kinds = db.exec(select(ReminderOptOut.kind).where(ReminderOptOut.user_id == user.id)).all()
    assert kinds == [rules.WINDOW_OPENING]


def test_closing_reminders_go_30_and_7_days_before_only_while_not_ready(
    mailing_app: Flask, smtp_server, user, db: Session
) -> None:
    before = len(mail_to(smtp_server, user.email))
    assert user.id is not None
    add_record(db, user.id, completed_on=dt.date(2026, 11, 1), status=DRAFT)
    run(mailing_app, "2026-10-30")  # 31 days before: nothing yet
    run(mailing_app, "2026-10-31")
    run(mailing_app, "2026-10-31")
    run(mailing_app, "2026-11-12")  # between the milestones: nothing new
    run(mailing_app, "2026-11-23")
    sent = mail_to(smtp_server, user.email)[before:]
    assert [m["Subject"] for m in sent] == [
        "31 days left to renew your registration",
        "8 days left to renew your registration",
    ]
    assert "You are not ready to renew yet" in body_of(sent[1])
    assert "You have 1 draft: drafts do not count until you record them" in body_of(sent[1])
    assert "The renewal window closes on 30 November 2026" in body_of(sent[1])

    # A person who is ready is not chased.
    add_record(db, user.id, completed_on=dt.date(2026, 6, 1))
    for row in db.exec(select(ReminderSent)).all():
        db.delete(row)
    db.commit()
    run(mailing_app, "2026-11-23")
    assert len(mail_to(smtp_server, user.email)) == before + 2


def test_a_draft_untouched_for_30_days_is_reminded_about_once_without_its_text(
    mailing_app: Flask, smtp_server, user, db: Session
) -> None:
    assert user.id is not None
    draft = add_record(db, user.id, completed_on=None, status=DRAFT)
    draft.answers = {"title": "Supervision with my manager about Mrs Jones"}
    draft.updated_at = utcnow() - dt.timedelta(days=29)
    db.add(draft)
    db.commit()
    before = len(mail_to(smtp_server, user.email))
    run(mailing_app, "2026-06-01")  # outside the window: only drafts can be due
    assert len(mail_to(smtp_server, user.email)) == before

    draft.updated_at = utcnow() - dt.timedelta(days=31)
    db.add(draft)
    db.commit()
    run(mailing_app, "2026-06-01")
    run(mailing_app, "2026-06-01")
    sent = mail_to(smtp_server, user.email)[before:]
    assert [m["Subject"] for m in sent] == ["You have a draft of CPD that does not count yet"]
    body = body_of(sent[0])
    assert "1 draft of CPD that has not been changed for 30 days" in body
    assert "Mrs Jones" not in body and "Supervision" not in body


def test_reminders_turned_off_on_the_account_page_are_not_sent(
    mailing_app: Flask, smtp_server, user, signed_in_client: FlaskClient
) -> None:
    page = signed_in_client.get("/account/reminders").get_data(as_text=True)
    for kind in rules.KINDS:  # every reminder is on until the person turns it off
        assert re.search(rf'value="{kind}" checked', page)
    response = submit(signed_in_client, "/account/reminders", {"reminders": [rules.STALE_DRAFT]})
    assert response.status_code == 302
    page = signed_in_client.get("/account/reminders").get_data(as_text=True)
    assert re.search(r'value="stale-draft" checked', page)
    assert not re.search(r'value="window-opening" checked', page)
    before = len(mail_to(smtp_server, user.email))
    run(mailing_app, "2026-09-01")
    run(mailing_app, "2026-11-23")
    assert len(mail_to(smtp_server, user.email)) == before


def test_an_unsubscribe_link_asks_first_and_a_broken_one_says_so(
    app: Flask, client: FlaskClient, user
) -> None:
    assert user.id is not None
    with app.app_context():
        token = emails.unsubscribe_token(user.id, rules.STALE_DRAFT)
    page = client.get(f"/unsubscribe/{token}").get_data(as_text=True)
    assert "Stop these reminders?" in page
    assert '<form method="post"' in page
    assert client.get(f"/unsubscribe/{token}x").status_code == 404
    assert client.post(f"/unsubscribe/{token}x").status_code == 404


def test_a_failed_send_is_tried_again_on_the_next_run(
    mailing_app: Flask, smtp_server, user
) -> None:
    mailing_app.config["MAIL_PORT"] = 1  # nothing listens there
    assert "1 failed" in run(mailing_app, "2026-09-02")
    mailing_app.config["MAIL_PORT"] = smtp_server.port
    before = len(mail_to(smtp_server, user.email))
    assert "Sent 1 reminders" in run(mailing_app, "2026-09-02")
    assert len(mail_to(smtp_server, user.email)) == before + 1


def test_a_deleted_persons_unsubscribe_link_never_reaches_the_next_account(
    app: Flask, client: FlaskClient, user, db: Session, policy
) -> None:
    from app.auth import services as auth_services
    from app.auth.models import User
    from tests.conftest import PASSWORD

    old_id = user.id
    assert old_id is not None
    with app.app_context():
        old_link = f"/unsubscribe/{emails.unsubscribe_token(old_id, rules.WINDOW_OPENING)}"
    submit(client, "/sign-in", {"email": user.email, "password": PASSWORD})
    deleted = submit(client, "/account/delete", {"password": PASSWORD, "confirm": "yes"})
    assert deleted.status_code == 302
    db.expunge_all()
    assert db.get(User, old_id) is None

    newcomer = auth_services.create_account(
        db=db,
        policy=policy,
        full_name="Robin Newcomer",
        email="robin@example.com",
        registration_number=None,
        password=PASSWORD,
    )
    assert newcomer.id is not None and newcomer.id > old_id
    app.test_client().post(old_link, data={"List-Unsubscribe": "One-Click"})
    db.expire_all()
    assert list(db.exec(select(ReminderOptOut))) == []


def test_an_unsubscribe_link_works_for_the_policys_days_and_then_says_it_has_expired(
    app: Flask, client: FlaskClient, user, db: Session, policy
) -> None:
    assert user.id is not None
    days = policy.unsubscribe_link_valid_days
    now = utcnow()
    with app.app_context():
        old = emails.unsubscribe_token(
            user.id, rules.STALE_DRAFT, now=now - dt.timedelta(days=days, minutes=1)
        )
        recent = emails.unsubscribe_token(
            user.id, rules.WINDOW_OPENING, now=now - dt.timedelta(days=days, minutes=-1)
        )
    page = client.get(f"/unsubscribe/{old}")
    assert page.status_code == 404
    assert "This link has expired" in page.get_data(as_text=True)
    broken = client.get(f"/unsubscribe/{old}x").get_data(as_text=True)
    assert "This link does not work" in broken and "expired" not in broken
    assert client.post(f"/unsubscribe/{old}").status_code == 404
    db.expire_all()
    assert list(db.exec(select(ReminderOptOut))) == []

    assert client.post(f"/unsubscribe/{recent}").status_code == 200
    db.expire_all()
    assert [row.kind for row in db.exec(select(ReminderOptOut))] == [rules.WINDOW_OPENING]
