"""Work without limits (issue 11, item 6): the live checks read no more than their box
can hold and are rate-limited, feedback is rate-limited, and every account has a
storage quota for its drafts, versions and documents, reached with nothing typed lost."""

from __future__ import annotations

import dataclasses
import io
import time
import uuid
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import event
from sqlmodel import Session, select

from app.extensions import limiter
from app.ratelimit_storage import DatabaseStorage
from app.records.models import CpdDocument, CpdRecord
from app.uploads import quota
from tests.conftest import _empty_every_table, csrf_token_from
from tests.integration.test_rate_limits import _app_on
from tests.support import sample_files

pytestmark = pytest.mark.db

MB = 1024 * 1024


def _token(client: FlaskClient, path: str = "/your-cpd/new/structured") -> str:
    return csrf_token_from(client.get(path).get_data(as_text=True))


def test_a_megabytes_post_to_the_anonymous_identifier_check_is_refused_unread(
    client: FlaskClient,
) -> None:
    token = _token(client, "/feedback")
    huge = "jo.smith@example.com " * (5 * MB // 21)
    started = time.perf_counter()
    response = client.post(
        "/your-cpd/check/title",
        data={"csrf_token": token, "title": huge},
        headers={"HX-Request": "true"},
    )
    assert time.perf_counter() - started < 1
    assert response.status_code == 413
    assert len(response.get_data()) < 20_000


def test_the_identifier_check_still_reads_an_over_limit_title(client: FlaskClient) -> None:
    token = _token(client, "/feedback")
    title = "Visit to jo.smith@example.com " + "x" * 120  # over the 100-character limit
    response = client.post(
        "/your-cpd/check/title",
        data={"csrf_token": token, "title": title},
        headers={"HX-Request": "true"},
    )
    assert response.status_code == 200
    assert "an email address" in response.get_data(as_text=True)


@pytest.mark.parametrize("path", ["/your-cpd/count/title", "/your-cpd/count-explanation/1"])
def test_the_live_counts_refuse_megabytes_too(client: FlaskClient, path: str) -> None:
    token = _token(client, "/feedback")
    name = "title" if "title" in path else "document_explanation_1"
    response = client.post(
        path, data={"csrf_token": token, name: "x" * (2 * MB)}, headers={"HX-Request": "true"}
    )
    assert response.status_code == 413


def test_feedback_is_rate_limited_per_client(client: FlaskClient, policy) -> None:
    statuses = []
    for _ in range(policy.feedback_posts_per_hour + 1):
        token = _token(client, "/feedback")
        statuses.append(
            client.post("/feedback", data={"csrf_token": token, "message": "Good"}).status_code
        )
    assert statuses[:-1] == [302] * policy.feedback_posts_per_hour
    assert statuses[-1] == 429


def test_feedback_reads_no_more_than_its_box_holds(client: FlaskClient) -> None:
    token = _token(client, "/feedback")
    response = client.post("/feedback", data={"csrf_token": token, "message": "x" * (3 * MB)})
    assert response.status_code == 413


def test_the_identifier_check_is_rate_limited(client: FlaskClient, policy) -> None:
    token = _token(client, "/feedback")
    statuses = [
        client.post(
            "/your-cpd/check/title",
            data={"csrf_token": token, "title": "A title"},
            headers={"HX-Request": "true"},
        ).status_code
        for _ in range(policy.live_checks_per_minute + 1)
    ]
    assert statuses[-1] == 429
    assert set(statuses[:-1]) == {200}


# --- the storage quota ------------------------------------------------------------------


@pytest.fixture
def small_quota(app: Flask) -> int:
    """A quota a little bigger than one 10 MB document, so a second one cannot fit."""
    policy = app.extensions["policy"]
    limit = policy.max_document_bytes + 100 * 1024
    app.extensions["policy"] = dataclasses.replace(policy, storage_quota_bytes=limit)
    app.extensions["document_scanner"] = sample_files.eicar_scanner
    return limit


def _form(**overrides: Any) -> dict[str, Any]:
    return {
        "title": "Safeguarding adults refresher",
        "what_you_did": "A day course on the Care Act 2014 duties.",
        "what_you_learned": "How to make a section 42 enquiry proportionate.",
        "standard_parts": ["4.3"],
        "action": "draft",
        **overrides,
    }


def _big_pdf(megabytes: float) -> bytes:
    return sample_files.pdf() + b"%" + bytes(int(megabytes * MB))


def _post_with_file(client: FlaskClient, data: bytes, name: str, **answers: Any) -> Any:
    """The structured form saved as a new draft with one file, as a browser sends it."""
    return client.post(
        "/your-cpd/new/structured",
        data={
            "csrf_token": _token(client),
            **_form(**answers),
            "documents": (io.BytesIO(data), name),
        },
        content_type="multipart/form-data",
    )


def test_usage_counts_documents_drafts_and_every_saved_version(
    signed_in_client: FlaskClient, db: Session, user
) -> None:
    before = quota.used_bytes(db, owner_id=user.id)
    assert before == 0
    signed_in_client.post(
        "/your-cpd/new/structured",
        data={"csrf_token": _token(signed_in_client), **_form()},
    )
    after_text = quota.used_bytes(db, owner_id=user.id)
    assert after_text > 2 * len(
        "How to make a section 42 enquiry proportionate."
    )  # record + version
    _post_with_file(signed_in_client, sample_files.pdf(), "a.pdf")
    assert quota.used_bytes(db, owner_id=user.id) > after_text + len(sample_files.pdf())


def test_a_document_that_does_not_fit_is_refused_with_the_text_kept(
    signed_in_client: FlaskClient, db: Session, small_quota: int
) -> None:
    first = _post_with_file(signed_in_client, _big_pdf(9.5), "first.pdf")
    assert first.status_code == 302
    response = _post_with_file(signed_in_client, _big_pdf(1), "second.pdf", title="Second record")
    assert response.status_code == 400
    page = response.get_data(as_text=True)
    assert "second.pdf was not added: your account has reached its storage limit of 10.1 MB" in (
        page
    )
    assert "Second record" in page
    assert [d.filename for d in db.exec(select(CpdDocument))] == ["first.pdf"]


def test_a_full_account_keeps_what_was_typed_on_the_form_and_says_why(
    app: Flask, signed_in_client: FlaskClient, db: Session, user, small_quota: int
) -> None:
    _post_with_file(signed_in_client, _big_pdf(9.5), "nearly-full.pdf")
    # The quota is now exactly what the account holds.
    used = quota.used_bytes(db, owner_id=user.id)
    policy = app.extensions["policy"]
    app.extensions["policy"] = dataclasses.replace(policy, storage_quota_bytes=used)
    typed = "What I learned, typed after the account filled up."
    response = signed_in_client.post(
        "/your-cpd/new/structured",
        data={"csrf_token": _token(signed_in_client), **_form(what_you_learned=typed)},
    )
    assert response.status_code == 400
    page = response.get_data(as_text=True)
    assert "Your account has reached its storage limit of 9.5 MB, so this was not saved" in page
    assert typed in page
    assert "Error: " in page.split("</title>")[0]
    db.expire_all()
    assert len(db.exec(select(CpdRecord)).all()) == 1
    # An autosave is not saved either, and says so with an error the page's scripts
    # treat as "not saved yet" (so the copy kept on the device is kept).
    autosave = signed_in_client.post(
        "/your-cpd/autosave",
        data={"form_type": "structured", "record_id": "", "version": "", "title": typed},
        headers={"HX-Request": "true", "X-CSRFToken": _token(signed_in_client)},
    )
    assert autosave.status_code == 507
    db.expire_all()
    assert len(db.exec(select(CpdRecord)).all()) == 1


def test_signed_in_people_at_one_workplace_address_each_have_their_own_feedback_limit(
    signed_in_client: FlaskClient, other_client: FlaskClient, policy
) -> None:
    for _ in range(policy.feedback_posts_per_hour):
        token = _token(signed_in_client, "/feedback")
        signed_in_client.post("/feedback", data={"csrf_token": token, "message": "Good"})
    token = _token(other_client, "/feedback")
    response = other_client.post("/feedback", data={"csrf_token": token, "message": "Also"})
    assert response.status_code == 302


def test_a_refused_upload_is_logged_without_its_name_or_content(
    signed_in_client: FlaskClient, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level("INFO", logger="record_cpd.security")
    secret_name = "Mrs Jones safeguarding referral.txt"
    signed_in_client.post(
        "/your-cpd/new/structured",
        data={
            "csrf_token": _token(signed_in_client),
            **_form(),
            "documents": (io.BytesIO(b"<html><script>x</script></html>"), secret_name),
        },
        content_type="multipart/form-data",
    )
    [event] = [r for r in caplog.records if r.name == "record_cpd.security"]
    assert event.getMessage() == "upload_refused"
    assert event.reason == "MarkupRefused"
    logged = repr(event.__dict__)
    assert "Jones" not in logged and "<script>" not in logged


def test_a_file_chosen_with_javascript_on_a_full_account_says_why_in_the_status_line(
    app: Flask, signed_in_client: FlaskClient, db: Session, user
) -> None:
    app.extensions["document_scanner"] = sample_files.eicar_scanner
    _post_with_file(signed_in_client, sample_files.pdf(), "first.pdf")
    used = quota.used_bytes(db, owner_id=user.id)
    policy = app.extensions["policy"]
    app.extensions["policy"] = dataclasses.replace(policy, storage_quota_bytes=used)
    token = _token(signed_in_client)
    response = signed_in_client.post(
        "/your-cpd/documents",
        data={
            "form_type": "structured",
            **_form(),
            "documents": (io.BytesIO(sample_files.pdf()), "second.pdf"),
        },
        headers={"HX-Request": "true", "X-CSRFToken": token},
        content_type="multipart/form-data",
    )
    # Shown where autosave speaks (a polite status region), not swapped for the list.
    assert response.status_code == 200
    assert response.headers["HX-Retarget"] == "#autosave-status"
    assert "Your account has reached its storage limit" in response.get_data(as_text=True)
    assert [d.filename for d in db.exec(select(CpdDocument))] == ["first.pdf"]


def test_limits_are_checked_in_their_views_only_while_none_applies_to_every_request(
    app: Flask, client: FlaskClient, policy
) -> None:
    """Flask-Limiter's check before every request is taken out (app/extensions.py): no
    limit here applies to every request, and a view's own limit is still enforced."""
    from app.extensions import limiter

    hooks = app.before_request_funcs.get(None, [])
    assert not [hook for hook in hooks if getattr(hook, "__self__", None) is limiter]
    test_feedback_is_rate_limited_per_client(client, policy)


def test_a_limit_for_every_request_would_keep_the_check() -> None:
    from flask_limiter import Limiter

    from app.extensions import client_address, limits_apply_to_every_request

    for defaults, expected in (([], False), (["5 per minute"], True)):
        other = Limiter(client_address, default_limits=defaults, storage_uri="memory://")
        other_app = Flask(__name__)
        other.init_app(other_app)
        assert limits_apply_to_every_request(other, other_app) is expected


def test_a_limit_on_a_whole_blueprint_would_keep_the_check() -> None:
    from flask import Blueprint
    from flask_limiter import Limiter

    from app.extensions import client_address, limits_apply_to_every_request

    other = Limiter(client_address, storage_uri="memory://")
    other_app = Flask(__name__)
    other.init_app(other_app)
    limited = Blueprint("limited", __name__)
    other_app.register_blueprint(limited)
    assert not limits_apply_to_every_request(other, other_app)
    other.limit("5 per minute")(limited)
    assert limits_apply_to_every_request(other, other_app)


# --- what a live check costs the counter's database --------------------------------------


@pytest.fixture
def counted_app(database_url: str, tmp_path) -> Any:
    """The app with its rate-limit counts in its database, as a server without Redis
    keeps them (the other tests count in memory)."""
    # No storage URI: the app keeps the counts in its own database.
    application = _app_on(
        None, database_url, tmp_path, RATELIMIT_KEY_PREFIX=f"t-{uuid.uuid4().hex}"
    )
    yield application
    limiter.storage.engine.dispose()
    application.extensions["db_engine"].dispose()
    _empty_every_table(database_url)


def _counter_statements(send: Any) -> tuple[list[str], Any]:
    """The statements ``send()`` made on the rate-limit counter's database, by verb."""
    storage = limiter.storage
    assert isinstance(storage, DatabaseStorage), type(storage)
    seen: list[str] = []

    def record(_conn: Any, _cursor: Any, statement: str, *_rest: Any) -> None:
        seen.append(statement.split()[0].upper())

    event.listen(storage.engine, "before_cursor_execute", record)
    try:
        answer = send()
    finally:
        event.remove(storage.engine, "before_cursor_execute", record)
    return seen, answer


def _live_count(application: Flask) -> Any:
    client = application.test_client()
    token = _token(client, "/feedback")

    def count() -> Any:
        return client.post(
            "/your-cpd/count/title",
            data={"csrf_token": token, "title": "A title"},
            headers={"HX-Request": "true"},
        )

    return count


def test_a_live_count_reads_its_counter_once_and_counts_once(counted_app: Flask) -> None:
    """Every pause in typing sends a live count, so its counter must be cheap: one read
    (is the window full?) and one increment. The answer's X-RateLimit headers come from
    what those two learned, not from two more reads (on PostgreSQL each was a round
    trip on a connection of its own)."""
    count = _live_count(counted_app)
    limit = counted_app.extensions["policy"].live_checks_per_minute
    for sent in (1, 2):
        statements, answer = _counter_statements(count)
        assert answer.status_code == 200
        assert statements == ["SELECT", "INSERT"], statements
        assert int(answer.headers["X-RateLimit-Remaining"]) == limit - sent
        assert float(answer.headers["X-RateLimit-Reset"]) > time.time()


def test_a_refused_live_count_reads_its_counter_once_and_writes_nothing(
    counted_app: Flask,
) -> None:
    count = _live_count(counted_app)
    for _ in range(counted_app.extensions["policy"].live_checks_per_minute):
        assert count().status_code == 200
    statements, answer = _counter_statements(count)
    assert answer.status_code == 429
    assert statements == ["SELECT"], statements
    assert 0 < int(answer.headers["Retry-After"]) <= 60
