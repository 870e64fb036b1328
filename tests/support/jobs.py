"""Waiting for the jobs run after an answer (app/background.py) in this process."""

from __future__ import annotations

import time

from flask import Flask
from sqlmodel import Session, func, select

from app.background import BackgroundJob


def wait_until_jobs_have_run(app: Flask, *, seconds: float = 30.0) -> None:
    """Until no job is left in the table: each job's row is crossed off once it has run.
    For tests whose jobs all succeed (a failed one stays, to be tried again)."""
    deadline = time.monotonic() + seconds
    while True:
        with Session(app.extensions["db_engine"]) as db:
            left = db.exec(select(func.count()).select_from(BackgroundJob)).one()
        if not left:
            return
        assert time.monotonic() < deadline, f"{left} background job(s) still not run"
        time.sleep(0.01)
