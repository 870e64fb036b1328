"""Account emails wait in the database until they have been sent: a worker killed
between the answer and the email (gunicorn's timeout, a deploy, a crash) no longer
takes the email with it. The next sweep, in any worker, sends it."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import func
from sqlmodel import Session, select

from app import background
from app.background import BackgroundJob
from app.db import utcnow
from tests.conftest import submit
from tests.support.jobs import wait_until_jobs_have_run

pytestmark = pytest.mark.db


def _jobs(app) -> list[BackgroundJob]:
    with Session(app.extensions["db_engine"]) as db:
        return list(db.exec(select(BackgroundJob)))


def _left_by_a_killed_worker(app, *, email: str, claimed: bool) -> None:
    """A job as a worker leaves it when killed: written, then never run (or run and
    not finished)."""
    long_ago = utcnow() - dt.timedelta(hours=1)
    with Session(app.extensions["db_engine"]) as db:
        db.add(
            BackgroundJob(
                job="app.auth.emails:send_reset_link",
                arguments={"email": email},
                created_at=long_ago,
                claimed_at=long_ago if claimed else None,
                attempts=1 if claimed else 0,
            )
        )
        db.commit()


@pytest.fixture
def in_background(app, monkeypatch):
    app.config["MAIL_IN_BACKGROUND"] = True
    sent: list[dict] = []
    monkeypatch.setattr("app.mail.send_mail", lambda **message: sent.append(message))
    return sent


def test_the_job_is_in_the_database_before_the_answer_and_gone_once_sent(
    app, client, user, in_background
):
    response = submit(client, "/forgot-password", {"email": user.email})
    assert response.status_code == 302
    (job,) = _jobs(app)
    assert job.job == "app.auth.emails:send_reset_link"
    assert in_background == []

    response.close()  # as the WSGI server does once the answer has gone
    wait_until_jobs_have_run(app)
    assert [message["to"] for message in in_background] == [user.email]
    assert _jobs(app) == []


@pytest.mark.parametrize("claimed", [False, True], ids=["never-started", "killed-while-sending"])
def test_a_job_a_killed_worker_left_is_sent_by_the_next_sweep(app, user, in_background, claimed):
    _left_by_a_killed_worker(app, email=user.email, claimed=claimed)
    assert background.run_due_jobs(app) == 1
    assert [message["to"] for message in in_background] == [user.email]
    assert _jobs(app) == []


def test_a_job_just_written_is_left_to_the_worker_that_wrote_it(app, user, in_background):
    with Session(app.extensions["db_engine"]) as db:
        db.add(
            BackgroundJob(
                job="app.auth.emails:send_reset_link",
                arguments={"email": user.email},
                created_at=utcnow(),
            )
        )
        db.commit()
    assert background.run_due_jobs(app) == 0
    assert in_background == []


def test_a_failing_job_is_kept_for_a_later_try_then_given_up_and_logged(
    app, user, monkeypatch, caplog
):
    app.config["MAIL_IN_BACKGROUND"] = True

    def refused(**_message):
        raise ConnectionRefusedError("mail server down")

    monkeypatch.setattr("app.mail.send_mail", refused)
    _left_by_a_killed_worker(app, email=user.email, claimed=False)
    assert background.run_due_jobs(app) == 1
    (job,) = _jobs(app)
    assert job.attempts == 1 and job.claimed_at is not None

    for _ in range(background.MAX_ATTEMPTS):
        with Session(app.extensions["db_engine"]) as db:
            stored = db.get(BackgroundJob, job.id)
            assert stored is not None
            stored.claimed_at = utcnow() - dt.timedelta(hours=1)
            db.add(stored)
            db.commit()
        background.run_due_jobs(app)
    assert _jobs(app) == []
    assert "gave up" in caplog.text
    assert user.email not in caplog.text


def test_only_the_apps_own_functions_are_run_from_a_row(app, in_background):
    with Session(app.extensions["db_engine"]) as db:
        db.add(
            BackgroundJob(
                job="os:system",
                arguments={"command": "true"},
                created_at=utcnow() - dt.timedelta(hours=1),
            )
        )
        db.commit()
        background.run_due_jobs(app)
        assert db.exec(select(func.count()).select_from(BackgroundJob)).one() == 0
