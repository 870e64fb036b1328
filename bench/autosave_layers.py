"""Where one autosave's CPU goes, layer by layer, in-process (Flask's test client,
production settings, SQLite; the set-up of bench/instructions.py): each layer's function
is wrapped with a CPU timer, then 1,000 autosaves are sent. Layers nest (the view holds
the save, the save holds the claim); a function a checkout lacks is left out. CPU time
moves with a shared machine's load: compare the shares within one run.

    .venv/bin/python bench/autosave_layers.py
    .venv/bin/python bench/autosave_layers.py --root /path/to/another/checkout
"""

from __future__ import annotations

import argparse
import collections
import sys
import time
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--root", type=Path, default=HERE.parent)
    parser.add_argument("--requests", type=int, default=1000)
    options = parser.parse_args()
    sys.path.insert(0, str(HERE))
    import instructions

    cases, _engine = instructions._cases(options.root.resolve())
    send = cases["autosave"]
    client = next(
        cell.cell_contents
        for cell in send.__closure__ or ()
        if hasattr(cell.cell_contents, "application")
    )
    app = client.application
    spent: collections.Counter[str] = collections.Counter()
    order: list[str] = []  # as wrapped: outer layers first

    def timed(label: str, function: Any) -> Any:
        order.append(label)

        def wrapper(*args: Any, **kwargs: Any) -> Any:
            started = time.process_time_ns()
            try:
                return function(*args, **kwargs)
            finally:
                spent[label] += time.process_time_ns() - started

        return wrapper

    def wrap(owner: Any, name: str, label: str) -> None:
        if hasattr(owner, name):
            setattr(owner, name, timed(label, getattr(owner, name)))

    from sqlalchemy.orm import Session

    from app.cpd import autosave, page, services
    from app.uploads import quota

    wrap(app, "wsgi_app", "the app (WSGI), in all")
    wrap(app.session_interface, "open_session", "  opening the session (cookie, its query)")
    wrap(app.session_interface, "save_session", "  saving the session")
    wrap(app, "preprocess_request", "  before-request hooks (CSRF check, form parsed)")
    wrap(app, "dispatch_request", "  the view, in all")
    wrap(page, "read_page_post", "    reading the post (answers parsed)")
    wrap(page, "save_page", "    the save (save_page)")
    wrap(services, "get_record", "      the record's read")
    wrap(services, "claim_version", "      the compare-and-set (claim_version)")
    wrap(services, "claim_for_autosave", "      the compare-and-set (claim_for_autosave)")
    wrap(services, "write_answers", "      answers, revision, counter (write_answers)")
    wrap(services, "write_autosave", "      answers, revision, counter (write_autosave)")
    wrap(services, "_revise", "        the revision")
    wrap(quota, "charge", "        the counter's compare-and-set")
    wrap(Session, "commit", "      the commit")
    wrap(autosave, "_fragment", "    the fragment (render_template)")
    wrap(autosave, "_saved_fragment", "    the fragment (kept)")
    wrap(app, "process_response", "  after-request hooks (headers, session saved)")
    wrap(app, "do_teardown_request", "  teardown")
    loader = app.login_manager._user_callback
    app.login_manager._user_callback = timed("    signed in? (load_user)", loader)
    for _ in range(100):
        send()
    spent.clear()
    started = time.process_time_ns()
    for _ in range(options.requests):
        send()
    total = time.process_time_ns() - started
    print(f"{options.root}: CPU microseconds an autosave, mean of {options.requests}")
    print(f"  {'with the test client':55} {total / options.requests / 1000:8.1f}")
    app_total = spent["the app (WSGI), in all"]
    for label in [name for name in order if spent[name]]:
        share = spent[label] / app_total
        print(f"  {label:55} {spent[label] / options.requests / 1000:8.1f} {share:6.0%}")


if __name__ == "__main__":
    main()
