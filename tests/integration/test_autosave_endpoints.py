"""The endpoints behind autosave and live counts, as htmx calls them."""

from __future__ import annotations

import re
from typing import Any

import pytest
from flask.testing import FlaskClient
from sqlmodel import Session, select

from app.cpd import services
from app.records.models import CpdRecord
from tests.conftest import csrf_token_from
from tests.support.records import save_new_page

pytestmark = pytest.mark.db

HX = {"HX-Request": "true", "HX-Current-URL": "http://localhost/your-cpd/new/unstructured"}


def _token(client: FlaskClient) -> str:
    return csrf_token_from(client.get("/your-cpd/new/unstructured").get_data(as_text=True))


def autosave(client: FlaskClient, **form: Any) -> Any:
    headers = {**HX, "X-CSRFToken": _token(client)}
    data = {"form_type": "unstructured", "record_id": "", "version": "", **form}
    return client.post("/your-cpd/autosave", data=data, headers=headers)


def stored(db: Session) -> list[CpdRecord]:
    db.expire_all()
    return list(db.exec(select(CpdRecord).order_by(CpdRecord.id)))


def test_the_first_autosave_makes_a_draft_and_points_the_address_bar_at_it(
    signed_in_client: FlaskClient, db: Session
) -> None:
    response = autosave(signed_in_client, title="Half done", editor="page-1")
    assert response.status_code == 200
    [record] = stored(db)
    assert record.status == "draft" and record.answers["title"] == "Half done"
    assert response.headers["HX-Replace-Url"] == f"/your-cpd/{record.id}/edit"
    body = response.get_data(as_text=True)
    assert "Draft saved at" in body
    assert 'id="autosave-state" data-hx-swap-oob="true"' in body
    assert f'name="record_id" value="{record.id}"' in body
    assert 'name="version" value="1"' in body
    assert "HX-Request" in response.headers["Vary"]
    assert response.headers["X-CSRF-Token"]


def test_an_empty_form_makes_nothing(signed_in_client: FlaskClient, db: Session) -> None:
    assert autosave(signed_in_client, title="  ").status_code == 200
    assert stored(db) == []


def test_autosave_never_reports_missing_answers_and_keeps_over_limit_text(
    signed_in_client: FlaskClient, db: Session
) -> None:
    response = autosave(signed_in_client, title="t" * 500)
    assert "Enter" not in response.get_data(as_text=True)
    assert stored(db)[0].answers["title"] == "t" * 500


def test_a_stale_autosave_is_refused_with_a_way_to_compare(
    signed_in_client: FlaskClient, db: Session
) -> None:
    autosave(signed_in_client, title="First", editor="page-1")
    [record] = stored(db)
    autosave(
        signed_in_client, title="Second", record_id=str(record.id), version="1", editor="page-2"
    )
    response = autosave(
        signed_in_client, title="Stale", record_id=str(record.id), version="1", editor="page-1"
    )
    assert response.status_code == 409
    assert "This CPD was changed somewhere else" in response.get_data(as_text=True)
    assert "Compare the two versions" in response.get_data(as_text=True)
    assert stored(db)[0].answers["title"] == "Second"


def test_a_pages_own_autosave_in_flight_is_not_a_conflict_for_its_button(
    signed_in_client: FlaskClient, db: Session
) -> None:
    # The button press carries no record id yet: its first autosave was still on its way.
    autosave(signed_in_client, title="Raced", editor="page-9")
    token = _token(signed_in_client)
    response = signed_in_client.post(
        "/your-cpd/new/unstructured",
        data={"csrf_token": token, "title": "Raced", "editor": "page-9", "action": "draft"},
    )
    assert response.status_code == 302
    assert len(stored(db)) == 1


def test_autosaving_recorded_cpd_saves_a_pending_draft(
    signed_in_client: FlaskClient, db: Session
) -> None:
    token = _token(signed_in_client)
    signed_in_client.post(
        "/your-cpd/new/unstructured",
        data={
            "csrf_token": token,
            "title": "Recorded",
            "completed_day": "1",
            "completed_month": "1",
            "completed_year": "2024",
            "description": "Done.",
            "standard_parts": "4.1",
            "action": "record",
        },
    )
    [record] = stored(db)
    response = autosave(
        signed_in_client,
        title="Recorded",
        description="Changed.",
        record_id=str(record.id),
        version="1",
    )
    assert "Draft of your changes saved at" in response.get_data(as_text=True)
    [record] = stored(db)
    assert record.status == "recorded" and record.answers["description"] == "Done."
    assert record.pending_answers and record.pending_answers["description"] == "Changed."


def test_a_signed_out_autosave_gets_a_message_not_the_sign_in_page(
    client: FlaskClient,
) -> None:
    token = csrf_token_from(client.get("/sign-in").get_data(as_text=True))
    response = client.post(
        "/your-cpd/autosave",
        data={"form_type": "unstructured", "title": "x"},
        headers={**HX, "X-CSRFToken": token},
    )
    assert response.status_code == 401
    body = response.get_data(as_text=True)
    assert "You have been signed out." in body
    assert "/sign-in?next=/your-cpd/new/unstructured" in body
    assert "<html" not in body
    assert "HX-Request" in response.headers["Vary"]


def test_the_count_is_rendered_by_the_same_rules_as_the_hint(client: FlaskClient) -> None:
    token = csrf_token_from(client.get("/sign-in").get_data(as_text=True))
    response = client.post(
        "/your-cpd/count/title",
        data={"title": "a\r\n" * 34},  # 68 characters once each CRLF counts as one
        headers={**HX, "X-CSRFToken": token},
    )
    body = response.get_data(as_text=True)
    assert "You have 32 characters remaining" in body
    assert "You can enter up to 100 characters" in body
    assert 'id="title-announce" class="govuk-visually-hidden" data-hx-swap-oob="innerHTML"' in body
    over = client.post(
        "/your-cpd/count/title", data={"title": "b" * 112}, headers={**HX, "X-CSRFToken": token}
    ).get_data(as_text=True)
    assert "You have 12 characters too many" in over and "govuk-error-message" in over
    assert (
        client.post(
            "/your-cpd/count/password", data={}, headers={**HX, "X-CSRFToken": token}
        ).status_code
        == 404
    )


def test_two_creates_from_one_form_page_make_one_record(db: Session, user, policy) -> None:
    """The page's first autosave and its button press can both arrive before either
    has made the record; the database lets only one make it, the other saves to it."""
    first = save_new_page(db, owner_id=user.id, policy=policy, editor="same-page", title="A")
    assert first.record is not None and first.created
    # The other request looked for the page's record before the first had made it.
    record, new = services.start_record(
        db, owner_id=user.id, form_type="unstructured", editor="same-page"
    )
    assert not new and record.id == first.record.id
    second = save_new_page(db, owner_id=user.id, policy=policy, editor="same-page", title="B")
    assert second.record is not None and second.record.id == first.record.id
    assert not second.created
    assert [r.answers["title"] for r in stored(db)] == ["B"]


def test_of_two_tabs_racing_from_one_version_only_one_saves(app, db: Session, user, policy) -> None:
    """The compare-and-set on the version: both tabs read version 1 and both pass the
    check before either writes; the second write finds the version moved on."""
    made = save_new_page(db, owner_id=user.id, policy=policy, editor="tab-a", title="Start")
    assert made.record is not None
    engine = app.extensions["db_engine"]
    with (
        Session(engine, expire_on_commit=False) as tab_a,
        Session(engine, expire_on_commit=False) as tab_b,
    ):
        in_a = tab_a.get(CpdRecord, made.record.id)
        in_b = tab_b.get(CpdRecord, made.record.id)
        assert in_a is not None and in_b is not None
        assert in_a.version == in_b.version == 1

        def write(tab: Session, record: CpdRecord, title: str, editor: str) -> None:
            services.claim_version(tab, record, expected=1, editor=editor)
            services.write_answers(
                tab,
                record,
                answers={"title": title, "standard_parts": [], "documents": []},
                action="draft",
                policy=policy,
                editor=editor,
            )
            tab.commit()

        write(tab_a, in_a, "Tab A", "tab-a")
        with pytest.raises(services.VersionConflict):
            write(tab_b, in_b, "Tab B", "tab-b")
        # The same page's own second request (two of its autosaves at once) is no
        # conflict: it takes the newer version.
        in_b = tab_b.get(CpdRecord, made.record.id)
        assert in_b is not None
        write(tab_b, in_b, "Tab A again", "tab-a")
    [record] = stored(db)
    assert (record.version, record.answers["title"]) == (3, "Tab A again")


def test_a_new_form_asked_to_continue_goes_on_to_the_draft_its_words_made(
    signed_in_client: FlaskClient, db: Session, other_client: FlaskClient
) -> None:
    """static/js/leaving.mjs: a new form reloaded after its words were sent as it went."""
    autosave(signed_in_client, title="Sent as the page went", editor="left-page")
    [record] = stored(db)
    response = signed_in_client.get("/your-cpd/new/unstructured?continue=left-page")
    assert response.status_code == 302
    assert response.headers["Location"] == f"/your-cpd/{record.id}/edit"
    # An unknown token is a new form, as is somebody else's token.
    assert signed_in_client.get("/your-cpd/new/unstructured?continue=nope").status_code == 200
    page = other_client.get("/your-cpd/new/unstructured?continue=left-page")
    assert page.status_code == 200
    assert "Sent as the page went" not in page.get_data(as_text=True)


def test_a_page_sent_on_to_continue_before_its_draft_lands_looks_again_without_waiting(
    app: Any, signed_in_client: FlaskClient, user: Any, policy: Any
) -> None:
    """The words sent as the page went and the page coming back race each other. The
    page answers at once (no worker waits for another request) with a short page that
    looks again; once the save has landed, looking again goes on to the draft. After
    a few looks it opens as a new form."""
    response = signed_in_client.get("/your-cpd/new/unstructured?continue=still-sending")
    page = response.get_data(as_text=True)
    assert response.status_code == 200 and "Opening your draft" in page
    again = re.search(r'http-equiv="refresh" content="1; url=([^"]+)"', page)
    assert again is not None
    look_again = again.group(1).replace("&amp;", "&")
    assert "look=2" in look_again
    with Session(app.extensions["db_engine"]) as late:
        save_new_page(late, owner_id=user.id, policy=policy, editor="still-sending", title="Late")
    response = signed_in_client.get(look_again)
    assert response.status_code == 302
    assert response.headers["Location"].endswith("/edit")
    last = signed_in_client.get("/your-cpd/new/unstructured?continue=never-sent&look=5")
    assert last.status_code == 200
    assert "Record CPD using the unstructured form" in last.get_data(as_text=True)


def test_an_autosave_of_a_draft_sends_six_statements_and_reads_no_record_first(
    app: Any, signed_in_client: FlaskClient, db: Session
) -> None:
    """What one autosave costs the database (issue 24): the session, the one
    compare-and-set on the record (which returns what the write needs, so the record is
    not read before it), the answers, the page's own revision (read, then brought up to
    date) and the storage counter's compare-and-set. No read of the record, no read of
    the counter before the write, no read of documents the page does not list."""
    from sqlalchemy import event

    first = autosave(signed_in_client, title="Half done", editor="page-1")
    [record] = stored(db)
    token = _token(signed_in_client)
    sent: list[str] = []

    def count(_conn: Any, _cursor: Any, statement: str, *_args: Any) -> None:
        sent.append(statement.split()[0].upper())

    engine = app.extensions["db_engine"]
    event.listen(engine, "before_cursor_execute", count)
    try:
        response = signed_in_client.post(
            "/your-cpd/autosave",
            data={
                "form_type": "unstructured",
                "record_id": str(record.id),
                "version": "1",
                "editor": "page-1",
                "title": "Half done, and a little more",
            },
            headers={**HX, "X-CSRFToken": token},
        )
    finally:
        event.remove(engine, "before_cursor_execute", count)
    assert first.status_code == response.status_code == 200
    assert sent == ["SELECT", "UPDATE", "UPDATE", "SELECT", "UPDATE", "UPDATE"]
    [record] = stored(db)
    assert record.version == 2 and record.answers["title"] == "Half done, and a little more"


def test_an_autosave_of_a_named_record_writes_what_every_other_save_writes(
    signed_in_client: FlaskClient, db: Session, user: Any
) -> None:
    """The autosave of a record its page names is written with plain statements, not the
    ORM (issue 24): it still keeps what the model's hook keeps for every other write
    (peer reflection, parts of the standard, the date), the page's one revision, and the
    storage counter in step with what the account stores; and for recorded CPD a draft
    of changes beside what is recorded, none when it is what is recorded."""
    from app.records.models import CpdRevision
    from app.uploads import quota

    token = _token(signed_in_client)

    def send(**form: Any) -> Any:
        data = {"form_type": "structured", "editor": "page-1", **form}
        return signed_in_client.post(
            "/your-cpd/autosave", data=data, headers={**HX, "X-CSRFToken": token}
        )

    first = send(title="Started", record_id="", version="")
    [record] = stored(db)
    assert (record.has_peer_reflection, record.standard_parts_key) == (False, None)
    second = send(
        title="Supervision",
        peer_reflection="We talked it through.",
        standard_parts=["4.3", "4.1"],
        completed_day="2",
        completed_month="3",
        completed_year="2025",
        record_id=str(record.id),
        version="1",
    )
    assert first.status_code == second.status_code == 200
    assert "Draft saved at" in second.get_data(as_text=True)
    assert 'name="version" value="2"' in second.get_data(as_text=True)
    [record] = stored(db)
    assert record.status == "draft" and record.version == 2
    assert record.answers["title"] == "Supervision" and record.last_editor == "page-1"
    assert record.has_peer_reflection is True
    assert record.standard_parts_key == '["4.1","4.3"]'
    assert str(record.completed_on) == "2025-03-02"
    db.expire_all()
    [revision] = db.exec(select(CpdRevision).where(CpdRevision.record_id == record.id)).all()
    assert revision.version == 2 and revision.answers == record.answers
    assert revision.kind == "Draft autosaved" and revision.autosaved
    assert quota.used_bytes(db, owner_id=user.id) == quota.measure(db, owner_id=user.id)

    # Recorded (straight in the database: what recording needs is not the point here),
    # then autosaved with a change, then with what is recorded.
    record.status = "recorded"
    db.add(record)
    db.commit()
    answers = {k: v for k, v in record.answers.items() if k != "documents"}
    changed = send(
        **{**answers, "title": "Supervision, changed"},
        record_id=str(record.id),
        version=str(record.version),
        editor="page-3",
    )
    assert "Draft of your changes saved at" in changed.get_data(as_text=True)
    [record] = stored(db)
    assert record.status == "recorded" and record.answers["title"] == "Supervision"
    assert record.pending_answers and record.pending_answers["title"] == "Supervision, changed"
    assert record.has_peer_reflection is True
    assert quota.used_bytes(db, owner_id=user.id) == quota.measure(db, owner_id=user.id)
    send(
        **answers,
        record_id=str(record.id),
        version=str(record.version),
        editor="page-3",
    )
    [record] = stored(db)
    assert record.pending_answers is None
    assert quota.used_bytes(db, owner_id=user.id) == quota.measure(db, owner_id=user.id)
