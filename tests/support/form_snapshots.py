"""Every page and file that shows the CPD questions, rendered by a fixed client and
written out with the per-request values (CSRF tokens, nonces, page tokens, times)
replaced, so two versions of the code can be compared byte for byte:

    .venv/bin/python -m tests.support.form_snapshots /tmp/before   # on the old code
    .venv/bin/python -m tests.support.form_snapshots /tmp/after    # on the new code
    diff -r /tmp/before /tmp/after

With ``--layout`` it also drops the indentation at the start of each line and blank
lines, outside text areas: a template that draws the same markup from a loop instead of
by hand indents it differently, which changes no page (a browser reads any run of
spaces and line breaks between tags as one space, and a line break is always kept).

Run it from the root of the checkout whose code it should render (``-m`` puts the
current folder first on the path). It makes its own SQLite database in a temporary
folder and writes one file per page: the two forms empty, refused for errors, with
answers, over their limits; a record's page, its history, its printed page, a
conflict, a post refused for its CSRF token, the live count and check fragments, and
the export's records.csv and records.json."""

from __future__ import annotations

import io
import re
import sys
import tempfile
import zipfile
from pathlib import Path
from typing import Any

from flask.testing import FlaskClient

from app import create_app
from app.auth import services
from app.config import TestConfig
from tests.support.answers import structured_answers, unstructured_answers
from tests.support.database import throwaway_database

PASSWORD = "correct horse battery staple"

# What differs from one request, or one run, to the next.
PER_REQUEST = [
    (re.compile(r'(name="csrf_token"(?: type="hidden")? value=")[^"]+'), r"\1CSRF"),
    (re.compile(r'(nonce=")[^"]+'), r"\1NONCE"),
    (re.compile(r'(name="csrf-token" content=")[^"]+'), r"\1CSRF"),
    (re.compile(r'(name="(?:editor|kept_for)" value=")[^"]+'), r"\1TOKEN"),
    (re.compile(r'("(?:editor|kept_for)": ")[^"]+'), r"\1TOKEN"),
    (re.compile(r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(?:\.\d+)?(?:\+00:00)?"), "TIMESTAMP"),
    (re.compile(r"\b\d{1,2}:\d{2}(?:am|pm)?\b"), "HH:MM"),
    (
        re.compile(
            r"\b\d{1,2} (?:January|February|March|April|May|June|July|August|September"
            r"|October|November|December) \d{4} at\b"
        ),
        "DAY at",
    ),
]


def normalise(text: str) -> str:
    for pattern, replacement in PER_REQUEST:
        text = pattern.sub(replacement, text)
    return text


TEXT_AREA = re.compile(r"(<textarea\b.*?</textarea>)", re.DOTALL)


def without_layout(text: str) -> str:
    """``text`` without indentation and blank lines, except inside text areas."""
    parts = TEXT_AREA.split(text)
    for index in range(0, len(parts), 2):  # the even parts are outside text areas
        lines = (line.lstrip(" ") for line in parts[index].split("\n"))
        parts[index] = "\n".join(line for line in lines if line.strip(" "))
    return "\n".join(part for part in parts if part)


def _token(html: str) -> str:
    match = re.search(r'name="csrf_token"(?: type="hidden")? value="([^"]+)"', html)
    assert match, "the page has no CSRF token"
    return match.group(1)


def _post(client: FlaskClient, path: str, form_path: str, data: dict[str, Any]) -> Any:
    token = _token(client.get(form_path).get_data(as_text=True))
    return client.post(path, data={"csrf_token": token, **data})


def _newest_record(app: Any) -> int:
    from sqlalchemy import text
    from sqlmodel import Session

    with Session(app.extensions["db_engine"]) as db:
        return int(db.execute(text("SELECT max(id) FROM cpd_record")).scalar_one())


def snapshots() -> dict[str, str]:
    """Each page's name and its normalised text."""
    pages: dict[str, str] = {}
    with tempfile.TemporaryDirectory() as folder, throwaway_database(Path(folder), "x") as url:
        app = create_app(
            {
                "TESTING": True,
                "SQLALCHEMY_URL": url,
                "SECRET_KEY": "snapshot-secret-key",
                "SECRET_KEY_FILE": Path(folder) / "secret_key",
                "RATELIMIT_STORAGE_URI": "memory://",
                "MAIL_BACKEND": "log",
                "PUBLIC_BASE_URL": "http://localhost",
                "MAIL_IN_BACKGROUND": False,
                "PASSWORD_HASH_METHOD": TestConfig.PASSWORD_HASH_METHOD,
            }
        )
        from sqlmodel import Session

        with Session(app.extensions["db_engine"]) as db:
            services.create_account(
                db=db,
                policy=app.extensions["policy"],
                full_name="Alex Example",
                email="alex@example.com",
                registration_number="SW123456",
                password=PASSWORD,
            )
        client = app.test_client()
        _post(client, "/sign-in", "/sign-in", {"email": "alex@example.com", "password": PASSWORD})

        def keep(name: str, response: Any) -> Any:
            pages[name] = f"{response.status_code}\n" + normalise(response.get_data(as_text=True))
            return response

        for form in ("structured", "unstructured"):
            new = f"/your-cpd/new/{form}"
            answers = structured_answers if form == "structured" else unstructured_answers
            keep(f"{form}-empty", client.get(new))
            keep(f"{form}-all-missing", _post(client, new, new, {"action": "record"}))
            keep(
                f"{form}-wrong",
                _post(
                    client,
                    new,
                    new,
                    answers(
                        title="T" * 130,
                        completed_day="31",
                        completed_month="2",
                        activity_type="other",
                        what_you_did="I met Amira Khan at 12 Acacia Avenue, amira@example.com."
                        + "x" * 3100,
                        description="\nI spoke to Mrs Patel on ward 7.\r\n" + "y" * 6100,
                        standard_parts=["9.9"],
                    ),
                ),
            )
            saved = _post(client, new, new, answers(action="draft", peer_reflection="Yes."))
            assert saved.status_code == 302, saved.status_code
            record = _newest_record(app)
            edit = f"/your-cpd/{record}/edit"
            keep(f"{form}-answers", client.get(edit))
            keep(f"{form}-view", client.get(f"/your-cpd/{record}"))
            _post(client, edit, edit, answers(action="record", peer_reflection="Yes.", version="1"))
            keep(f"{form}-recorded-edit", client.get(edit))
            keep(f"{form}-history", client.get(f"/your-cpd/{record}/history"))
            keep(f"{form}-print", client.get(f"/your-cpd/{record}/print"))
            keep(
                f"{form}-conflict",
                _post(client, edit, edit, answers(action="draft", title="Mine", version="1")),
            )
            stranger = app.test_client()
            keep(f"{form}-refused", stranger.post(new, data=answers()))
        page = client.get("/your-cpd/new/structured").get_data(as_text=True)
        htmx = {"HX-Request": "true", "X-CSRFToken": _token(page)}
        for box, value in (("title", "T" * 101), ("what_you_did", "Short")):
            keep(
                f"count-{box}",
                client.post(f"/your-cpd/count/{box}", data={box: value}, headers=htmx),
            )
            keep(
                f"check-{box}",
                client.post(
                    f"/your-cpd/check/{box}",
                    data={box: "Amira Khan, amira@example.com"},
                    headers=htmx,
                ),
            )
        download = client.get("/your-cpd/download")
        with zipfile.ZipFile(io.BytesIO(download.get_data())) as archive:
            for name in ("records.json", "records.csv"):
                pages[f"export-{name}"] = normalise(archive.read(name).decode("utf-8-sig"))
        app.extensions["db_engine"].dispose()
    return pages


def main(arguments: list[str]) -> None:
    layout = "--layout" in arguments
    out = Path(next(argument for argument in arguments if not argument.startswith("--")))
    out.mkdir(parents=True, exist_ok=True)
    for name, text in snapshots().items():
        (out / f"{name}.txt").write_text(without_layout(text) if layout else text, "utf-8")
    print(f"wrote {len(list(out.iterdir()))} files to {out}")


if __name__ == "__main__":
    main(sys.argv[1:])
