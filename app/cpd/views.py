"""Thin views: read the request, call a service, render or redirect."""

from __future__ import annotations

import secrets
from typing import Any

from flask import abort, current_app, flash, redirect, render_template, request, url_for
from flask_login import current_user, login_required
from werkzeug.wrappers import Response

from app.cpd import bp, presenters, rules, services
from app.cpd import kept as kept_forms
from app.cpd.kept import signed_in_keeping_posts
from app.cpd.models import CpdRecord, KeptForm
from app.db import get_session
from app.policy import Policy


def _policy() -> Policy:
    policy: Policy = current_app.extensions["policy"]
    return policy


def _owner_id() -> int:
    return int(current_user.id)


def _owned(record_id: int, *, deleted: bool = False) -> CpdRecord:
    try:
        return services.get_record(
            get_session(), owner_id=_owner_id(), record_id=record_id, deleted=deleted
        )
    except services.RecordNotFound:
        abort(404)


def _action() -> str:
    # A form sent without pressing a button (Enter in some text browsers) keeps a draft:
    # it never records CPD by accident and never throws the answers away.
    action = request.form.get("action", services.DRAFT_ACTION)
    return action if action in services.ACTIONS else services.DRAFT_ACTION


def _editor() -> str | None:
    """The form page's own token (see CpdRecord.last_editor)."""
    editor = request.form.get("editor", "").strip()
    return editor[:64] or None


def _posted_version() -> int | None:
    try:
        return int(request.form.get("version", ""))
    except ValueError:
        return None


def _restored() -> KeptForm | None:
    """The kept form named by ?restore=, if it is this person's and not expired."""
    return kept_forms.get_kept(
        get_session(), user_id=_owner_id(), kept_id=request.args.get("restore")
    )


def _render_form(
    form_type: str,
    answers: dict[str, Any],
    *,
    record: CpdRecord | None = None,
    problems: dict[str, str] | None = None,
    status: int = 200,
    kept: KeptForm | None = None,
) -> tuple[str, int]:
    problems = problems or {}
    if kept is not None:
        flash(
            "We kept the answers you sent when you were signed out: they are back on the "
            "form. Check them and save.",
            "info",
        )
    return (
        render_template(
            "pages/cpd/form.html",
            form_type=form_type,
            answers=answers,
            record=record,
            problems=problems,
            error_links=_error_links(problems, answers),
            date_error_parts=_date_error_parts(answers) if "completed" in problems else (),
            page_has_errors=bool(problems),
            editor=(kept.data.get("editor") if kept else request.form.get("editor"))
            or secrets.token_urlsafe(16),
            based_on_version=kept.data.get("version") if kept else request.form.get("version"),
        ),
        status,
    )


def _date_error_parts(answers: dict[str, Any]) -> tuple[str, ...]:
    """Which of day, month and year the date error is about, to highlight those boxes."""
    check = rules.check_date(
        str(answers.get("completed_day") or ""),
        str(answers.get("completed_month") or ""),
        str(answers.get("completed_year") or ""),
        policy=_policy(),
        today=_policy().today(),
    )
    return check.parts or ("day", "month", "year")


def _error_links(problems: dict[str, str], answers: dict[str, Any]) -> list[dict[str, str]]:
    """Error summary entries that land on the exact input: the first wrong date part,
    the first radio or checkbox."""
    links = []
    for name, message in problems.items():
        target = name
        if name == "completed":
            target = "completed_" + _date_error_parts(answers)[0]
        links.append({"text": message, "href": f"#{target}"})
    return links


@bp.route("/your-cpd")
@login_required
def your_cpd() -> str:
    db = get_session()
    records = services.list_records(db, owner_id=_owner_id())
    return render_template(
        "pages/cpd/your-cpd.html",
        progress=services.progress(db, owner_id=_owner_id(), policy=_policy()),
        groups=presenters.group_by_registration_year(records, _policy()),
        drafts=[r for r in records if not r.is_recorded],
    )


@bp.route("/your-cpd/new/<form_type>", methods=["GET", "POST"])
@signed_in_keeping_posts
def new_record(form_type: str) -> str | tuple[str, int] | Response:
    if form_type not in rules.FORM_TYPES:
        abort(404)
    if request.method == "GET":
        restored = _restored()
        if restored is not None:
            return _render_form(form_type, restored.data["answers"], kept=restored)
        return _render_form(form_type, {"standard_parts": []})
    if request.form.get("record_id", "").isdigit():
        # Autosave already made this form a draft: save to that draft, not a second one.
        return _save_existing(_owned(int(request.form["record_id"])))
    made_by_this_page = services.find_by_editor(
        get_session(), owner_id=_owner_id(), editor=_editor()
    )
    if made_by_this_page is not None:
        # Its first autosave was still on its way when the button was pressed.
        return _save_existing(made_by_this_page)
    answers = services.answers_from_form(request.form, form_type)
    action = _action()
    result = services.create_record(
        get_session(),
        owner_id=_owner_id(),
        form_type=form_type,
        answers=answers,
        action=action,
        policy=_policy(),
        editor=_editor(),
    )
    if not result.saved:
        return _render_form(form_type, answers, problems=result.problems, status=400)
    assert result.record is not None
    return _after_save(result.record, action)


def _after_save(record: CpdRecord, action: str) -> Response:
    assert record.id is not None
    if action == services.RECORD:
        return redirect(url_for("cpd.recorded", record_id=record.id))
    title = presenters.record_title(record, _policy(), record.working_answers)
    if record.is_recorded:
        flash(
            f"Your changes to ‘{title}’ are saved as a draft. The recorded version still "
            "counts until you save the changes.",
            "success",
        )
    else:
        flash(
            f"‘{title}’ is saved as a draft. Drafts do not count towards your renewal "
            "until you record them.",
            "success",
        )
    return redirect(url_for("cpd.your_cpd"))


@bp.route("/your-cpd/<int:record_id>")
@login_required
def view_record(record_id: int) -> str:
    record = _owned(record_id)
    return render_template(
        "pages/cpd/view.html",
        record=record,
        answers=presenters.answer_list(record.answers, record.form_type, _policy()),
        parts=presenters.parts_shown(record.answers, _policy()),
    )


@bp.route("/your-cpd/<int:record_id>/edit", methods=["GET", "POST"])
@signed_in_keeping_posts
def edit_record(record_id: int) -> str | tuple[str, int] | Response:
    record = _owned(record_id)
    if request.method == "GET":
        restored = _restored()
        if restored is not None and restored.record_id == record.id:
            return _render_form(
                record.form_type, restored.data["answers"], record=record, kept=restored
            )
        return _render_form(record.form_type, record.working_answers, record=record)
    return _save_existing(record)


def _save_existing(record: CpdRecord) -> str | tuple[str, int] | Response:
    answers = services.answers_from_form(request.form, record.form_type)
    action = _action()
    try:
        result = services.save_record(
            get_session(),
            record,
            answers=answers,
            action=action,
            based_on_version=_posted_version(),
            policy=_policy(),
            editor=_editor(),
        )
    except services.VersionConflict as conflict:
        return _conflict(conflict.record, answers, action)
    if not result.saved:
        return _render_form(
            record.form_type, answers, record=record, problems=result.problems, status=400
        )
    return _after_save(record, action)


def _conflict(record: CpdRecord, answers: dict[str, Any], action: str) -> tuple[str, int]:
    """Both versions side by side; nothing is overwritten until the person chooses."""
    policy = _policy()
    saved = record.working_answers
    mine = presenters.answer_list(answers, record.form_type, policy)
    theirs = presenters.answer_list(saved, record.form_type, policy)
    return (
        render_template(
            "pages/cpd/conflict.html",
            record=record,
            answers=answers,
            action=action,
            comparison=list(zip(mine, theirs, strict=True)),
            hidden_fields=_hidden_fields(answers),
        ),
        409,
    )


def _hidden_fields(answers: dict[str, Any]) -> list[tuple[str, str]]:
    fields: list[tuple[str, str]] = []
    for name, value in answers.items():
        if isinstance(value, list):
            fields.extend((name, str(item)) for item in value)
        else:
            fields.append((name, str(value)))
    return fields


@bp.route("/your-cpd/<int:record_id>/discard-changes", methods=["POST"])
@login_required
def discard_changes(record_id: int) -> str | tuple[str, int] | Response:
    record = _owned(record_id)
    try:
        services.discard_pending_changes(
            get_session(), record, based_on_version=_posted_version() or 0
        )
    except services.VersionConflict:
        flash("This CPD changed in another window. Check it before discarding anything.")
        return redirect(url_for("cpd.view_record", record_id=record_id))
    flash("Your draft changes are discarded. The recorded version is unchanged.", "success")
    return redirect(url_for("cpd.view_record", record_id=record_id))


@bp.route("/your-cpd/<int:record_id>/recorded")
@login_required
def recorded(record_id: int) -> str:
    record = _owned(record_id)
    if not record.is_recorded:
        abort(404)
    assert record.completed_on is not None
    start, end = rules.registration_year_containing(record.completed_on, _policy())
    return render_template(
        "pages/cpd/recorded.html",
        record=record,
        year=rules.describe_registration_year(start, end),
        progress=services.progress(get_session(), owner_id=_owner_id(), policy=_policy()),
        in_current_year=start <= _policy().today() <= end,
    )


@bp.route("/your-cpd/<int:record_id>/history")
@login_required
def history(record_id: int) -> str:
    record = _owned(record_id)
    revisions = services.revisions(get_session(), record)
    return render_template(
        "pages/cpd/history.html",
        record=record,
        revisions=[
            (revision, presenters.answer_list(revision.answers, record.form_type, _policy()))
            for revision in revisions
        ],
    )


@bp.route("/your-cpd/<int:record_id>/delete", methods=["GET", "POST"])
@login_required
def delete_record(record_id: int) -> str | Response:
    record = _owned(record_id)
    title = presenters.record_title(record, _policy())
    if request.method == "GET":
        return render_template("pages/cpd/delete.html", record=record, title=title)
    services.delete_record(get_session(), record)
    flash(
        f"‘{title}’ is deleted. You can restore it from recently deleted CPD for "
        f"{_policy().recently_deleted_days} days.",
        "success",
    )
    return redirect(url_for("cpd.your_cpd"))


@bp.route("/your-cpd/recently-deleted")
@login_required
def recently_deleted() -> str:
    records = services.recently_deleted(get_session(), owner_id=_owner_id(), policy=_policy())
    return render_template("pages/cpd/recently-deleted.html", records=records)


@bp.route("/your-cpd/<int:record_id>/restore", methods=["POST"])
@login_required
def restore_record(record_id: int) -> Response:
    try:
        record = services.restore_record(
            get_session(), owner_id=_owner_id(), record_id=record_id, policy=_policy()
        )
    except services.RecordNotFound:
        abort(404)
    flash(f"‘{presenters.record_title(record, _policy())}’ is restored.", "success")
    return redirect(url_for("cpd.your_cpd"))
