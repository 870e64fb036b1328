"""Work done after the answer has gone: sending email, and the account look-ups that
decide which email to send.

Why after: if a request looked the address up, wrote a token and talked to the mail
server only when an account exists, its timing would tell anyone who is registered. The
request writes the job down and answers at once, the same way whatever the address.

Why written down: a job held only in memory dies with its worker (gunicorn's timeout, a
deploy, a crash), and the reset link or the "your password was changed" notice with it.
Each job is a row in ``background_job`` until it has run. The worker that wrote it runs
it as soon as the answer has gone; a sweep, in every worker once a minute and in
``flask purge-expired``, runs the ones a dead worker left. A job that fails is tried
again later, up to MAX_ATTEMPTS, then given up and logged. A worker killed after sending
but before crossing the job off sends that email twice: better than never.

One worker thread per process, started on first use (so after gunicorn forks).
"""

from __future__ import annotations

import datetime as dt
import gc
import importlib
import logging
import os
import queue
import threading
from collections.abc import Callable
from typing import Any

from flask import Flask, Response, after_this_request, current_app, has_request_context
from sqlalchemy import JSON, Column, ColumnElement, delete, or_, update
from sqlmodel import Field, Session, SQLModel, col, select

from app.db import utcnow

log = logging.getLogger(__name__)

MAX_ATTEMPTS = 5
# A job not yet claimed this long after it was written lost its worker before it ran.
UNCLAIMED_GRACE = dt.timedelta(seconds=30)
# A job claimed this long ago lost its worker while running (sending an email takes
# seconds; the mail server's timeout is 10 s), or failed and waits to be tried again.
RETRY_AFTER = dt.timedelta(minutes=5)
SWEEP_SECONDS = 60
SWEEP_BATCH = 100
# Jobs name a function; a row can only name one of the app's own.
_JOB_PACKAGE = "app."


class BackgroundJob(SQLModel, table=True):
    __tablename__ = "background_job"

    id: int | None = Field(default=None, primary_key=True)
    job: str = Field(max_length=200)
    arguments: dict[str, Any] = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))
    created_at: dt.datetime = Field(index=True)
    claimed_at: dt.datetime | None = Field(default=None, index=True)
    attempts: int = 0


_lock = threading.Lock()
_state: dict[str, Any] = {"pid": None, "queue": None, "app": None}


def _wakeups(app: Flask) -> queue.Queue[int | None]:
    with _lock:
        _state["app"] = app
        if _state["pid"] != os.getpid():
            _state["pid"] = os.getpid()
            _state["queue"] = queue.Queue()
            threading.Thread(target=_work, args=(_state["queue"],), daemon=True).start()
        wakeups: queue.Queue[int | None] = _state["queue"]
        return wakeups


def _work(wakeups: queue.Queue[int | None]) -> None:
    while True:
        try:
            job_id = wakeups.get(timeout=SWEEP_SECONDS)
        except queue.Empty:
            job_id = None
        try:
            app: Flask = _state["app"]
            if job_id is None:
                run_due_jobs(app)
            else:
                _run(app, job_id, stale_before=None)
        except Exception:
            log.exception("Background jobs could not be run")
        finally:
            # Collect the job's garbage now, in this thread: otherwise the next request
            # pays for it, and a slower next request would tell that an email was sent.
            gc.collect()
            if job_id is not None:
                wakeups.task_done()


def _name_of(job: Callable[..., None]) -> str:
    name = f"{job.__module__}:{job.__qualname__}"
    if not name.startswith(_JOB_PACKAGE) or "<" in name:
        raise ValueError(f"{name} cannot be a background job: use a module-level function")
    return name


def _function(name: str) -> Callable[..., None] | None:
    module, _, qualname = name.partition(":")
    if not module.startswith(_JOB_PACKAGE) or not qualname.isidentifier():
        return None
    function = getattr(importlib.import_module(module), qualname, None)
    return function if callable(function) else None


def _engine(app: Flask) -> Any:
    return app.extensions["db_engine"]


def _run(app: Flask, job_id: int, *, stale_before: dt.datetime | None) -> bool:
    """Claim the job and run it; False if another worker has it (or it is gone).
    ``stale_before``: also take it over if it was claimed before then."""
    now = utcnow()
    claimable: ColumnElement[bool] = col(BackgroundJob.claimed_at).is_(None)
    if stale_before is not None:
        claimable = or_(claimable, col(BackgroundJob.claimed_at) < stale_before)
    with Session(_engine(app)) as db:
        claimed = db.execute(
            update(BackgroundJob)
            .where(col(BackgroundJob.id) == job_id, claimable)
            .values(claimed_at=now, attempts=col(BackgroundJob.attempts) + 1)
            .returning(col(BackgroundJob.job), col(BackgroundJob.arguments))
        ).first()
        db.commit()
    if claimed is None:
        return False
    name, arguments = claimed
    function = _function(name)
    if function is None:
        log.error("Background job %s refused: not one of the app's functions", job_id)
        _cross_off(app, job_id)
        return True
    try:
        with app.app_context():
            function(**arguments)
    except Exception:
        # The arguments are not logged: they hold email addresses.
        log.exception("Background job %s (%s) failed; it will be tried again", job_id, name)
        return True
    _cross_off(app, job_id)
    return True


def _cross_off(app: Flask, job_id: int) -> None:
    with Session(_engine(app)) as db:
        db.execute(delete(BackgroundJob).where(col(BackgroundJob.id) == job_id))
        db.commit()


def run_due_jobs(app: Flask) -> int:
    """Run the jobs that no worker is running: left by a worker that died, or failed
    and due to be tried again. Gives up on a job tried MAX_ATTEMPTS times. Returns how
    many were run (or given up)."""
    now = utcnow()
    stale_before = now - RETRY_AFTER
    with Session(_engine(app)) as db:
        given_up = db.exec(
            select(BackgroundJob.id, BackgroundJob.job).where(
                col(BackgroundJob.attempts) >= MAX_ATTEMPTS,
                col(BackgroundJob.claimed_at) < stale_before,
            )
        ).all()
        for job_id, name in given_up:
            log.error("Background job %s (%s) gave up after %s tries", job_id, name, MAX_ATTEMPTS)
        if given_up:
            db.execute(
                delete(BackgroundJob).where(col(BackgroundJob.id).in_([i for i, _ in given_up]))
            )
            db.commit()
        due = db.exec(
            select(BackgroundJob.id)
            .where(
                col(BackgroundJob.attempts) < MAX_ATTEMPTS,
                or_(
                    (col(BackgroundJob.claimed_at).is_(None))
                    & (col(BackgroundJob.created_at) < now - UNCLAIMED_GRACE),
                    col(BackgroundJob.claimed_at) < stale_before,
                ),
            )
            .order_by(col(BackgroundJob.id))
            .limit(SWEEP_BATCH)
        ).all()
    ran = sum(
        1 for job_id in due if job_id is not None and _run(app, job_id, stale_before=stale_before)
    )
    return ran + len(given_up)


def run_later(job: Callable[..., None], **kwargs: Any) -> None:
    """Run ``job(**kwargs)`` in its own app context once this request has been answered.
    ``job`` is a module-level function of the app; ``kwargs`` must be JSON.
    MAIL_IN_BACKGROUND=False runs it at once, for tests that read the email straight after."""
    app: Flask = current_app._get_current_object()  # type: ignore[attr-defined]
    if not app.config.get("MAIL_IN_BACKGROUND", True):
        job(**kwargs)
        return
    with Session(_engine(app)) as db:
        row = BackgroundJob(job=_name_of(job), arguments=kwargs, created_at=utcnow())
        db.add(row)
        db.commit()
        job_id = row.id
    if not has_request_context():
        _wakeups(app).put(job_id)
        return

    # Woken once the response has been sent: a job running alongside the end of its
    # own request would slow that request down, and so tell on the address.
    @after_this_request
    def run_when_sent(response: Response) -> Response:
        response.call_on_close(lambda: _wakeups(app).put(job_id))
        return response
