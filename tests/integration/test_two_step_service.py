"""Two-step sign-in's services against the database (SQLite, and PostgreSQL with
TEST_DATABASE_URL): setting up, single use of every code, even at the same moment."""

from __future__ import annotations

import datetime as dt
import threading

import pyotp
import pytest
from sqlmodel import Session, select

from app.auth import two_step
from app.auth.models import User
from app.auth.secret_box import SecretBox
from app.auth.two_step_models import RecoveryCode, TwoStepSetting

pytestmark = pytest.mark.db

BOX = SecretBox([bytes(range(32))])
NOW = dt.datetime(2027, 3, 1, 9, 0, 0, tzinfo=dt.UTC)


def _code(secret: str, moment: dt.datetime) -> str:
    return pyotp.TOTP(secret).at(moment.timestamp())


def _turned_on(db, user, policy, now=NOW):
    secret = two_step.start_setup(db=db, user_id=user.id, box=BOX, policy=policy, now=now)
    codes = two_step.confirm_setup(
        db=db,
        user_id=user.id,
        box=BOX,
        policy=policy,
        code=_code(secret, now),
        now=now,
        keep_token="-",
    )
    assert codes is not None
    return secret, codes


def test_setting_up_keeps_the_secret_encrypted_until_a_code_confirms_it(db, user, policy):
    secret = two_step.start_setup(db=db, user_id=user.id, box=BOX, policy=policy, now=NOW)
    row = db.exec(select(TwoStepSetting)).one()
    assert secret not in row.sealed_secret
    assert row.confirmed_at is None
    assert not two_step.is_on(db=db, user_id=user.id)
    # A reload of the set-up page shows the same secret: the app already has it.
    later = NOW + dt.timedelta(minutes=5)
    assert two_step.start_setup(db=db, user_id=user.id, box=BOX, policy=policy, now=later) == secret


def test_a_wrong_code_does_not_turn_two_step_on(db, user, policy):
    two_step.start_setup(db=db, user_id=user.id, box=BOX, policy=policy, now=NOW)
    assert (
        two_step.confirm_setup(
            db=db,
            user_id=user.id,
            box=BOX,
            policy=policy,
            code="000000",
            now=NOW,
            keep_token="-",
        )
        is None
    )
    assert not two_step.is_on(db=db, user_id=user.id)


def test_a_secret_left_waiting_too_long_is_replaced(db, user, policy):
    first = two_step.start_setup(db=db, user_id=user.id, box=BOX, policy=policy, now=NOW)
    late = NOW + policy.two_step_setup_lasts + dt.timedelta(seconds=1)
    assert (
        two_step.confirm_setup(
            db=db,
            user_id=user.id,
            box=BOX,
            policy=policy,
            code=_code(first, late),
            now=late,
            keep_token="-",
        )
        is None
    )
    assert two_step.start_setup(db=db, user_id=user.id, box=BOX, policy=policy, now=late) != first


def test_confirming_turns_it_on_gives_recovery_codes_once_and_keeps_only_hashes(db, user, policy):
    secret, codes = _turned_on(db, user, policy)
    assert two_step.is_on(db=db, user_id=user.id)
    assert len(codes) == policy.recovery_code_count
    stored = db.exec(select(RecoveryCode)).all()
    assert len(stored) == len(codes)
    for row in stored:
        assert all(two_step.normalise_recovery_code(c) not in row.code_hash for c in codes)
    # Once on, the secret is never shown again.
    assert two_step.start_setup(db=db, user_id=user.id, box=BOX, policy=policy, now=NOW) is None


def test_the_code_used_to_confirm_cannot_then_sign_in(db, user, policy):
    secret, _ = _turned_on(db, user, policy)
    assert not two_step.use_app_code(
        db=db, user_id=user.id, box=BOX, policy=policy, code=_code(secret, NOW), now=NOW
    )


def test_an_app_code_works_once_and_an_older_one_never_again(db, user, policy):
    secret, _ = _turned_on(db, user, policy)
    later = NOW + dt.timedelta(minutes=2)
    code = _code(secret, later)
    assert two_step.use_app_code(
        db=db, user_id=user.id, box=BOX, policy=policy, code=code, now=later
    )
    assert not two_step.use_app_code(
        db=db, user_id=user.id, box=BOX, policy=policy, code=code, now=later
    )
    # The previous step's code is still within the window, but older than the one used.
    earlier_code = _code(secret, later - dt.timedelta(seconds=30))
    assert not two_step.use_app_code(
        db=db, user_id=user.id, box=BOX, policy=policy, code=earlier_code, now=later
    )
    next_step = later + dt.timedelta(seconds=30)
    assert two_step.use_app_code(
        db=db, user_id=user.id, box=BOX, policy=policy, code=_code(secret, next_step), now=next_step
    )


def test_a_recovery_code_works_once(db, user, policy):
    _, codes = _turned_on(db, user, policy)
    assert two_step.recovery_codes_left(db=db, user_id=user.id) == 10
    assert two_step.use_recovery_code(db=db, user_id=user.id, code=codes[3].upper())
    assert not two_step.use_recovery_code(db=db, user_id=user.id, code=codes[3])
    assert two_step.recovery_codes_left(db=db, user_id=user.id) == 9
    assert not two_step.use_recovery_code(db=db, user_id=user.id, code="abcde-fghjk")
    assert not two_step.use_recovery_code(db=db, user_id=user.id, code="")


def test_new_recovery_codes_replace_the_old_ones(db, user, policy):
    _, old = _turned_on(db, user, policy)
    new = two_step.replace_recovery_codes(db=db, user_id=user.id, policy=policy)
    assert not set(old) & set(new)
    assert not two_step.use_recovery_code(db=db, user_id=user.id, code=old[0])
    assert two_step.use_recovery_code(db=db, user_id=user.id, code=new[0])


def test_either_kind_of_code_is_told_apart_and_used_up(db, user, policy):
    secret, codes = _turned_on(db, user, policy)
    later = NOW + dt.timedelta(minutes=1)
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(two_step, "utcnow", lambda: later)
        assert (
            two_step.use_either_code(
                db=db, user_id=user.id, box=BOX, policy=policy, code=_code(secret, later)
            )
            == "app"
        )
    assert (
        two_step.use_either_code(db=db, user_id=user.id, box=BOX, policy=policy, code=codes[0])
        == "recovery"
    )
    assert (
        two_step.use_either_code(db=db, user_id=user.id, box=BOX, policy=policy, code=codes[0])
        is None
    )


def test_turning_off_forgets_the_secret_and_the_codes(db, user, policy):
    _turned_on(db, user, policy)
    two_step.turn_off(db=db, user_id=user.id)
    assert not two_step.is_on(db=db, user_id=user.id)
    assert db.exec(select(TwoStepSetting)).all() == []
    assert db.exec(select(RecoveryCode)).all() == []


def test_deleting_the_account_deletes_its_two_step_rows(db, user, policy):
    """For account deletion: the foreign keys cascade (SQLite and PostgreSQL alike)."""
    _turned_on(db, user, policy)
    db.delete(db.get(User, user.id))
    db.commit()
    assert db.exec(select(TwoStepSetting)).all() == []
    assert db.exec(select(RecoveryCode)).all() == []


def _at_once(app, attempt, count=4):
    """Run ``attempt(session)`` in ``count`` threads released together; their results."""
    engine = app.extensions["db_engine"]
    barrier = threading.Barrier(count)
    results: list[bool] = []
    lock = threading.Lock()

    def run():
        with Session(engine) as session:
            barrier.wait()
            outcome = attempt(session)
        with lock:
            results.append(outcome)

    threads = [threading.Thread(target=run) for _ in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    return results


def test_one_recovery_code_sent_twice_at_once_is_accepted_once(app, db, user, policy):
    _, codes = _turned_on(db, user, policy)
    results = _at_once(
        app, lambda session: two_step.use_recovery_code(db=session, user_id=user.id, code=codes[0])
    )
    assert sorted(results) == [False, False, False, True]


def test_one_app_code_sent_twice_at_once_is_accepted_once(app, db, user, policy):
    secret, _ = _turned_on(db, user, policy)
    later = NOW + dt.timedelta(minutes=3)
    code = _code(secret, later)
    results = _at_once(
        app,
        lambda session: two_step.use_app_code(
            db=session, user_id=user.id, box=BOX, policy=policy, code=code, now=later
        ),
    )
    assert sorted(results) == [False, False, False, True]
