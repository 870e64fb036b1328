"""Lighthouse check: the sign-in page, Your CPD and the structured CPD form must each
score 100 for performance, accessibility and best practices on Lighthouse's mobile
preset (a mid-range phone on a slow 4G connection, simulated), taking the median of
three runs to damp noise. `make lighthouse` runs it; CI runs it after the test suite.

Starts the app itself under gunicorn with the production settings (RECORD_CPD_CONFIG=
production, 2 workers, as `make run`) on 127.0.0.1 only, over HTTP, in a throwaway
SQLite database; signs up one account in Debian's Chromium (Playwright) and hands its
session cookie to Lighthouse with --extra-headers. Every Lighthouse run is bounded in
time; the reports are kept in tests/_artifacts/lighthouse/.

    .venv/bin/python bench/lighthouse.py              # 3 runs a page, fail below 100
    .venv/bin/python bench/lighthouse.py --runs 1     # quicker, for a look
    .venv/bin/python bench/lighthouse.py --records 1000   # Your CPD with 1,000 records

Needs Node packages (npm ci: lighthouse 12.2.3) and Chromium (CHROMIUM_PATH, default
/usr/bin/chromium). See bench/README.md for what it printed here.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import statistics
import subprocess
import sys
import tempfile
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from tests.browser import steps  # noqa: E402
from tests.browser.conftest import CHROMIUM_FLAGS  # noqa: E402
from tests.browser.steps import create_account, unique_email  # noqa: E402
from tests.support.database import throwaway_database  # noqa: E402
from tests.support.servers import production_server  # noqa: E402

LIGHTHOUSE = ROOT / "node_modules" / ".bin" / "lighthouse"
REPORTS = ROOT / "tests" / "_artifacts" / "lighthouse"
CATEGORIES = ("performance", "accessibility", "best-practices")
PAGES = {
    "Sign in": ("/sign-in", False),
    "Your CPD": ("/your-cpd", True),
    "Structured CPD form": ("/your-cpd/new/structured", True),
}
RUN_TIMEOUT = 120  # seconds for one Lighthouse run (about 12 s here)


def chromium_path() -> str:
    path = os.environ.get("CHROMIUM_PATH") or os.environ.get("CHROME_PATH") or "/usr/bin/chromium"
    if not Path(path).exists():
        sys.exit(f"no Chromium at {path}: set CHROMIUM_PATH")
    return path


def session_cookie(base_url: str, chromium: str, email: str) -> str:
    """Sign up in a real browser, as a person would, and return the Cookie header."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=chromium, args=CHROMIUM_FLAGS)
        try:
            context = browser.new_context(base_url=base_url)
            page = context.new_page()
            page.set_default_timeout(15_000)
            create_account(page, email)
            cookies = context.cookies()
        finally:
            browser.close()
    if not cookies:
        raise RuntimeError("signing up left no session cookie")
    return "; ".join(f"{c['name']}={c['value']}" for c in cookies)


def add_records(database_url: str, email: str, count: int) -> None:
    """``count`` pieces of recorded CPD for ``email``, all in this registration year (the
    most Your CPD can hold), with answers of a realistic length, straight into the
    database the server uses."""
    from sqlalchemy import create_engine
    from sqlmodel import Session, select

    from app import dates
    from app.auth.models import User
    from app.db import utcnow
    from app.policy import load_policy
    from app.records.models import RECORDED, CpdRecord

    policy = load_policy()
    start, end = dates.registration_year_containing(policy.today(), policy)
    days = (min(end, policy.today()) - start).days + 1
    parts = [part.number for part in policy.standard_parts]
    text = ("I reflected on how the Care Act duties shape a proportionate enquiry. " * 8)[:500]
    engine = create_engine(database_url)
    with Session(engine) as db:
        owner = db.exec(select(User).where(User.email == email)).one()
        for number in range(count):
            day = start + dt.timedelta(days=number % days)
            db.add(
                CpdRecord(
                    owner_id=owner.id,
                    form_type="structured",
                    status=RECORDED,
                    answers={
                        "title": f"Supervision session {number + 1}",
                        "what_you_did": text,
                        "what_you_learned": text,
                        "practice_change": text,
                        "peer_reflection": text if number % 2 else "",
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
    engine.dispose()


def warm_up(base_url: str, cookie: str) -> None:
    """A server in use has compiled its templates: request every page a few times so
    that each gunicorn worker has, and Lighthouse measures a warm server."""
    for path, _signed_in in PAGES.values():
        for _ in range(8):
            request = urllib.request.Request(base_url + path, headers={"Cookie": cookie})
            with urllib.request.urlopen(request, timeout=10) as page:  # noqa: S310
                page.read()


def run_lighthouse(url: str, report: Path, chromium: str, headers: Path | None) -> dict:
    command = [
        str(LIGHTHOUSE),
        url,
        "--output=json",
        f"--output-path={report}",
        f"--only-categories={','.join(CATEGORIES)}",
        "--chrome-flags=--headless " + " ".join(CHROMIUM_FLAGS),
        "--quiet",
    ]
    if headers is not None:
        command.append(f"--extra-headers={headers}")
    result = subprocess.run(
        command,
        env={**os.environ, "CHROME_PATH": chromium},
        capture_output=True,
        text=True,
        timeout=RUN_TIMEOUT,
        check=False,
    )
    if result.returncode != 0 or not report.exists():
        raise RuntimeError(f"lighthouse failed on {url}:\n{result.stdout}\n{result.stderr}")
    lhr = json.loads(report.read_text())
    if lhr.get("runtimeError"):
        raise RuntimeError(f"lighthouse could not audit {url}: {lhr['runtimeError']}")
    if lhr.get("finalDisplayedUrl", url) != url:
        raise RuntimeError(f"{url} redirected to {lhr['finalDisplayedUrl']}: signed out?")
    return lhr


def summary(lhr: dict) -> dict:
    audits = lhr["audits"]
    return {
        **{name: round(lhr["categories"][name]["score"] * 100) for name in CATEGORIES},
        "lcp_ms": audits["largest-contentful-paint"]["numericValue"],
        "fcp_ms": audits["first-contentful-paint"]["numericValue"],
        "tbt_ms": audits["total-blocking-time"]["numericValue"],
        "cls": audits["cumulative-layout-shift"]["numericValue"],
        "bytes": audits["total-byte-weight"]["numericValue"],
        # Lighthouse's own measure of this machine's CPU at the time of the run.
        "cpu_index": lhr["environment"]["benchmarkIndex"],
    }


def lost_points(lhr: dict) -> list[str]:
    """The scored audits that did not pass: why a category is below 100."""
    lines = []
    for name in CATEGORIES:
        for ref in lhr["categories"][name]["auditRefs"]:
            audit = lhr["audits"][ref["id"]]
            if ref.get("weight", 0) > 0 and audit.get("score") is not None and audit["score"] < 1:
                shown = audit.get("displayValue", "")
                lines.append(f"{name}: {audit['title']} ({ref['id']}) {audit['score']} {shown}")
    return lines


def audit_page(
    base: str, path: str, runs: int, chromium: str, headers: Path | None, reports: Path
) -> dict:
    """Lighthouse `runs` times on one page: the median of each figure, and why the
    worst run lost points."""
    summaries, lhrs = [], []
    for n in range(1, runs + 1):
        report = reports / f"{path.strip('/').replace('/', '-')}-{n}.json"
        lhrs.append(run_lighthouse(base + path, report, chromium, headers))
        summaries.append(summary(lhrs[-1]))
    median = {key: statistics.median(s[key] for s in summaries) for key in summaries[0]}
    worst = min(range(runs), key=lambda i: sum(summaries[i][name] for name in CATEGORIES))
    return {"path": path, "median": median, "runs": summaries, "lost": lost_points(lhrs[worst])}


# Below this benchmark index (Lighthouse's CPU measure), the machine is much slower
# than the one the budget was set on: a quiet run here measures about 1,700-2,000.
THROTTLED_INDEX = 1300


def throttled(result: dict) -> bool:
    return statistics.median(run["cpu_index"] for run in result["runs"]) < THROTTLED_INDEX


def describe(label: str, result: dict) -> str:
    m = result["median"]
    return (
        f"{label:20} {result['path']:26} "
        + " ".join(f"{name} {m[name]:.0f}" for name in CATEGORIES)
        + f"  LCP {m['lcp_ms'] / 1000:.2f} s  FCP {m['fcp_ms'] / 1000:.2f} s"
        + f"  TBT {m['tbt_ms']:.0f} ms  CLS {m['cls']:.3f}  {m['bytes']:,.0f} bytes"
        + f"  CPU index {m['cpu_index']:,.0f}"
    )


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--runs", type=int, default=3, help="runs a page (median taken)")
    parser.add_argument(
        "--records",
        type=int,
        default=0,
        help="give the account this many pieces of recorded CPD and audit Your CPD only",
    )
    options = parser.parse_args()
    pages = PAGES
    if options.records:
        pages = {f"Your CPD, {options.records:,} records": PAGES["Your CPD"]}
    if not LIGHTHOUSE.exists():
        sys.exit("lighthouse is missing: npm ci (make lighthouse does it)")
    chromium = chromium_path()
    os.environ.pop("TEST_DATABASE_URL", None)  # SQLite, in the temporary directory
    reports = REPORTS / f"{options.records}-records" if options.records else REPORTS
    reports.mkdir(parents=True, exist_ok=True)
    results = {}
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        with (
            throwaway_database(work, "lighthouse") as database_url,
            production_server(database_url, work) as server,
        ):
            base = server.url
            steps.MAILBOX = server.mailbox  # create_account confirms from the email
            email = unique_email("lighthouse")
            cookie = session_cookie(base, chromium, email)
            if options.records:
                add_records(database_url, email, options.records)
            headers = work / "headers.json"
            headers.write_text(json.dumps({"Cookie": cookie}))
            warm_up(base, cookie)
            print(f"Lighthouse 12, mobile preset, median of {options.runs} runs a page")
            for label, (path, signed_in) in pages.items():
                result = audit_page(
                    base, path, options.runs, chromium, headers if signed_in else None, reports
                )
                if result["median"]["performance"] < 100 and throttled(result):
                    # The 4x slowdown is meant for a machine of the index the budget was
                    # set on (about 1,900 here); a host busy with other work measured
                    # 840-1,090 and cost the form 1-2 points. Measure the page again,
                    # once; a page that still misses fails.
                    print(describe(label, result) + "  (CPU busy: measured again)")
                    result = audit_page(
                        base,
                        path,
                        options.runs,
                        chromium,
                        headers if signed_in else None,
                        reports,
                    )
                results[label] = result
                print(describe(label, result), flush=True)
                if any(result["median"][name] < 100 for name in CATEGORIES):
                    for line in result["lost"]:
                        print(f"    worst run lost points on {line}")
    (reports / "summary.json").write_text(json.dumps(results, indent=2))
    minimum = {name: 100 for name in CATEGORIES}
    failures = [
        label
        for label, result in results.items()
        if any(result["median"][name] < minimum[name] for name in CATEGORIES)
    ]
    if failures:
        print(f"FAILED: a median below {minimum} on {', '.join(failures)} (reports: {reports})")
        return 1
    print("Every page: 100 for performance, accessibility and best practices.")
    return 0


if __name__ == "__main__":
    sys.exit(main())
