"""CPD records through plain HTML forms: record, draft, edit, conflicts, delete, restore,
and every page limited to its owner."""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

import pytest
from flask.testing import FlaskClient
from sqlmodel import Session, select

from app.cpd import rules
from app.policy import Policy
from app.records.models import CpdRecord, CpdRevision
from tests.conftest import csrf_token_from, submit
from tests.support.answers import structured_answers, unstructured_answers
from tests.support.records import save_new_page

pytestmark = pytest.mark.db


def records(db: Session) -> list[CpdRecord]:
    db.expire_all()
    return list(db.exec(select(CpdRecord).order_by(CpdRecord.id)))


def text_of(response: Any) -> str:
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", response.get_data(as_text=True)))


def test_recording_structured_cpd_shows_the_confirmation(
    signed_in_client: FlaskClient, db: Session
) -> None:
    response = submit(signed_in_client, "/your-cpd/new/structured", structured_answers())
    assert response.status_code == 302
    [record] = records(db)
    assert record.status == "recorded"
    assert record.completed_on == dt.date(2026, 6, 3)
    assert response.headers["Location"] == f"/your-cpd/{record.id}/recorded"
    page = signed_in_client.get(response.headers["Location"])
    assert "CPD recorded" in text_of(page)
    assert "Safeguarding adults refresher" in text_of(page)


def test_an_empty_structured_form_lists_every_problem_and_saves_nothing(
    signed_in_client: FlaskClient, db: Session
) -> None:
    response = submit(signed_in_client, "/your-cpd/new/structured", {"action": "record"})
    assert response.status_code == 400
    page = text_of(response)
    assert page.count("Enter a title for this CPD") == 2  # summary and inline
    for message in (
        "Enter the date you completed this CPD",
        "Select the type of CPD activity",
        "Enter what you did and why it is relevant to your practice",
        "Enter what you learned",
        "Enter how it has changed, or will change, your practice",
        "Select at least one part of the CPD standard",
    ):
        assert page.count(message) == 2, message
    assert "<title>Error: Record CPD using the structured form" in response.get_data(as_text=True)
    assert records(db) == []


def test_an_over_limit_answer_is_refused_but_kept_in_the_form(
    signed_in_client: FlaskClient, db: Session, policy: Policy
) -> None:
    limit = policy.limit("what_you_learned")
    too_long = "x" * (limit + 1)
    response = submit(
        signed_in_client,
        "/your-cpd/new/structured",
        structured_answers(what_you_learned=too_long),
    )
    assert response.status_code == 400
    assert (
        f"What did you learn? must be {limit:,} characters or fewer — you have {limit + 1:,}"
        in text_of(response)
    )
    assert too_long in response.get_data(as_text=True)
    assert records(db) == []


def test_windows_line_breaks_count_as_one_character(
    signed_in_client: FlaskClient, db: Session, policy: Policy
) -> None:
    limit = policy.limit("what_you_learned")
    lines = ["y" * 9] * (limit // 10)  # 10 characters a line once CRLF counts as one
    exactly_at_limit = "\r\n".join(lines) + "\r\n"
    assert len(exactly_at_limit) > limit  # as posted, before normalising
    response = submit(
        signed_in_client,
        "/your-cpd/new/structured",
        structured_answers(what_you_learned=exactly_at_limit),
    )
    assert response.status_code == 302
    [record] = records(db)
    assert "\r" not in record.answers["what_you_learned"]


def test_a_draft_keeps_anything_even_over_the_limit(
    signed_in_client: FlaskClient, db: Session, policy: Policy
) -> None:
    too_long = "z" * (policy.limit("title") + 20)
    response = submit(
        signed_in_client,
        "/your-cpd/new/unstructured",
        {"title": too_long, "description": "half a thought", "action": "draft"},
    )
    assert response.status_code == 302
    [record] = records(db)
    assert record.status == "draft"
    assert record.answers["title"] == too_long
    your_cpd = text_of(signed_in_client.get("/your-cpd"))
    assert "Draft" in your_cpd and "Does not count towards your renewal" in your_cpd


def test_an_untitled_draft_gets_a_placeholder_name(
    signed_in_client: FlaskClient, db: Session
) -> None:
    submit(signed_in_client, "/your-cpd/new/unstructured", {"action": "draft"})
    assert "Untitled draft started" in text_of(signed_in_client.get("/your-cpd"))


def test_a_form_posted_without_a_button_is_kept_as_a_draft(
    signed_in_client: FlaskClient, db: Session
) -> None:
    answers = unstructured_answers()
    del answers["action"]
    assert submit(signed_in_client, "/your-cpd/new/unstructured", answers).status_code == 302
    assert records(db)[0].status == "draft"


def test_saving_a_draft_of_changes_keeps_recorded_cpd_recorded(
    signed_in_client: FlaskClient, db: Session
) -> None:
    submit(signed_in_client, "/your-cpd/new/unstructured", unstructured_answers())
    [record] = records(db)
    edit = f"/your-cpd/{record.id}/edit"
    response = submit(
        signed_in_client,
        edit,
        unstructured_answers(description="A better description", action="draft", version="1"),
    )
    assert response.status_code == 302
    [record] = records(db)
    assert record.status == "recorded"
    assert record.answers["description"].startswith("I read two papers")
    assert record.pending_answers is not None
    assert record.pending_answers["description"] == "A better description"
    # The edit form opens with the pending changes; the view shows what counts.
    assert "A better description" in signed_in_client.get(edit).get_data(as_text=True)
    view = text_of(signed_in_client.get(f"/your-cpd/{record.id}"))
    assert "I read two papers" in view and "draft changes" in view

    # "Save changes" with a valid record makes the changes the recorded version.
    response = submit(
        signed_in_client,
        edit,
        unstructured_answers(description="A better description", version="2"),
    )
    assert response.status_code == 302
    [record] = records(db)
    assert record.answers["description"] == "A better description"
    assert record.pending_answers is None
    assert record.version == 3


def test_save_changes_refuses_an_invalid_record_and_keeps_it_recorded(
    signed_in_client: FlaskClient, db: Session
) -> None:
    submit(signed_in_client, "/your-cpd/new/unstructured", unstructured_answers())
    [record] = records(db)
    response = submit(
        signed_in_client,
        f"/your-cpd/{record.id}/edit",
        unstructured_answers(description="", version="1"),
    )
    assert response.status_code == 400
    assert "Describe your CPD and how it meets the CPD standard" in text_of(response)
    [record] = records(db)
    assert record.status == "recorded" and record.version == 1


def test_every_save_keeps_a_revision_the_user_can_see(
    signed_in_client: FlaskClient, db: Session
) -> None:
    submit(signed_in_client, "/your-cpd/new/unstructured", unstructured_answers(action="draft"))
    [record] = records(db)
    submit(
        signed_in_client,
        f"/your-cpd/{record.id}/edit",
        unstructured_answers(description="Second go", version="1"),
    )
    revisions = list(db.exec(select(CpdRevision).where(CpdRevision.record_id == record.id)))
    assert [r.kind for r in revisions] == ["Draft saved", "Recorded"]
    history = text_of(signed_in_client.get(f"/your-cpd/{record.id}/history"))
    assert "Version 2: Recorded" in history and "Version 1: Draft saved" in history
    assert "I read two papers" in history and "Second go" in history


def test_a_stale_save_shows_both_versions_and_overwrites_nothing(
    signed_in_client: FlaskClient, db: Session
) -> None:
    submit(signed_in_client, "/your-cpd/new/unstructured", unstructured_answers())
    [record] = records(db)
    edit = f"/your-cpd/{record.id}/edit"
    submit(
        signed_in_client, edit, unstructured_answers(description="Saved in tab one", version="1")
    )
    response = submit(
        signed_in_client, edit, unstructured_answers(description="Typed in tab two", version="1")
    )
    assert response.status_code == 409
    page = text_of(response)
    assert "Saved in tab one" in page and "Typed in tab two" in page
    assert records(db)[0].answers["description"] == "Saved in tab one"

    # "Keep both": tab two's text becomes a new draft, the saved version stays.
    html = response.get_data(as_text=True)
    keep_both = re.search(
        r'<form method="post" action="/your-cpd/new/unstructured">(.*?)</form>', html, re.S
    )
    assert keep_both
    fields = re.findall(r'<input type="hidden" name="([^"]+)" value="([^"]*)">', keep_both.group(1))
    data: dict[str, Any] = {}
    for name, value in fields:
        data.setdefault(name, []).append(value)
    assert signed_in_client.post("/your-cpd/new/unstructured", data=data).status_code == 302
    kept = records(db)
    assert [r.answers["description"] for r in kept] == ["Saved in tab one", "Typed in tab two"]
    assert kept[1].status == "draft"


def test_keep_my_version_saves_over_the_newer_one_when_chosen(
    signed_in_client: FlaskClient, db: Session
) -> None:
    submit(signed_in_client, "/your-cpd/new/unstructured", unstructured_answers())
    [record] = records(db)
    edit = f"/your-cpd/{record.id}/edit"
    submit(signed_in_client, edit, unstructured_answers(description="First", version="1"))
    conflict = submit(signed_in_client, edit, unstructured_answers(description="Mine", version="1"))
    html = conflict.get_data(as_text=True)
    form = re.search(rf'<form method="post" action="{edit}">(.*?)</form>', html, re.S)
    assert form
    data: dict[str, Any] = {}
    for name, value in re.findall(r'name="([^"]+)" value="([^"]*)"', form.group(1)):
        data.setdefault(name, []).append(value)
    assert signed_in_client.post(edit, data=data).status_code == 302
    [record] = records(db)
    assert record.answers["description"] == "Mine" and record.version == 3


def test_delete_asks_first_then_restore_brings_it_back(
    signed_in_client: FlaskClient, db: Session
) -> None:
    submit(signed_in_client, "/your-cpd/new/structured", structured_answers())
    [record] = records(db)
    question = signed_in_client.get(f"/your-cpd/{record.id}/delete")
    assert "Are you sure you want to delete ‘Safeguarding adults refresher’?" in text_of(question)
    token = csrf_token_from(question.get_data(as_text=True))
    assert (
        signed_in_client.post(
            f"/your-cpd/{record.id}/delete", data={"csrf_token": token}
        ).status_code
        == 302
    )
    your_cpd = signed_in_client.get("/your-cpd").get_data(as_text=True)
    assert "is deleted" in your_cpd and f"/your-cpd/{record.id}/edit" not in your_cpd
    assert signed_in_client.get(f"/your-cpd/{record.id}").status_code == 404
    deleted = signed_in_client.get("/your-cpd/recently-deleted")
    assert "Safeguarding adults refresher" in text_of(deleted)
    token = csrf_token_from(deleted.get_data(as_text=True))
    assert (
        signed_in_client.post(
            f"/your-cpd/{record.id}/restore", data={"csrf_token": token}
        ).status_code
        == 302
    )
    assert signed_in_client.get(f"/your-cpd/{record.id}").status_code == 200


def test_records_deleted_longer_ago_than_the_policy_cannot_be_restored(
    signed_in_client: FlaskClient, db: Session, policy: Policy
) -> None:
    submit(signed_in_client, "/your-cpd/new/structured", structured_answers())
    [record] = records(db)
    record.deleted_at = dt.datetime.now(dt.UTC) - dt.timedelta(
        days=policy.recently_deleted_days, minutes=1
    )
    db.add(record)
    db.commit()
    deleted = signed_in_client.get("/your-cpd/recently-deleted")
    assert "Safeguarding adults refresher" not in text_of(deleted)
    token = csrf_token_from(signed_in_client.get("/your-cpd").get_data(as_text=True))
    assert (
        signed_in_client.post(
            f"/your-cpd/{record.id}/restore", data={"csrf_token": token}
        ).status_code
        == 404
    )


def test_progress_counts_recorded_cpd_this_year_and_the_parts_shown(
    signed_in_client: FlaskClient, policy: Policy
) -> None:
    today = policy.today()
    date = {
        "completed_day": str(today.day),
        "completed_month": str(today.month),
        "completed_year": str(today.year),
    }
    submit(signed_in_client, "/your-cpd/new/structured", structured_answers(**date))
    submit(
        signed_in_client, "/your-cpd/new/unstructured", unstructured_answers(action="draft", **date)
    )
    page = signed_in_client.get("/your-cpd").get_data(as_text=True)
    assert "You have recorded <strong>1</strong> piece of CPD this year." in page
    shown = re.search(r'id="parts-shown">(.*?)</ul>', page, re.S)
    assert (
        shown
        and "4.3" in shown.group(1)
        and "4.4" in shown.group(1)
        and "4.2" not in shown.group(1)
    )


def test_another_users_record_is_not_found_on_every_route(
    signed_in_client: FlaskClient, other_client: FlaskClient, db: Session
) -> None:
    submit(signed_in_client, "/your-cpd/new/structured", structured_answers())
    [record] = records(db)
    client = other_client
    token = csrf_token_from(client.get("/your-cpd").get_data(as_text=True))
    for path in ("", "/edit", "/history", "/delete", "/recorded"):
        assert client.get(f"/your-cpd/{record.id}{path}").status_code == 404, path
    for path in ("/edit", "/delete", "/restore", "/discard-changes"):
        response = client.post(
            f"/your-cpd/{record.id}{path}", data={"csrf_token": token, "version": "1"}
        )
        assert response.status_code == 404, path
    assert records(db)[0].deleted_at is None


def test_the_purge_command_removes_only_what_has_expired(app, db: Session, user, policy) -> None:
    from app.cpd import services

    kept_result = save_new_page(db, owner_id=user.id, policy=policy, title="Keep")
    old_result = save_new_page(db, owner_id=user.id, policy=policy, title="Old")
    assert kept_result.record and old_result.record
    services.delete_record(db, kept_result.record, based_on_version=None, policy=policy)
    old_result.record.deleted_at = dt.datetime.now(dt.UTC) - dt.timedelta(
        days=policy.recently_deleted_days + 1
    )
    db.add(old_result.record)
    db.commit()
    result = app.test_cli_runner().invoke(args=["purge-expired"])
    assert result.exception is None, result.exception
    output = result.output
    assert "Removed 1 deleted records" in output
    assert [r.answers["title"] for r in records(db)] == ["Keep"]


def test_answers_are_shown_as_typed_never_as_markup(
    signed_in_client: FlaskClient, db: Session
) -> None:
    """Answers go through one escaping, in the summary lists of the view and history."""
    typed = "<script>alert('x')</script> & <b>bold</b>\nLine two"
    submit(
        signed_in_client,
        "/your-cpd/new/unstructured",
        unstructured_answers(action="draft", description=typed),
    )
    [record] = records(db)
    for path in (f"/your-cpd/{record.id}", f"/your-cpd/{record.id}/history"):
        html = signed_in_client.get(path).get_data(as_text=True)
        assert "<script>alert" not in html and "<b>bold</b>" not in html, path
        shown = re.search(r'<span class="app-multiline">(&lt;script.*?)</span>', html, re.S)
        assert shown, path
        # The summary list indents the lines of its values; pre-line folds the spaces.
        assert re.sub(r"\n\s*", "\n", shown.group(1)) == (
            "&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt; &amp; "
            "&lt;b&gt;bold&lt;/b&gt;\nLine two"
        ), path


def test_every_box_is_labelled_with_its_one_question_and_other_s_error_agrees(
    signed_in_client: FlaskClient,
) -> None:
    other_left_empty = structured_answers(activity_type="other", activity_other="")
    html = submit(signed_in_client, "/your-cpd/new/structured", other_left_empty).get_data(
        as_text=True
    )
    for name in ("title", "activity_other", "what_you_did", "peer_reflection"):
        label = re.search(rf'<label[^>]*for="{name}"[^>]*>\s*(.*?)\s*</label>', html, re.S)
        assert label and label.group(1) == rules.label(name), name
    assert '<a href="#activity_other">Enter what type of activity it was</a>' in html
