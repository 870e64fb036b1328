import datetime as dt

import pytest
from sqlmodel import Session, select, update

from app.auth.models import UserSession
from app.auth.sessions import check_session, revoke_all_sessions, revoke_session, start_session
from app.policy import Policy
from tests.support.queries import statements_sent

pytestmark = pytest.mark.db

NOW = dt.datetime(2026, 11, 28, 12, 0, tzinfo=dt.UTC)
EVERY_TIME = dt.timedelta(0)


def _start(db: Session, user_id: int, at: dt.datetime) -> str:
    token = start_session(db=db, user_id=user_id)
    record = db.exec(select(UserSession)).all()[-1]
    record.created_at = record.last_seen_at = at
    db.add(record)
    db.commit()
    return token


def test_only_the_tokens_hash_is_stored(db, user):
    token = start_session(db=db, user_id=user.id)
    stored = db.exec(select(UserSession)).one()
    assert token not in stored.token_hash
    assert len(stored.token_hash) == 64


def test_a_session_ends_after_the_idle_timeout(db, user, policy: Policy):
    token = _start(db, user.id, NOW)
    just_inside = NOW + policy.session_idle_timeout
    assert check_session(
        db=db, token=token, policy=policy, touch_after=EVERY_TIME, now=just_inside
    ).record
    # Activity moved "last seen" on, so the idle clock starts again from there.
    later = just_inside + policy.session_idle_timeout
    assert check_session(
        db=db, token=token, policy=policy, touch_after=EVERY_TIME, now=later
    ).record
    too_late = later + policy.session_idle_timeout + dt.timedelta(seconds=1)
    result = check_session(db=db, token=token, policy=policy, touch_after=EVERY_TIME, now=too_late)
    assert result.record is None and result.ended_because == "expired"


def test_a_session_ends_at_its_absolute_age_even_when_active(db, user, policy: Policy):
    token = _start(db, user.id, NOW)
    moment = NOW
    while moment < NOW + policy.session_absolute_timeout:
        moment += dt.timedelta(minutes=50)
        result = check_session(
            db=db, token=token, policy=policy, touch_after=EVERY_TIME, now=moment
        )
    assert moment > NOW + policy.session_absolute_timeout
    assert result.record is None and result.ended_because == "expired"


def test_a_revoked_session_stays_ended(db, user, policy: Policy):
    token = start_session(db=db, user_id=user.id)
    revoke_session(db=db, token=token)
    assert check_session(db=db, token=token, policy=policy, touch_after=EVERY_TIME).record is None


def test_revoking_all_sessions_ends_every_device(db, user, policy: Policy):
    tokens = [start_session(db=db, user_id=user.id) for _ in range(3)]
    revoke_all_sessions(db=db, user_id=user.id)
    for token in tokens:
        assert (
            check_session(db=db, token=token, policy=policy, touch_after=EVERY_TIME).record is None
        )


def test_last_seen_is_not_rewritten_on_every_request(db, user, policy: Policy):
    token = _start(db, user.id, NOW)
    check_session(
        db=db,
        token=token,
        policy=policy,
        touch_after=dt.timedelta(seconds=30),
        now=NOW + dt.timedelta(seconds=10),
    )
    record = db.exec(select(UserSession)).one()
    db.refresh(record)
    assert record.last_seen_at == NOW


def test_a_signed_in_request_finds_the_session_and_its_user_in_one_query(db, user, policy):
    token = start_session(db=db, user_id=user.id)
    db.expunge_all()  # nothing already loaded: count what a fresh request does
    with statements_sent(db.get_bind()) as statements:
        result = check_session(db=db, token=token, policy=policy, touch_after=dt.timedelta(hours=1))
    assert result.user is not None and result.user.email == user.email
    assert len(statements) == 1, statements


def _statements_during(app, request) -> list[str]:
    with statements_sent(app) as statements:
        request()
    return statements


def test_a_signed_in_page_reads_the_browser_session_and_sign_in_in_one_statement(
    app, signed_in_client
):
    """The browser session's row names its sign-in, so one query brings the session's
    data, the sign-in and the person (two round trips before, issue 13)."""
    signed_in_client.get("/account")  # the sign-in's "last seen" is fresh
    statements = _statements_during(app, lambda: signed_in_client.get("/account"))
    assert len(statements) == 1, statements
    assert "browser_session" in statements[0] and "user_session" in statements[0]


def test_a_browser_session_saved_before_it_named_its_sign_in_still_signs_in(
    app, db, signed_in_client, user
):
    from app.server_sessions import BrowserSession

    signed_in_client.get("/account")  # whatever the first page after signing in saves
    db.exec(update(BrowserSession).values(sign_in_hash=None))
    db.commit()
    statements = _statements_during(app, lambda: signed_in_client.get("/account"))
    page = signed_in_client.get("/account")
    assert page.status_code == 200 and user.full_name in page.get_data(as_text=True)
    assert len(statements) == 2  # the sign-in looked up by its token, as before


def test_the_browser_session_forgets_its_sign_in_when_it_ends(app, db, signed_in_client):
    from app.server_sessions import BrowserSession

    [row] = db.exec(select(BrowserSession)).all()
    [sign_in] = db.exec(select(UserSession)).all()
    assert row.sign_in_hash == sign_in.token_hash
    db.exec(update(UserSession).values(revoked_at=NOW))
    db.commit()
    # Revoked elsewhere (another device signed everyone out): this browser is signed out,
    # and its session no longer names the sign-in.
    assert signed_in_client.get("/account").status_code == 302
    db.expire_all()
    rows = db.exec(select(BrowserSession)).all()
    assert all(each.sign_in_hash is None for each in rows)
