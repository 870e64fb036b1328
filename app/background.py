"""Work done after the answer has gone: sending email, and the account look-ups that
decide which email to send.

Why: if a request looked the address up, wrote a token and talked to the mail server
only when an account exists, its timing would tell anyone who is registered. The request
hands the job over and answers at once, the same way whatever the address.

One worker thread per process, started on first use (so after gunicorn forks). Jobs are
in memory: a job queued when a worker is killed is lost, and the person asks again.
"""

from __future__ import annotations

import gc
import logging
import os
import queue
import threading
from collections.abc import Callable
from typing import Any

from flask import Flask, Response, after_this_request, current_app, has_request_context

log = logging.getLogger(__name__)

_lock = threading.Lock()
_state: dict[str, Any] = {"pid": None, "queue": None}


def _jobs() -> queue.Queue[tuple[Flask, Callable[..., None], dict[str, Any]]]:
    with _lock:
        if _state["pid"] != os.getpid():
            _state["pid"] = os.getpid()
            _state["queue"] = queue.Queue()
            threading.Thread(target=_work, args=(_state["queue"],), daemon=True).start()
        jobs: queue.Queue[tuple[Flask, Callable[..., None], dict[str, Any]]] = _state["queue"]
        return jobs


def _work(jobs: queue.Queue[tuple[Flask, Callable[..., None], dict[str, Any]]]) -> None:
    while True:
        app, job, kwargs = jobs.get()
        try:
            with app.app_context():
                job(**kwargs)
        except Exception:
            log.exception("Background job %s failed", getattr(job, "__name__", job))
        finally:
            # Collect the job's garbage now, in this thread: otherwise the next request
            # pays for it, and a slower next request would tell that an email was sent.
            gc.collect()
            jobs.task_done()


def run_later(job: Callable[..., None], **kwargs: Any) -> None:
    """Run ``job(**kwargs)`` in its own app context once this request has been answered.
    MAIL_IN_BACKGROUND=False runs it at once, for tests that read the email straight after."""
    app: Flask = current_app._get_current_object()  # type: ignore[attr-defined]
    if not app.config.get("MAIL_IN_BACKGROUND", True):
        job(**kwargs)
        return
    if not has_request_context():
        _jobs().put((app, job, kwargs))
        return

    # Queued once the response has been sent: a job running alongside the end of its
    # own request would slow that request down, and so tell on the address.
    @after_this_request
    def queue_when_sent(response: Response) -> Response:
        response.call_on_close(lambda: _jobs().put((app, job, kwargs)))
        return response


def wait_until_idle() -> None:
    """Block until every queued job has run (tests, and a clean shutdown)."""
    jobs = _state["queue"]
    if jobs is not None and _state["pid"] == os.getpid():
        jobs.join()
