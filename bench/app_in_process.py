"""Set-up shared by the in-process benchmarks (bench/inprocess.py, bench/your_cpd.py):
the app with production settings in a throwaway SQLite database, people in it, and a
signed-in Flask test client. No HTTP, no server.

Whatever ``app`` is first on ``sys.path`` is the one set up, so a benchmark can measure
another checkout (``your_cpd.py --root``)."""

from __future__ import annotations

import os
import tempfile
from pathlib import Path
from typing import Any

BASE = "https://localhost"  # production cookies are Secure; CSRF checks the Referer


def production_app() -> Any:
    """The app (``create_app``) with production settings, its database at Alembic's head."""
    work = Path(tempfile.mkdtemp())
    os.environ.update(
        RECORD_CPD_CONFIG="production",
        MAIL_BACKEND="smtp",
        TWO_STEP_KEYS="ab" * 32,
        DATABASE_URL=f"sqlite:///{work}/bench.db",
        RECORD_CPD_INSTANCE_DIR=str(work),
        SECRET_KEY="benchmark-secret-key-9c4e1a7f3b8d2c6e0a5f9b3d7e1c4a8f",
        PUBLIC_BASE_URL=BASE,
    )
    os.environ.pop("REDIS_URL", None)
    from alembic import command

    from app import create_app
    from app.cli import alembic_config

    app = create_app()
    command.upgrade(alembic_config(os.environ["DATABASE_URL"]), "head")
    return app


def create_person(app: Any, db: Any, email: str) -> Any:
    """A confirmed account (the User), in ``db``."""
    from app.auth import services
    from tests.conftest import PASSWORD

    return services.create_account(
        db=db,
        policy=app.extensions["policy"],
        full_name="Robin Tester",
        email=email,
        registration_number=None,
        password=PASSWORD,
    )


def signed_in(app: Any, email: str) -> Any:
    """A Flask test client signed in as ``email``."""
    from tests.conftest import PASSWORD, csrf_token_from

    client = app.test_client()
    page = client.get(f"{BASE}/sign-in").get_data(as_text=True)
    response = client.post(
        f"{BASE}/sign-in",
        headers={"Referer": f"{BASE}/sign-in"},
        data={"csrf_token": csrf_token_from(page), "email": email, "password": PASSWORD},
    )
    assert response.status_code == 302, response.status_code
    return client


TEXT = ("I reflected on how the Care Act duties shape a proportionate enquiry. " * 15)[:1000]


def first_autosave(client: Any) -> tuple[dict[str, str], dict[str, str], str]:
    """Open the structured form and autosave a first draft from it, as the page's script
    does: the htmx headers, the answers sent and the new draft's id, for more autosaves."""
    from tests.conftest import csrf_token_from

    form_page = client.get(f"{BASE}/your-cpd/new/structured").get_data(as_text=True)
    headers = {
        "HX-Request": "true",
        "X-CSRFToken": csrf_token_from(form_page),
        "Referer": f"{BASE}/your-cpd/new/structured",
    }
    answers = {
        "form_type": "structured",
        "editor": "bench-page",
        "title": "Benchmark draft",
        "what_you_did": TEXT,
        "what_you_learned": TEXT,
        "standard_parts": "4.3",
    }
    first = client.post(
        f"{BASE}/your-cpd/autosave",
        data={**answers, "record_id": "", "version": ""},
        headers=headers,
    )
    assert first.status_code == 200, first.status_code
    return headers, answers, first.headers["HX-Replace-Url"].split("/")[2]
