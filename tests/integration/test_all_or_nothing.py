"""Every write of a CPD record is all or nothing (issue 18): a fault at any write point
of a save leaves the database as it was; a save that loses the version race stores no
document; a discard racing a save loses no update; a slow upload holds nobody else's
save; a save that cannot get the database keeps the person's words."""

from __future__ import annotations

import io
import re
import threading
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import create_engine, text
from sqlmodel import Session, select
from werkzeug.datastructures import FileStorage

from app import uploads
from app.auth import services as auth_services
from app.cpd import page, services
from app.policy import Policy
from app.records.models import CpdRecord
from app.uploads import quota
from app.uploads.scanning import ScanResult, not_scanned
from tests.conftest import PASSWORD, csrf_token_from
from tests.support import sample_files
from tests.support.database import server_url

pytestmark = pytest.mark.db


class InjectedFault(RuntimeError):
    """Raised at a write point, as a killed worker or a lost connection would stop it."""


# Every point at which a save writes, as (module, name): each is called through, then
# the fault is raised, so what it wrote is in the transaction when the save stops.
WRITE_POINTS: list[tuple[Any, str]] = [
    (services, "start_record"),
    (services, "claim_version"),
    (uploads, "copy_to"),
    (uploads, "store"),
    (uploads, "mark_removed"),
    (services, "_revise"),
    (services, "write_answers"),
    # An autosave of the record its page names (issue 24: no ORM on its way).
    (services, "claim_for_autosave"),
    (services, "write_autosave"),
]


def snapshot(database_url: str) -> dict[str, list[tuple[Any, ...]]]:
    """Everything a save can write, read through a connection of its own."""
    engine = create_engine(database_url)
    queries = {
        "records": "SELECT id, version, status, answers, pending_answers, deleted_at,"
        " last_editor FROM cpd_record ORDER BY id",
        "revisions": "SELECT id, record_id, version, kind, answers FROM cpd_revision ORDER BY id",
        "documents": "SELECT id, record_id, removed_at FROM cpd_document ORDER BY id",
        "contents": "SELECT document_id, length(data) FROM cpd_document_content"
        " ORDER BY document_id",
    }
    try:
        with engine.connect() as connection:
            return {
                name: [tuple(map(str, row)) for row in connection.execute(text(sql))]
                for name, sql in queries.items()
            }
    finally:
        engine.dispose()


def pdf_file(name: str = "notes.pdf") -> FileStorage:
    return FileStorage(io.BytesIO(sample_files.pdf()), filename=name)


def complete_answers(**overrides: Any) -> dict[str, Any]:
    answers: dict[str, Any] = {
        "title": "Workplace development review",
        "completed_day": "10",
        "completed_month": "1",
        "completed_year": "2026",
        "description": "My review with my manager covers the year's learning.",
        "standard_parts": ["4.2"],
        "documents": [],
    }
    answers.update(overrides)
    return answers


def _save(db: Session, owner_id: int, policy: Policy, **post: Any) -> page.PageSaved:
    fields: dict[str, Any] = {"form_type": "unstructured", "answers": complete_answers()}
    fields.update(post)
    return page.save_page(
        db, owner_id=owner_id, post=page.PagePost(**fields), policy=policy, scanner=not_scanned
    )


@pytest.fixture
def recorded_with_document(db: Session, user, policy: Policy) -> CpdRecord:
    """A recorded record with one document: a save can remove it, or copy it."""
    assert user.id is not None
    saved = _save(db, user.id, policy, editor="first-page", files=[pdf_file("review.pdf")])
    assert saved.record is not None
    record = saved.record
    # Now record it, with the document's explanation.
    answers = complete_answers(documents=[{"id": saved.added[0].id, "explanation": "It shows 4.2"}])
    again = _save(
        db,
        user.id,
        policy,
        answers=answers,
        record_id=record.id,
        version=record.version,
        action=services.RECORD,
        editor="second-page",
    )
    assert again.action == services.RECORD, again.problems
    return record


def _saves(user_id: int, policy: Policy, record: CpdRecord) -> dict[str, Callable[[Session], Any]]:
    """Each kind of save that writes at several points."""
    document_id = record.answers["documents"][0]["id"]

    def new_with_files(db: Session) -> Any:
        return _save(
            db,
            user_id,
            policy,
            editor="new-page",
            action=services.RECORD,
            files=[pdf_file("a.pdf"), pdf_file("b.pdf")],
        )

    def edit_with_a_file(db: Session) -> Any:
        answers = complete_answers(
            title="Changed", documents=[{"id": document_id, "explanation": "Still 4.2"}]
        )
        return _save(
            db,
            user_id,
            policy,
            answers=answers,
            record_id=record.id,
            version=record.version,
            editor="edit-page",
            files=[pdf_file("c.pdf")],
        )

    def remove_a_document(db: Session) -> Any:
        fresh = db.get(CpdRecord, record.id)
        document = uploads.get_document(
            db, owner_id=user_id, record_id=record.id, document_id=document_id
        )
        answers = complete_answers(documents=[{"id": document_id, "explanation": ""}])
        return page.save_page(
            db,
            owner_id=user_id,
            policy=policy,
            scanner=not_scanned,
            record=fresh,
            remove=document,
            post=page.PagePost(
                form_type="unstructured",
                answers=answers,
                record_id=record.id,
                version=record.version,
                editor="remove-page",
            ),
        )

    def keep_both(db: Session) -> Any:
        answers = complete_answers(documents=[{"id": document_id, "explanation": "Mine"}])
        return _save(
            db,
            user_id,
            policy,
            answers=answers,
            editor="keep-both-page",
            copy_documents_from=record.id,
        )

    def autosave_of_changes(db: Session) -> Any:
        return page.save_page(
            db,
            owner_id=user_id,
            policy=policy,
            scanner=not_scanned,
            autosave=True,
            post=page.PagePost(
                form_type="unstructured",
                answers=complete_answers(title="Typing"),
                record_id=record.id,
                version=record.version,
                editor="typing-page",
            ),
        )

    return {
        "new_with_files": new_with_files,
        "edit_with_a_file": edit_with_a_file,
        "remove_a_document": remove_a_document,
        "keep_both": keep_both,
        "autosave_of_changes": autosave_of_changes,
    }


SAVE_KINDS = [
    "new_with_files",
    "edit_with_a_file",
    "remove_a_document",
    "keep_both",
    "autosave_of_changes",
]


@pytest.mark.parametrize("kind", SAVE_KINDS)
def test_a_fault_at_any_write_point_of_a_save_leaves_nothing_half_written(
    app: Flask,
    database_url: str,
    db: Session,
    user,
    policy: Policy,
    recorded_with_document: CpdRecord,
    monkeypatch: pytest.MonkeyPatch,
    kind: str,
) -> None:
    assert user.id is not None
    before = snapshot(database_url)
    reached: list[str] = []

    def never_commits(*_args: Any, **_kwargs: Any) -> None:
        # A save that passed every patched point stops here: nothing it wrote lands.
        reached.append("commit")
        raise InjectedFault("commit")

    for module, name in WRITE_POINTS:
        original = getattr(module, name)

        def faulty(*args: Any, _original: Any = original, _name: str = name, **kwargs: Any):
            _original(*args, **kwargs)
            reached.append(_name)
            raise InjectedFault(_name)

        with monkeypatch.context() as patched:
            patched.setattr(module, name, faulty)
            patched.setattr(Session, "commit", never_commits)
            engine = app.extensions["db_engine"]
            # The request ends with the fault: its session is closed without a commit.
            with (
                Session(engine, expire_on_commit=False) as request_db,
                pytest.raises(InjectedFault),
            ):
                _saves(user.id, policy, recorded_with_document)[kind](request_db)
        assert snapshot(database_url) == before, f"half-written after a fault in {name}"
    # The fault was met at the transaction's end, and inside it.
    assert "commit" in reached and len(set(reached)) >= 3, reached


def test_every_write_point_is_reached_by_some_save(
    app: Flask,
    db: Session,
    user,
    policy: Policy,
    recorded_with_document: CpdRecord,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """The fault test above would pass vacuously for a write point no save reaches."""
    assert user.id is not None
    reached: set[str] = set()
    for module, name in WRITE_POINTS:
        original = getattr(module, name)

        def counting(*args: Any, _original: Any = original, _name: str = name, **kwargs: Any):
            reached.add(_name)
            return _original(*args, **kwargs)

        monkeypatch.setattr(module, name, counting)
    for kind in SAVE_KINDS:
        with Session(app.extensions["db_engine"], expire_on_commit=False) as request_db:
            fresh = request_db.get(CpdRecord, recorded_with_document.id)
            assert fresh is not None
            _saves(user.id, policy, fresh)[kind](request_db)
    assert reached == {name for _module, name in WRITE_POINTS}


def _another_tab_saves(
    engine: Any, owner_id: int, policy: Policy, record_id: Any, title: str
) -> page.PageSaved:
    """A save from another tab, on the record as it is stored now, in its own session."""
    with Session(engine, expire_on_commit=False) as other_tab:
        fresh = other_tab.get(CpdRecord, record_id)
        assert fresh is not None
        return page.save_page(
            other_tab,
            owner_id=owner_id,
            policy=policy,
            scanner=not_scanned,
            record=fresh,
            post=page.PagePost(
                form_type="unstructured",
                answers=complete_answers(title=title, documents=fresh.answers["documents"]),
                record_id=record_id,
                version=fresh.version,
                editor="other-tab",
            ),
        )


def test_a_save_that_loses_the_version_race_during_its_upload_stores_no_document(
    app: Flask,
    database_url: str,
    db: Session,
    user,
    policy: Policy,
    recorded_with_document: CpdRecord,
) -> None:
    """Another tab saves while this page's file is being checked: this save is a
    conflict, and the file is not stored (no orphan, nothing counted against the quota)."""
    assert user.id is not None
    record = recorded_with_document
    engine = app.extensions["db_engine"]

    def other_tab_saves_while_scanning(content: Any) -> ScanResult:
        saved = _another_tab_saves(engine, user.id, policy, record.id, "Other tab")
        assert saved.action is not None and saved.conflict is None
        return not_scanned(content)

    used_before = quota.used_bytes(db, owner_id=user.id)
    before = snapshot(database_url)
    with Session(engine, expire_on_commit=False) as this_tab:
        saved = page.save_page(
            this_tab,
            owner_id=user.id,
            policy=policy,
            scanner=other_tab_saves_while_scanning,
            post=page.PagePost(
                form_type="unstructured",
                answers=complete_answers(title="This tab", documents=record.answers["documents"]),
                record_id=record.id,
                version=record.version,
                editor="this-tab",
                files=[pdf_file("late.pdf")],
            ),
        )
    assert saved.conflict is not None and saved.action is None
    after = snapshot(database_url)
    assert after["documents"] == before["documents"], "the losing save stored its file"
    assert after["contents"] == before["contents"]
    # Only the other tab's save (its answers and one revision) was added.
    assert len(after["revisions"]) == len(before["revisions"]) + 1
    other_tab_growth = quota.used_bytes(db, owner_id=user.id) - used_before
    assert other_tab_growth < len(sample_files.pdf()), "the late file counts against the quota"


def test_a_discard_racing_a_save_loses_no_update(
    app: Flask, db: Session, user, policy: Policy, recorded_with_document: CpdRecord
) -> None:
    """The discard read version N; a save of new draft changes lands (N+1) before the
    discard writes: the discard is refused, the new changes are kept."""
    assert user.id is not None
    record = recorded_with_document
    engine = app.extensions["db_engine"]
    with Session(engine, expire_on_commit=False) as discarding:
        seen = discarding.get(CpdRecord, record.id)
        assert seen is not None
        read_version = seen.version
        # Meanwhile, another tab keeps draft changes.
        saved = _another_tab_saves(engine, user.id, policy, record.id, "Newer changes")
        assert saved.action == services.DRAFT_ACTION
        with pytest.raises(services.VersionConflict):
            services.discard_pending_changes(
                discarding, seen, based_on_version=read_version, policy=policy
            )
            discarding.commit()
    db.expire_all()
    stored = db.get(CpdRecord, record.id)
    assert stored is not None and stored.pending_answers is not None
    assert stored.pending_answers["title"] == "Newer changes"


def test_delete_and_restore_are_versions_with_revisions(
    signed_in_client: FlaskClient, db: Session, recorded_with_document: CpdRecord
) -> None:
    record = recorded_with_document
    version = record.version
    form = signed_in_client.get(f"/your-cpd/{record.id}/delete").get_data(as_text=True)
    response = signed_in_client.post(
        f"/your-cpd/{record.id}/delete",
        data={"csrf_token": csrf_token_from(form), "version": str(version)},
    )
    assert response.status_code == 302
    listing = signed_in_client.get("/your-cpd/recently-deleted").get_data(as_text=True)
    response = signed_in_client.post(
        f"/your-cpd/{record.id}/restore", data={"csrf_token": csrf_token_from(listing)}
    )
    assert response.status_code == 302
    db.expire_all()
    stored = db.get(CpdRecord, record.id)
    assert stored is not None and stored.deleted_at is None
    assert stored.version == version + 2
    history = signed_in_client.get(f"/your-cpd/{record.id}/history").get_data(as_text=True)
    assert "Deleted" in history and "Restored" in history


def test_a_deletion_from_a_page_older_than_the_record_is_refused(
    signed_in_client: FlaskClient, db: Session, recorded_with_document: CpdRecord
) -> None:
    record = recorded_with_document
    form = signed_in_client.get(f"/your-cpd/{record.id}/delete").get_data(as_text=True)
    response = signed_in_client.post(
        f"/your-cpd/{record.id}/delete",
        data={"csrf_token": csrf_token_from(form), "version": str(record.version - 1)},
    )
    assert response.status_code == 302
    db.expire_all()
    stored = db.get(CpdRecord, record.id)
    assert stored is not None and stored.deleted_at is None


@pytest.fixture
def gated_scanner() -> Iterator[tuple[threading.Event, threading.Event, Any]]:
    """A virus scanner that takes as long as the test says: it signals that it has
    started, then waits until released (a slow file, without a number of seconds)."""
    started, release = threading.Event(), threading.Event()

    def scanner(content: Any) -> ScanResult:
        started.set()
        release.wait(timeout=60)
        return not_scanned(content)

    yield started, release, scanner
    release.set()


def test_one_persons_slow_upload_holds_nobody_elses_save(
    app: Flask, db: Session, user, policy: Policy, gated_scanner: Any
) -> None:
    """While Alex's new form with a file is being checked, Sam's new form saves at
    once: no write is open while a file is read."""
    assert user.id is not None
    sam = auth_services.create_account(
        db=db,
        policy=policy,
        full_name="Sam Other",
        email="sam@example.com",
        registration_number=None,
        password=PASSWORD,
    )
    started, release, scanner = gated_scanner
    engine = app.extensions["db_engine"]
    outcome: dict[str, Any] = {}

    def alex_uploads() -> None:
        with Session(engine, expire_on_commit=False) as alex_db:
            outcome["alex"] = page.save_page(
                alex_db,
                owner_id=user.id,
                policy=policy,
                scanner=scanner,
                post=page.PagePost(
                    form_type="unstructured",
                    answers=complete_answers(),
                    editor="alex-page",
                    files=[pdf_file("slow.pdf")],
                ),
            )

    def sam_saves() -> None:
        try:
            with Session(engine, expire_on_commit=False) as sam_db:
                outcome["sam"] = _save(sam_db, sam.id, policy, editor="sam-page")
        except Exception as error:  # noqa: BLE001 - the test reports it
            outcome["sam"] = error

    alex = threading.Thread(target=alex_uploads)
    alex.start()
    assert started.wait(timeout=30), "Alex's file never reached the check"
    sam_thread = threading.Thread(target=sam_saves)
    sam_thread.start()
    sam_thread.join(timeout=30)
    # Sam's save finished while Alex's file was still being checked.
    still_checking = not release.is_set() and alex.is_alive()
    release.set()
    alex.join(timeout=30)
    assert still_checking
    assert isinstance(outcome.get("sam"), page.PageSaved), outcome.get("sam")
    assert outcome["sam"].action == services.DRAFT_ACTION
    assert outcome["alex"].added and outcome["alex"].record is not None


@pytest.mark.skipif(server_url() is not None, reason="holds SQLite's write lock by hand")
def test_a_save_that_cannot_get_the_database_shows_the_words_back(
    app: Flask, database_url: str, signed_in_client: FlaskClient
) -> None:
    """Another writer holds the database past the wait: the form comes back with
    every answer and says why (503), and an htmx save gets a 503 with Retry-After."""
    app.extensions["db_engine"].dispose()
    from app.db import make_engine

    app.extensions["db_engine"] = make_engine(database_url, busy_seconds=0.2)
    form = signed_in_client.get("/your-cpd/new/unstructured").get_data(as_text=True)
    token = csrf_token_from(form)
    holder = create_engine(database_url, connect_args={"isolation_level": None})
    with holder.connect() as connection:
        connection.exec_driver_sql("BEGIN IMMEDIATE")
        try:
            response = signed_in_client.post(
                "/your-cpd/new/unstructured",
                data={
                    "csrf_token": token,
                    "title": "Words typed on a busy day",
                    "description": "Nothing of this may be lost",
                    "action": "draft",
                    "editor": "busy-page",
                },
            )
            htmx = signed_in_client.post(
                "/your-cpd/autosave",
                data={
                    "form_type": "unstructured",
                    "title": "Autosaved words",
                    "editor": "busy-page-2",
                },
                headers={"HX-Request": "true", "X-CSRFToken": token},
            )
        finally:
            connection.exec_driver_sql("ROLLBACK")
    holder.dispose()
    html = response.get_data(as_text=True)
    assert response.status_code == 503
    assert "Words typed on a busy day" in html and "Nothing of this may be lost" in html
    assert "the service is busy" in html
    assert htmx.status_code == 503 and htmx.headers["Retry-After"]
    body = htmx.get_data(as_text=True)
    assert "service is busy" in body and "<header" not in body


def test_the_storage_counter_agrees_with_what_is_stored_after_every_kind_of_save(
    app: Flask, db: Session, user, policy: Policy, recorded_with_document: CpdRecord
) -> None:
    assert user.id is not None
    for kind in SAVE_KINDS:
        with Session(app.extensions["db_engine"], expire_on_commit=False) as request_db:
            fresh = request_db.get(CpdRecord, recorded_with_document.id)
            assert fresh is not None
            _saves(user.id, policy, fresh)[kind](request_db)
        db.expire_all()
        assert quota.used_bytes(db, owner_id=user.id) == quota.measure(db, owner_id=user.id), kind
    fresh = db.get(CpdRecord, recorded_with_document.id)
    assert fresh is not None
    services.delete_record(db, fresh, based_on_version=None, policy=policy)
    db.commit()
    services.restore_record(db, owner_id=user.id, record_id=fresh.id, policy=policy)
    db.commit()
    assert quota.used_bytes(db, owner_id=user.id) == quota.measure(db, owner_id=user.id)


def test_two_uploads_racing_for_the_last_room_cannot_both_take_it(
    app: Flask, db: Session, user, policy: Policy
) -> None:
    """Both uploads see room for one file before either writes; the quota's
    compare-and-set, inside each save's transaction, lets only one of them store it."""
    import dataclasses

    assert user.id is not None
    first = _save(db, user.id, policy, editor="seed-page")
    assert first.record is not None
    big = sample_files.pdf("Reflective notes " * 1500)  # about 25 KB, far more than the answers
    room_for_one = quota.used_bytes(db, owner_id=user.id) + len(big) * 3 // 2
    small = dataclasses.replace(policy, storage_quota_bytes=room_for_one)
    arrived = threading.Barrier(2, timeout=30)

    def both_checked_then_go(content: Any) -> ScanResult:
        arrived.wait()  # both files have been measured against the room left
        return not_scanned(content)

    outcomes: list[Any] = []

    def upload(editor: str) -> None:
        try:
            with Session(app.extensions["db_engine"], expire_on_commit=False) as tab:
                outcomes.append(
                    page.save_page(
                        tab,
                        owner_id=user.id,
                        policy=small,
                        scanner=both_checked_then_go,
                        post=page.PagePost(
                            form_type="unstructured",
                            answers=complete_answers(),
                            editor=editor,
                            files=[FileStorage(io.BytesIO(big), filename=f"{editor}.pdf")],
                        ),
                    )
                )
        except Exception as error:  # noqa: BLE001 - the test looks at it
            outcomes.append(error)

    threads = [threading.Thread(target=upload, args=(name,)) for name in ("tab-a", "tab-b")]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    stored = [o for o in outcomes if isinstance(o, page.PageSaved) and o.added]
    refused = [o for o in outcomes if isinstance(o, quota.StorageFull)]
    assert len(stored) == 1 and len(refused) == 1, outcomes
    db.expire_all()
    assert quota.used_bytes(db, owner_id=user.id) <= room_for_one
    assert quota.used_bytes(db, owner_id=user.id) == quota.measure(db, owner_id=user.id)


def test_a_form_refused_after_signing_out_in_another_tab_shows_the_words_back(
    signed_in_client: FlaskClient, db: Session, user
) -> None:
    """Without JavaScript: open the unstructured form, type, sign out in another tab of
    the same browser, press "Save as draft". Nothing is saved to any account, but the
    words come back in the same form; after signing in and saving, they are saved."""
    client = signed_in_client
    form = client.get("/your-cpd/new/unstructured").get_data(as_text=True)
    token = csrf_token_from(form)
    kept_for = re.search(r'name="kept_for" value="([^"]+)"', form)
    editor = re.search(r'name="editor" value="([^"]+)"', form)
    assert kept_for and editor
    account = client.get("/account").get_data(as_text=True)
    client.post("/sign-out", data={"csrf_token": csrf_token_from(account)})
    typed = "What I learned on the course: words that must not be lost"
    response = client.post(
        "/your-cpd/new/unstructured",
        data={
            "csrf_token": token,
            "form_type": "unstructured",
            "editor": editor.group(1),
            "kept_for": kept_for.group(1),
            "title": "Course on the Care Act",
            "description": typed,
            "standard_parts": ["4.3"],
            "action": "draft",
        },
    )
    page = response.get_data(as_text=True)
    assert response.status_code in (400, 401)
    assert "Your CPD is not saved yet" in page and "You were signed out" in page
    assert typed in page and "Course on the Care Act" in page
    assert "Sign in to save it" in page
    db.expire_all()
    assert db.exec(select(CpdRecord)).all() == [], "a refused post was written"
    # The refusal's own form, with its fresh token, holds the words while signing in.
    hold = client.post(
        "/your-cpd/sign-in-to-save",
        data={
            "csrf_token": csrf_token_from(page),
            "form_type": "unstructured",
            "kept_for": kept_for.group(1),
            "editor": editor.group(1),
            "title": "Course on the Care Act",
            "description": typed,
            "standard_parts": ["4.3"],
        },
    )
    assert hold.status_code == 302 and "/sign-in" in hold.headers["Location"]
    db.expire_all()
    assert db.exec(select(CpdRecord)).all() == []
    sign_in_page = client.get(hold.headers["Location"]).get_data(as_text=True)
    signed_in = client.post(
        hold.headers["Location"],
        data={
            "csrf_token": csrf_token_from(sign_in_page),
            "email": user.email,
            "password": PASSWORD,
        },
    )
    assert signed_in.status_code == 302
    back = client.get(signed_in.headers["Location"])
    restored = back.get_data(as_text=True)
    assert back.status_code == 200 and typed in restored
    assert "They are not saved yet" in restored
    db.expire_all()
    assert db.exec(select(CpdRecord)).all() == [], "nothing is saved before pressing save"
    saved = client.post(
        "/your-cpd/new/unstructured",
        data={
            "csrf_token": csrf_token_from(restored),
            "form_type": "unstructured",
            "editor": re.search(r'name="editor" value="([^"]+)"', restored).group(1),  # type: ignore[union-attr]
            "title": "Course on the Care Act",
            "description": typed,
            "standard_parts": ["4.3"],
            "action": "draft",
        },
    )
    assert saved.status_code == 302
    db.expire_all()
    [record] = db.exec(select(CpdRecord)).all()
    assert record.owner_id == user.id and record.answers["description"] == typed


def test_refused_words_are_given_back_only_to_the_person_whose_page_it_was(
    signed_in_client: FlaskClient, other_client: FlaskClient, db: Session, user
) -> None:
    """A shared computer: Alex's refused words are held in the browser; Sam signs in
    there. Sam is not shown them, and nothing is saved to either account."""
    form = signed_in_client.get("/your-cpd/new/unstructured").get_data(as_text=True)
    kept_for = re.search(r'name="kept_for" value="([^"]+)"', form)
    assert kept_for
    account = signed_in_client.get("/account").get_data(as_text=True)
    signed_in_client.post("/sign-out", data={"csrf_token": csrf_token_from(account)})
    refused = signed_in_client.get("/sign-in").get_data(as_text=True)
    hold = signed_in_client.post(
        "/your-cpd/sign-in-to-save",
        data={
            "csrf_token": csrf_token_from(refused),
            "form_type": "unstructured",
            "kept_for": kept_for.group(1),
            "description": "Alex's private reflection",
        },
    )
    assert hold.status_code == 302
    sign_in_page = signed_in_client.get(hold.headers["Location"]).get_data(as_text=True)
    signed_in = signed_in_client.post(
        hold.headers["Location"],
        data={
            "csrf_token": csrf_token_from(sign_in_page),
            "email": "sam@example.com",
            "password": PASSWORD,
        },
    )
    back = signed_in_client.get(signed_in.headers["Location"], follow_redirects=True)
    page = back.get_data(as_text=True)
    assert "Alex&#39;s private reflection" not in page and "Alex's private reflection" not in page
    assert "written by someone else" in page
    db.expire_all()
    assert db.exec(select(CpdRecord)).all() == []


def test_a_new_record_past_the_accounts_record_limit_is_refused_with_the_words_kept(
    app: Flask, signed_in_client: FlaskClient, db: Session, user, policy: Policy
) -> None:
    import dataclasses

    assert user.id is not None
    _save(db, user.id, policy, editor="first")
    app.extensions["policy"] = dataclasses.replace(policy, max_records_per_account=1)
    form = signed_in_client.get("/your-cpd/new/unstructured").get_data(as_text=True)
    typed = "A second record the account has no room for"
    response = signed_in_client.post(
        "/your-cpd/new/unstructured",
        data={"csrf_token": csrf_token_from(form), "title": "Second", "description": typed},
    )
    page = response.get_data(as_text=True)
    assert response.status_code == 400
    assert "Your account holds 1 CPD records, the most one account can" in page
    assert typed in page
    autosave = signed_in_client.post(
        "/your-cpd/autosave",
        data={"form_type": "unstructured", "title": "Third", "editor": "another-page"},
        headers={"HX-Request": "true", "X-CSRFToken": csrf_token_from(form)},
    )
    assert autosave.status_code == 507
    db.expire_all()
    assert len(db.exec(select(CpdRecord)).all()) == 1
