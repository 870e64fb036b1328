"""Renewal-peak benchmark with faults, against the cluster `make run-cluster` runs
(nginx, two app instances, PostgreSQL, Redis), on 127.0.0.1 only, in a database it
creates and drops. Bounded: it stops by itself after --seconds (default 60) plus set-up.

The mix is shaped like the last days before the deadline: autosaves (default 300 a
second), Your CPD, recorded saves, sign-ins and a few document uploads, each sent open-
loop at a steady rate. In the middle one app instance is killed (SIGKILL) and started
again, and PostgreSQL is restarted once. A request that fails (refused, 5xx, timed out)
is sent again the way the browser does it: the page keeps its copy and resends that same
copy every 15 s until the server acknowledges it.

Afterwards every acknowledged write is looked for in the database: each person's draft
must hold the last autosave the server acknowledged, and each acknowledged recorded save
and upload must be there. p50/p95/p99 per request type (from the moment it was due, so
queueing counts) and 5xx per phase are printed.

    .venv/bin/python bench/peak.py                     # 60 s, 300 autosaves a second
    .venv/bin/python bench/peak.py --seconds 20 --autosaves 100

PostgreSQL is restarted with pg_ctlcluster (root, the python-svc machines); other users
of the same server see it restart too.
"""

from __future__ import annotations

import argparse
import html
import http.client
import json
import re
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from collections import defaultdict
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from sqlalchemy import create_engine, text  # noqa: E402

from deploy.cluster import Cluster, drop_postgres_database, running  # noqa: E402
from tests.support.http_client import PASSWORD, Client, create_accounts  # noqa: E402
from tests.support.sample_files import pdf  # noqa: E402
from tests.support.servers import free_port  # noqa: E402

LONG_TEXT = ("I reflected on how the Care Act duties shape a proportionate enquiry. " * 12)[:800]
# As static/js/device-copies.mjs (RETRY_MS): a copy the server did not acknowledge stays
# on the device and is sent again every 15 seconds while the page is online.
RETRY_WAIT_SECONDS = 15.0
GIVE_UP_SECONDS = 120.0


@dataclass
class Person:
    client: Client
    email: str
    record_id: str = ""
    editor: str = field(default_factory=lambda: uuid.uuid4().hex)
    autosaves_acknowledged: int = 0
    lock: threading.Lock = field(default_factory=threading.Lock)


@dataclass
class Outcome:
    kind: str
    due: float
    latency_ms: float
    status: int
    attempts: int
    acknowledged: bool
    problem: str = ""  # for a 4xx: what the page said was wrong


@dataclass
class Run:
    started: float
    outcomes: list[Outcome] = field(default_factory=list)
    server_errors: list[tuple[float, str, int]] = field(default_factory=list)
    saves: list[str] = field(default_factory=list)  # titles of acknowledged recorded saves
    uploads: list[str] = field(default_factory=list)  # file names of acknowledged uploads
    faults: list[tuple[float, str]] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def now(self) -> float:
        return time.monotonic() - self.started


def problem_text(body: str) -> str:
    """What a 4xx page says is wrong, so a refusal explains itself: the entries of a
    re-shown form's GOV.UK error summary (with the form's warnings about what may
    identify a person, which a missing anonymisation confirmation is about), else the
    page's heading, else its text."""
    summary = re.search(r'govuk-error-summary__list">(.*?)</ul>', body, re.S)
    if summary:
        entries = re.findall(r"<li>(.*?)</li>", summary.group(1), re.S)
        entries += [
            re.sub(r'<span class="govuk-visually-hidden">.*?</span>', "", warning)
            for warning in re.findall(r'govuk-warning-text__text">(.*?)</strong>', body, re.S)
            if "may identify a person" in warning or "could not be checked" in warning
        ]
    else:
        entries = re.findall(r"<h1[^>]*>(.*?)</h1>", body, re.S) or [body]
    words = (" ".join(html.unescape(re.sub(r"<[^>]+>", " ", e)).split()) for e in entries)
    return "; ".join(w for w in words if w)[:400]


def send_until_acknowledged(
    run: Run, kind: str, due: float, send, acknowledged_when
) -> tuple[bool, int, object]:
    """Send, and on a refused connection, a 5xx or a timeout resend the same request
    after a short wait, as the page does with its copy. ``send`` returns (status, body,
    reply). Returns (acked, status, reply)."""
    attempts, status, body, reply = 0, 0, "", None
    while True:
        attempts += 1
        try:
            status, body, reply = send()
        except (OSError, http.client.HTTPException):
            status, body = 0, ""
        if status >= 500:
            with run.lock:
                run.server_errors.append((run.now(), kind, status))
        acked = acknowledged_when(status)
        if acked or (0 < status < 500) or time.monotonic() - due > GIVE_UP_SECONDS:
            break
        time.sleep(RETRY_WAIT_SECONDS)
    latency = (time.monotonic() - due) * 1000
    problem = problem_text(body) if 400 <= status < 500 else ""
    with run.lock:
        run.outcomes.append(
            Outcome(kind, due - run.started, latency, status, attempts, acked, problem)
        )
    return acked, status, reply


def htmx(person: Person) -> dict[str, str]:
    return {"HX-Request": "true", "X-CSRFToken": person.client.token}


def autosave_fields(person: Person, sequence: int) -> dict[str, str]:
    return {
        "form_type": "structured",
        "record_id": person.record_id,
        "version": "1",
        "editor": person.editor,
        "title": f"Peak draft {person.email}",
        "what_you_did": f"{LONG_TEXT} [autosave {sequence}]",
        "standard_parts": "4.3",
    }


def autosave(run: Run, person: Person, due: float) -> None:
    with person.lock:  # a page has one autosave in flight at a time, as htmx queues them
        sequence = person.autosaves_acknowledged + 1

        def send():
            status, body, _headers = person.client.request(
                "POST", "/your-cpd/autosave", autosave_fields(person, sequence), htmx(person)
            )
            return status, body, body

        acked, _status, body = send_until_acknowledged(
            run, "autosave", due, send, lambda status: status == 200
        )
        if acked:
            person.autosaves_acknowledged = sequence
            # As the page does: the draft's number from the answer's autosave-state block.
            # Not HX-Replace-Url, which only the request that made the draft gets: when
            # the first autosave's answer is lost (a client timeout) but the server saved
            # it, its resend finds that draft by the page's editor token and says nothing.
            found = re.search(r'name="record_id" value="(\d+)"', str(body))
            if not person.record_id and found:
                person.record_id = found.group(1)


def your_cpd(run: Run, person: Person, due: float) -> None:
    send_until_acknowledged(
        run,
        "your CPD",
        due,
        lambda: (*person.client.request("GET", "/your-cpd")[:2], None),
        lambda status: status == 200,
    )


def recorded_save_form(csrf_token: str, number: int) -> dict[str, str | list[str]]:
    """A structured form with every answer, posted with "Save and record". Its title is
    unique within the run's own database and holds nothing the anonymisation check could
    take for an identifier: a random suffix ("b462bb") looked like a postcode to it about
    one time in fifty, and the form was rightly re-shown asking the person to confirm."""
    return {
        "csrf_token": csrf_token,
        "editor": uuid.uuid4().hex,
        "title": f"Peak recorded {number}",
        "completed_day": "3",
        "completed_month": "6",
        "completed_year": "2026",
        "activity_type": "course",
        "what_you_did": LONG_TEXT,
        "what_you_learned": LONG_TEXT,
        "practice_change": "I now check consent first.",
        "standard_parts": ["4.3", "4.4"],
        "action": "record",
    }


def recorded_save(run: Run, person: Person, due: float, number: int) -> None:
    form = recorded_save_form(person.client.token, number)
    title = str(form["title"])
    acked, _status, _reply = send_until_acknowledged(
        run,
        "recorded save",
        due,
        lambda: (*person.client.request("POST", "/your-cpd/new/structured", form)[:2], None),
        lambda status: status == 302,
    )
    if acked:
        with run.lock:
            run.saves.append(title)


def sign_in(run: Run, person: Person, due: float) -> None:
    def send():
        # A new visitor: the sign-in page (for its token), then the form, both again on
        # a retry, as a person reloading the page would.
        visitor = Client(person.client.port)
        visitor.request("GET", "/sign-in")
        form = {"csrf_token": visitor.token, "email": person.email, "password": PASSWORD}
        return *visitor.request("POST", "/sign-in", form)[:2], None

    send_until_acknowledged(run, "sign-in", due, send, lambda status: status == 302)


def multipart(fields: dict[str, str], filename: str, content: bytes) -> tuple[bytes, str]:
    boundary = uuid.uuid4().hex
    parts = [
        f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"\r\n\r\n{value}\r\n'.encode()
        for name, value in fields.items()
    ]
    parts.append(
        f'--{boundary}\r\nContent-Disposition: form-data; name="documents"; '
        f'filename="{filename}"\r\nContent-Type: application/pdf\r\n\r\n'.encode()
        + content
        + b"\r\n"
    )
    return b"".join(parts) + f"--{boundary}--\r\n".encode(), boundary


def upload(run: Run, person: Person, due: float, number: int) -> None:
    filename = f"peak-{number}-{uuid.uuid4().hex[:6]}.pdf"
    fields = {
        "form_type": "unstructured",
        "editor": uuid.uuid4().hex,
        "title": f"Peak upload {number}",
        "description": "Notes from supervision.",
    }
    body, boundary = multipart(fields, filename, pdf("Notes from a peer supervision session"))

    def send():
        connection = http.client.HTTPConnection("127.0.0.1", person.client.port, timeout=15)
        try:
            connection.request(
                "POST",
                "/your-cpd/documents",
                body=body,
                headers={
                    "Cookie": person.client.cookie,
                    "Content-Type": f"multipart/form-data; boundary={boundary}",
                    **htmx(person),
                },
            )
            response = connection.getresponse()
            return response.status, response.read().decode(errors="replace"), None
        finally:
            connection.close()

    acked, _status, _reply = send_until_acknowledged(
        run, "upload", due, send, lambda status: status == 200
    )
    if acked:
        with run.lock:
            run.uploads.append(filename)


def schedule(rate: float, seconds: float) -> list[float]:
    """Due times (seconds from the start) of an open-loop stream at a steady rate."""
    if rate <= 0:
        return []
    return [n / rate for n in range(int(rate * seconds))]


def faults(run: Run, cluster: Cluster, seconds: float) -> None:
    def at(moment: float) -> None:
        time.sleep(max(0.0, moment - run.now()))

    at(seconds * 0.25)
    cluster.kill_instance(0)
    run.faults.append((run.now(), "instance 0 killed (SIGKILL)"))
    at(seconds * 0.40)
    cluster.start_instance(0)
    run.faults.append((run.now(), "instance 0 started again"))
    at(seconds * 0.65)
    started = run.now()
    version = subprocess.run(  # noqa: S603
        ["ls", "/etc/postgresql"], capture_output=True, text=True, check=True
    ).stdout.split()[0]
    subprocess.run(  # noqa: S603
        ["pg_ctlcluster", "--skip-systemctl-redirect", version, "main", "restart"], check=True
    )
    run.faults.append((started, f"PostgreSQL restart began (done at {run.now():.1f} s)"))


def _as_dict(answers: object) -> dict:
    """JSON columns come back parsed on PostgreSQL, as text on some drivers."""
    return json.loads(answers) if isinstance(answers, str) else dict(answers)  # type: ignore[arg-type]


def verify(run: Run, people: list[Person], database_url: str) -> list[str]:
    """Every acknowledged write, looked for in the database."""
    problems: list[str] = []
    engine = create_engine(database_url)
    with engine.connect() as connection:
        for person in people:
            if not person.autosaves_acknowledged:
                continue
            if not person.record_id:
                problems.append(f"{person.email}: autosaves acknowledged, no draft number given")
                continue
            answers = connection.execute(
                text("SELECT answers FROM cpd_record WHERE id = :id"),
                {"id": int(person.record_id)},
            ).scalar_one()
            answers = _as_dict(answers)
            expected = f"[autosave {person.autosaves_acknowledged}]"
            if not answers.get("what_you_did", "").endswith(expected):
                problems.append(f"record {person.record_id}: lost {expected}")
        titles = {
            _as_dict(answers).get("title")
            for (answers,) in connection.execute(
                text("SELECT answers FROM cpd_record WHERE status = 'recorded'")
            )
        }
        problems += [f"recorded save lost: {t}" for t in run.saves if t not in titles]
        names = {row[0] for row in connection.execute(text("SELECT filename FROM cpd_document"))}
        problems += [f"upload lost: {n}" for n in run.uploads if n not in names]
    engine.dispose()
    return problems


def percentile(values: list[float], share: float) -> float:
    if len(values) < 2:
        return values[0] if values else 0.0
    return statistics.quantiles(values, n=100, method="inclusive")[int(share * 100) - 1]


def report(run: Run, seconds: float, problems: list[str], people: int) -> None:
    by_kind: dict[str, list[Outcome]] = defaultdict(list)
    for outcome in run.outcomes:
        by_kind[outcome.kind].append(outcome)
    print(f"\n{people} people, {seconds:.0f} s of load; faults:")
    for moment, what in sorted(run.faults):
        print(f"  {moment:6.1f} s  {what}")
    print(
        f"\n{'request':15} {'sent':>6} {'per s':>6} {'acked':>6} {'retried':>7} "
        f"{'p50 ms':>8} {'p95 ms':>8} {'p99 ms':>8}"
    )
    for kind, outcomes in sorted(by_kind.items()):
        latencies = [o.latency_ms for o in outcomes]
        print(
            f"{kind:15} {len(outcomes):6d} {len(outcomes) / seconds:6.1f} "
            f"{sum(o.acknowledged for o in outcomes):6d} "
            f"{sum(o.attempts > 1 for o in outcomes):7d} "
            f"{percentile(latencies, 0.50):8.0f} {percentile(latencies, 0.95):8.0f} "
            f"{percentile(latencies, 0.99):8.0f}"
        )
    never = [o for o in run.outcomes if not o.acknowledged]
    print(f"\nnever acknowledged (after retries): {len(never)}")
    for o in never[:10]:
        print(f"  {o.kind} due at {o.due:.1f} s: last status {o.status}")
        if o.problem:
            print(f"    the page said: {o.problem}")
    buckets: dict[int, int] = defaultdict(int)
    for moment, _kind, _status in run.server_errors:
        buckets[int(moment // 5) * 5] += 1
    print("5xx answers by time (each then retried):")
    for start in sorted(buckets):
        print(f"  {start:4d}-{start + 5:<4d} s: {buckets[start]}")
    if not buckets:
        print("  none")
    print(f"\nacknowledged writes missing from the database: {len(problems)}")
    for problem in problems[:20]:
        print(f"  {problem}")


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--seconds", type=float, default=60)
    parser.add_argument("--autosaves", type=float, default=300, help="per second")
    parser.add_argument("--your-cpd", type=float, default=10, help="per second")
    parser.add_argument("--saves", type=float, default=3, help="recorded saves per second")
    parser.add_argument("--sign-ins", type=float, default=1, help="per second")
    parser.add_argument("--uploads", type=float, default=0.2, help="per second")
    parser.add_argument("--people", type=int, default=150)
    parser.add_argument("--threads", type=int, default=96)
    options = parser.parse_args()

    database_url = (
        f"postgresql+psycopg://postgres@127.0.0.1:5432/record_cpd_peak_{uuid.uuid4().hex[:8]}"
    )
    with tempfile.TemporaryDirectory() as tmp:
        cluster = Cluster(
            run_dir=Path(tmp),
            database_url=database_url,
            redis_url="redis://127.0.0.1:6379/6",
            port=free_port(),
            workers=2,
            # Every simulated person signs in from 127.0.0.1: the per-client limits of
            # the real service would (rightly) throttle the benchmark itself.
            extra_env={
                "SIGN_IN_LIMIT_PER_ADDRESS": "100000 per minute",
                "ACCOUNT_FORMS_LIMIT_PER_ADDRESS": "100000 per minute",
            },
        )
        try:
            with running(cluster):
                run_id = uuid.uuid4().hex[:6]
                emails = [f"peak-{n}-{run_id}@example.com" for n in range(options.people)]
                create_accounts(database_url, emails)
                people = []
                for email in emails:
                    client = Client(cluster.port)
                    client.sign_in(email)
                    people.append(Person(client=client, email=email))
                print(f"{len(people)} people signed up; load for {options.seconds:.0f} s")
                run = Run(started=time.monotonic() + 1)
                tasks = []
                streams = [
                    ("autosave", options.autosaves),
                    ("your CPD", options.your_cpd),
                    ("recorded save", options.saves),
                    ("sign-in", options.sign_ins),
                    ("upload", options.uploads),
                ]
                for kind, rate in streams:
                    for number, offset in enumerate(schedule(rate, options.seconds)):
                        tasks.append((offset, kind, number))
                tasks.sort()
                fault_thread = threading.Thread(
                    target=faults, args=(run, cluster, options.seconds), daemon=True
                )
                with ThreadPoolExecutor(max_workers=options.threads) as pool:
                    fault_thread.start()
                    for offset, kind, number in tasks:
                        due = run.started + offset
                        time.sleep(max(0.0, due - time.monotonic()))
                        person = people[number % len(people)]
                        if kind == "autosave":
                            pool.submit(autosave, run, person, due)
                        elif kind == "your CPD":
                            pool.submit(your_cpd, run, person, due)
                        elif kind == "recorded save":
                            pool.submit(recorded_save, run, person, due, number)
                        elif kind == "sign-in":
                            pool.submit(sign_in, run, person, due)
                        else:
                            pool.submit(upload, run, person, due, number)
                fault_thread.join(timeout=120)
                problems = verify(run, people, database_url)
                report(run, options.seconds, problems, len(people))
        finally:
            drop_postgres_database(database_url)


if __name__ == "__main__":
    main()
