"""Nobody can find out who has an account (ASVS 5.0 6.3.8 / 6.4.x): sign-up and reset
answer the same way, in the same time, whether or not the address is registered."""

import hashlib
import re
import threading

import pytest
from sqlmodel import func, select

from app import background, mail
from app.auth.models import User
from tests.conftest import PASSWORD, csrf_token_from, submit
from tests.integration.test_accounts import NEW_ACCOUNT
from tests.support.jobs import wait_until_jobs_have_run
from tests.support.queries import statements_sent

pytestmark = pytest.mark.db

NEW = {**NEW_ACCOUNT, "email": "sam.registrant@example.com"}


def _normalised(html: str) -> str:
    html = re.sub(r'(nonce|value|content)="[^"]*"', r'\1=""', html)
    return re.sub(r"<strong>[^<]*@[^<]*</strong>", "<strong></strong>", html)


def test_sign_up_with_a_used_address_looks_the_same_and_tells_only_the_owner(
    client, app, user, db, caplog
):
    caplog.set_level("INFO")
    used = submit(client, "/create-account", {**NEW, "email": "ALEX@example.com"})
    new_client = app.test_client()
    new = submit(new_client, "/create-account", NEW)
    assert used.status_code == new.status_code == 302
    assert used.headers["Location"] == new.headers["Location"]
    page = client.get(used.headers["Location"]).get_data(as_text=True)
    assert "Check your email" in page
    assert "already exists" not in page
    other_page = new_client.get(new.headers["Location"]).get_data(as_text=True)
    assert _normalised(page) == _normalised(other_page)

    assert "to alex@example.com: Someone tried to create a Record CPD account" in caplog.text
    assert db.exec(select(func.count()).select_from(User)).one() == 1  # nothing made yet


def test_a_new_account_is_made_when_its_address_is_confirmed(client, db, caplog):
    caplog.set_level("INFO")
    submit(client, "/create-account", NEW)
    assert db.exec(select(User)).all() == []
    link = re.search(r"http://localhost(/create-account/confirm/\S+)", caplog.text).group(1)
    response = submit(client, link, {}, follow_redirects=True)
    page = response.get_data(as_text=True)
    assert "Your online account has been created" in page
    assert '<h1 class="govuk-heading-l">Your account</h1>' in page
    user = db.exec(select(User)).one()
    assert user.email == "sam.registrant@example.com"
    assert user.password_hash.startswith("scrypt:")
    assert client.get(link).status_code == 404  # used once


def _work_of_a_post(app, path, data, monkeypatch) -> dict[str, list]:
    """Everything a post does before its answer that costs time: the statements sent to
    the database (and so the rows written), the scrypt hashes made (with their cost
    parameters) and the jobs queued for after the answer."""
    client = app.test_client()
    token = csrf_token_from(client.get(path).get_data(as_text=True))
    hashes: list[tuple] = []
    jobs: list[str] = []
    real_scrypt, real_run_later = hashlib.scrypt, background.run_later

    def counted_scrypt(password, *, salt, n, r, p, **kwargs):
        hashes.append((n, r, p))
        return real_scrypt(password, salt=salt, n=n, r=r, p=p, **kwargs)

    def counted_run_later(job, **kwargs):
        jobs.append(job.__name__)
        real_run_later(job, **kwargs)

    with monkeypatch.context() as patched:
        patched.setattr(hashlib, "scrypt", counted_scrypt)
        patched.setattr(background, "run_later", counted_run_later)
        with statements_sent(app) as statements:
            response = client.post(path, data={"csrf_token": token, **data})
    assert response.status_code == 302
    # As a WSGI server does once the response is sent: the queued job (the email) runs
    # now, after the answer, so it is not part of the request's work measured above.
    response.close()
    wait_until_jobs_have_run(app)
    return {
        "status": [response.status_code, response.headers["Location"]],
        "statements": statements,
        "hashes": hashes,
        "jobs": jobs,
    }


@pytest.mark.parametrize(
    ("path", "used", "unused"),
    [
        ("/forgot-password", {"email": "alex@example.com"}, {"email": "nobody@example.com"}),
        ("/create-account", {**NEW, "email": "alex@example.com"}, NEW),
    ],
)
def test_a_used_address_costs_the_same_work_before_the_answer_as_an_unused_one(
    app, user, path, used, unused, monkeypatch
):
    """No timing compared (a busy machine decides those): the property behind "the same
    time" is that both answers do the same work, which is counted here. The difference
    (who is emailed what) happens after the answer, in the background job."""
    app.config.update(MAIL_IN_BACKGROUND=True, ACCOUNT_FORMS_LIMIT_PER_ADDRESS="1000 per minute")
    sent: list[str] = []
    real_send_mail = mail.send_mail

    def counting_send_mail(**message):
        sent.append(message["to"])
        real_send_mail(**message)

    monkeypatch.setattr("app.mail.send_mail", counting_send_mail)
    work_used = _work_of_a_post(app, path, used, monkeypatch)
    work_unused = _work_of_a_post(app, path, unused, monkeypatch)
    assert work_used == work_unused
    assert work_used["jobs"], "the email is a job for after the answer"
    assert work_used["statements"], "the job is queued in the database"
    if path == "/create-account":
        # The password is hashed whoever the address belongs to, at full test cost.
        assert work_used["hashes"] == [(128, 8, 1)]
    assert "alex@example.com" in sent, "the used address was sent its email"


def test_the_reset_email_is_sent_off_the_request_path(app, client, user, monkeypatch):
    app.config["MAIL_IN_BACKGROUND"] = True
    sent_from: list[threading.Thread] = []
    release = threading.Event()

    def held_send_mail(**_message):
        # Held until the test has its answer: sent on the request path, the answer
        # would come only after the wait, with the email already sent. (A time limit
        # here failed on a busy machine.)
        release.wait(timeout=10)
        sent_from.append(threading.current_thread())

    monkeypatch.setattr("app.mail.send_mail", held_send_mail)
    response = submit(client, "/forgot-password", {"email": user.email})
    assert response.status_code == 302
    assert not sent_from, "the answer waited for the email"
    release.set()
    response.close()  # as the WSGI server does once the response is sent
    wait_until_jobs_have_run(app)
    assert sent_from and sent_from[0] is not threading.current_thread()


def test_sign_in_with_an_unconfirmed_address_fails_like_any_wrong_password(client):
    submit(client, "/create-account", NEW)
    response = submit(client, "/sign-in", {"email": NEW["email"], "password": NEW["password"]})
    assert "Enter a correct email address and password" in response.get_data(as_text=True)
    assert PASSWORD not in response.get_data(as_text=True)
