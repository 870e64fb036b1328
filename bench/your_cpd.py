"""In-process time of GET /your-cpd for one person with 20 records and one with 1,000,
in one run, with Flask's test client (no HTTP): the page must cost about the same at
any size. Every record is recorded and dated in this registration year, the worst case
for the page (all of them belong on it, a page at a time). Prints the median
milliseconds, the HTML bytes and the ratio.

    .venv/bin/python bench/your_cpd.py
    .venv/bin/python bench/your_cpd.py --root /path/to/another/checkout   # e.g. before
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SIZES = (20, 1000)
REQUESTS = 30
TEXT = ("I reflected on how the Care Act duties shape a proportionate enquiry. " * 8)[:500]
BASE = "https://localhost"  # production cookies are Secure; CSRF checks the Referer


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--root", type=Path, default=ROOT, help="the checkout to measure")
    options = parser.parse_args()
    sys.path.insert(0, str(options.root))
    sys.path.insert(1, str(ROOT))  # tests.conftest, should the other checkout lack it
    work = Path(tempfile.mkdtemp())
    os.environ.update(
        RECORD_CPD_CONFIG="production",
        MAIL_BACKEND="smtp",
        DATABASE_URL=f"sqlite:///{work}/bench.db",
        RECORD_CPD_INSTANCE_DIR=str(work),
        SECRET_KEY="benchmark-secret-key",
        PUBLIC_BASE_URL=BASE,
    )
    os.environ.pop("REDIS_URL", None)
    from alembic import command
    from sqlmodel import Session

    from app import create_app
    from app.auth import services
    from app.cli import alembic_config
    from app.cpd import rules
    from app.cpd.models import RECORDED, CpdRecord
    from app.db import utcnow
    from tests.conftest import PASSWORD, csrf_token_from

    app = create_app()
    command.upgrade(alembic_config(os.environ["DATABASE_URL"]), "head")
    policy = app.extensions["policy"]
    start, end = rules.registration_year_containing(policy.today(), policy)
    days = (min(end, policy.today()) - start).days + 1
    parts = [part.number for part in policy.standard_parts]

    def seed(count: int) -> str:
        email = f"bench-{count}@example.com"
        with app.app_context(), Session(app.extensions["db_engine"]) as db:
            user = services.create_account(
                db=db,
                policy=policy,
                full_name="Robin Tester",
                email=email,
                registration_number=None,
                password=PASSWORD,
            )
            for number in range(count):
                day = start + dt.timedelta(days=number % days)
                db.add(
                    CpdRecord(
                        owner_id=user.id,
                        form_type="structured",
                        status=RECORDED,
                        answers={
                            "title": f"Supervision session {number}",
                            "what_you_did": TEXT,
                            "what_you_learned": TEXT,
                            "standard_parts": parts[number % len(parts) :][:2],
                            "completed_day": str(day.day),
                            "completed_month": str(day.month),
                            "completed_year": str(day.year),
                        },
                        completed_on=day,
                        recorded_at=utcnow(),
                    )
                )
            db.commit()
        return email

    def signed_in(email: str):  # type: ignore[no-untyped-def]
        client = app.test_client()
        page = client.get(f"{BASE}/sign-in").get_data(as_text=True)
        response = client.post(
            f"{BASE}/sign-in",
            headers={"Referer": f"{BASE}/sign-in"},
            data={"csrf_token": csrf_token_from(page), "email": email, "password": PASSWORD},
        )
        assert response.status_code == 302, response.status_code
        return client

    clients = {count: signed_in(seed(count)) for count in SIZES}
    results: dict[int, tuple[float, int]] = {}
    for count, client in clients.items():
        for _ in range(5):  # warm up: templates compiled, caches filled
            client.get(f"{BASE}/your-cpd")
        times = []
        for _ in range(REQUESTS):
            started = time.perf_counter()
            response = client.get(f"{BASE}/your-cpd")
            times.append(time.perf_counter() - started)
            assert response.status_code == 200, response.status_code
        results[count] = (statistics.median(times) * 1000, len(response.get_data()))
    for count, (ms, size) in results.items():
        print(f"GET /your-cpd with {count:>5} records: {ms:7.1f} ms, {size:>9,} bytes of HTML")
    small, large = (results[count][0] for count in SIZES)
    print(f"ratio {SIZES[1]} / {SIZES[0]} records: {large / small:.2f}")


if __name__ == "__main__":
    main()
