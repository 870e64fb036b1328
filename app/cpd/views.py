"""Thin views: read the request, call a service, render or redirect."""

from __future__ import annotations

import datetime as dt
import secrets
from collections.abc import Callable
from typing import Any

from flask import abort, flash, redirect, render_template, request, url_for
from flask_login import current_user, login_required
from werkzeug.wrappers import Response

from app import uploads
from app.cpd import anonymity, bp, listing, page, presenters, rules, services
from app.cpd import kept as kept_forms
from app.cpd.kept import signed_in_keeping_posts
from app.cpd.models import CpdDocument, CpdRecord, KeptForm
from app.db import get_session
from app.policy import current_policy
from app.renewal import services as renewal_services


def _owner_id() -> int:
    return int(current_user.id)


def _owned(record_id: int, *, deleted: bool = False) -> CpdRecord:
    try:
        return services.get_record(
            get_session(), owner_id=_owner_id(), record_id=record_id, deleted=deleted
        )
    except services.RecordNotFound:
        abort(404)


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


def render_form(
    form_type: str,
    answers: dict[str, Any],
    *,
    record: CpdRecord | None = None,
    problems: dict[str, str] | None = None,
    status: int = 200,
    kept: KeptForm | None = None,
    based_on_version: int | None = None,
    editor: str | None = None,
) -> tuple[str, int]:
    problems = problems or {}
    known = uploads.documents_of(get_session(), record) if record is not None else {}
    listed = uploads.listed(answers, known)
    warnings = anonymity.warnings_for(answers, form_type, listed)
    if kept is not None:
        flash(kept_forms.restored_message(kept), "info")
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
            editor=editor
            or (kept.data.get("editor") if kept else request.form.get("editor"))
            or secrets.token_urlsafe(16),
            kept_for=kept_forms.owner_token(current_user),
            based_on_version=based_on_version
            or (kept.data.get("version") if kept else request.form.get("version")),
            documents=listed,
            warnings={warning.target: warning for warning in warnings},
            confirmed=request.form.get(anonymity.CONFIRM_FIELD) == "yes",
        ),
        status,
    )


def _date_error_parts(answers: dict[str, Any]) -> tuple[str, ...]:
    """Which of day, month and year the date error is about, to highlight those boxes."""
    check = rules.check_answers_date(
        answers, policy=current_policy(), today=current_policy().today()
    )
    return check.parts or ("day", "month", "year")


def _error_links(problems: dict[str, str], answers: dict[str, Any]) -> list[dict[str, str]]:
    """Error summary entries that land on the exact input: the first wrong date part,
    the first radio or checkbox."""
    links: list[dict[str, str]] = []
    for name, message in problems.items():
        target = name
        if name == "completed":
            target = "completed_" + _date_error_parts(answers)[0]
        if name == "documents":
            # One entry for each refused file.
            links.extend({"text": line, "href": "#documents"} for line in message.split("\n"))
            continue
        links.append({"text": message, "href": f"#{target}"})
    return links


@bp.route("/your-cpd")
@login_required
def your_cpd() -> str:
    db, policy, owner_id = get_session(), current_policy(), _owner_id()
    today = policy.today()
    renewal = renewal_services.status_for(db, owner_id=owner_id, policy=policy, today=today)
    # The registration year is Ready to renew's year: its count serves both.
    progress = listing.progress(
        db, owner_id=owner_id, policy=policy, today=today, recorded=renewal.counts.recorded
    )
    page = _page_or_404(owner_id, progress.year_start, progress.year_end, progress.recorded)
    return render_template(
        "pages/cpd/your-cpd.html",
        progress=progress,
        page=page,
        pagination=listing.pagination(page, lambda n: url_for("cpd.your_cpd", page=n)),
        # Drafts on the first page only, a page of them at most; Your drafts lists
        # them all, and later pages link there (issue 23).
        drafts=listing.drafts_page(db, owner_id=owner_id, number=1, total=renewal.counts.drafts)
        if page.number == 1
        else None,
        earlier_years=listing.earlier_years(
            db, owner_id=owner_id, before=progress.year_start, policy=policy
        ),
        renewal=renewal,
    )


@bp.route("/your-cpd/years/<int:start_year>")
@login_required
def your_cpd_year(start_year: int) -> str:
    if not 2000 <= start_year <= 2200:
        abort(404)
    start, end = listing.year_starting(start_year, current_policy())
    total = listing.recorded_count(get_session(), owner_id=_owner_id(), start=start, end=end)
    if not total:
        abort(404)
    page = _page_or_404(_owner_id(), start, end, total)
    return render_template(
        "pages/cpd/your-cpd-year.html",
        start=start,
        end=end,
        page=page,
        pagination=listing.pagination(
            page, lambda n: url_for("cpd.your_cpd_year", start_year=start_year, page=n)
        ),
    )


@bp.route("/your-cpd/drafts")
@login_required
def your_drafts() -> str:
    db, owner_id = get_session(), _owner_id()
    total = listing.draft_count(db, owner_id=owner_id)
    page = _requested_page(
        lambda number: listing.drafts_page(db, owner_id=owner_id, number=number, total=total)
    )
    return render_template(
        "pages/cpd/your-drafts.html",
        page=page,
        pagination=listing.pagination(
            page, lambda n: url_for("cpd.your_drafts", page=n), "Pages of drafts"
        ),
    )


def _requested_page(read: Callable[[int], listing.Page]) -> listing.Page:
    """The page the address asks for (?page=), or Not found."""
    number = request.args.get("page", "1")
    try:
        return read(int(number) if number.isdigit() else 0)
    except listing.PageNotFound:
        abort(404)


def _page_or_404(owner_id: int, start: dt.date, end: dt.date, total: int) -> listing.Page:
    return _requested_page(
        lambda number: listing.recorded_page(
            get_session(), owner_id=owner_id, start=start, end=end, number=number, total=total
        )
    )


@bp.route("/your-cpd/new/<form_type>", methods=["GET", "POST"])
@signed_in_keeping_posts
def new_record(form_type: str) -> str | tuple[str, int] | Response:
    if form_type not in rules.FORM_TYPES:
        abort(404)
    if request.method == "GET":
        restored = _restored()
        if restored is not None:
            return render_form(form_type, restored.data["answers"], kept=restored)
        editor = request.args.get("continue")
        if editor:
            return _continue_with_draft_left_by(form_type, editor)
        return render_form(form_type, {"standard_parts": []})
    return _saved_page(save_page_posted(form_type))


# How many times a page sent on with ?continue= looks again for the draft its words
# are making, a second apart, before it opens as a new form.
CONTINUE_LOOKS = 5


def _continue_with_draft_left_by(form_type: str, editor: str) -> str | Response:
    """A new form that was left with words not yet autosaved (static/js/leaving.mjs
    sent them as the page went, and then sent the page that came back here). If the
    draft those words made is there, go on to it. The two requests race, so it may not
    be there yet: then answer at once with a short page that looks again a second
    later (the browser waits, no worker does), rather than an empty form whose next
    autosave would make a second draft or overwrite the words."""
    started = services.find_by_editor(get_session(), owner_id=_owner_id(), editor=editor)
    if started is not None:
        # This page was reloaded (or left and come back to) with words not yet
        # autosaved, which became this draft as the page went.
        return redirect(url_for("cpd.edit_record", record_id=started.id))
    look = request.args.get("look", "1")
    look_number = int(look) if look.isdigit() else CONTINUE_LOOKS
    if look_number >= CONTINUE_LOOKS:
        return render_form(form_type, {"standard_parts": []})[0]
    arguments: dict[str, Any] = {"continue": editor, "look": look_number + 1}
    again = url_for("cpd.new_record", form_type=form_type, **arguments)
    return render_template("pages/cpd/continuing.html", again=again)


def _after_save(record: CpdRecord, action: str, *, warnings: bool = False) -> Response:
    assert record.id is not None
    if action == services.RECORD:
        return redirect(url_for("cpd.recorded", record_id=record.id))
    title = presenters.record_title(record, current_policy(), record.working_answers)
    if warnings:
        # Drafts are never blocked; the form shows what may identify someone.
        flash(
            f"‘{title}’ is saved as a draft. Some of it may identify a person: check the "
            "warnings on the form before you record it.",
            "success",
        )
        return redirect(url_for("cpd.edit_record", record_id=record.id))
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
    known = uploads.documents_of(get_session(), record)
    return render_template(
        "pages/cpd/view.html",
        record=record,
        answers=presenters.answer_list(record.answers, record.form_type, current_policy()),
        parts=presenters.parts_shown(record.answers, current_policy()),
        documents=uploads.listed(record.answers, known),
    )


@bp.route("/your-cpd/<int:record_id>/edit", methods=["GET", "POST"])
@signed_in_keeping_posts
def edit_record(record_id: int) -> str | tuple[str, int] | Response:
    record = _owned(record_id)
    if request.method == "GET":
        restored = _restored()
        if restored is not None and restored.record_id == record.id:
            return render_form(
                record.form_type, restored.data["answers"], record=record, kept=restored
            )
        return render_form(record.form_type, record.working_answers, record=record)
    return _saved_page(save_page_posted(record.form_type, record=record))


def save_page_posted(
    form_type: str,
    *,
    record: CpdRecord | None = None,
    autosave: bool = False,
    remove: CpdDocument | None = None,
) -> page.PageSaved:
    """The adapters' one call: this request's form page, read once, saved once."""
    try:
        return page.save_page(
            get_session(),
            owner_id=_owner_id(),
            post=page.read_page_post(request.form, request.files, form_type=form_type),
            policy=current_policy(),
            scanner=uploads.current_scanner(),
            record=record,
            autosave=autosave,
            remove=remove,
        )
    except services.RecordNotFound:
        abort(404)
    except page.WrongForm:
        abort(400)


def _saved_page(saved: page.PageSaved) -> str | tuple[str, int] | Response:
    """The full page for what a save did (without JavaScript, or a button press)."""
    record = saved.record
    if saved.conflict is not None:
        return _conflict(saved.conflict, saved.answers, saved.post.action)
    if saved.problems:
        return render_form(
            saved.post.form_type,
            saved.answers,
            record=record,
            problems=saved.problems,
            status=400,
            # Saved as a draft (files were kept): the form now stands on that version.
            based_on_version=record.version if record and saved.action else None,
        )
    assert record is not None and saved.action is not None
    if saved.removed is not None:
        name = saved.removed.filename
        if record.is_recorded:
            flash(
                f"{name} is removed from your changes. The recorded version still has it "
                "until you save the changes.",
                "success",
            )
        else:
            flash(f"{name} is removed. The saved versions of this CPD still show it.", "success")
        return redirect(url_for("cpd.edit_record", record_id=record.id) + "#documents")
    if saved.added and saved.action == services.DRAFT_ACTION and not saved.warnings:
        names = ", ".join(document.filename for document in saved.added)
        flash(f"{names} {'is' if len(saved.added) == 1 else 'are'} added.", "success")
        return redirect(url_for("cpd.edit_record", record_id=record.id) + "#documents")
    return _after_save(record, saved.action, warnings=bool(saved.warnings))


def _conflict(record: CpdRecord, answers: dict[str, Any], action: str) -> tuple[str, int]:
    """Both versions side by side; nothing is overwritten until the person chooses."""
    policy = current_policy()
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
        if name == "documents":
            for item in value:
                fields.append(("document_ids", str(item["id"])))
                fields.append((f"document_explanation_{item['id']}", item["explanation"]))
        elif isinstance(value, list):
            fields.extend((name, str(item)) for item in value)
        else:
            fields.append((name, str(value)))
    return fields


@bp.route("/your-cpd/<int:record_id>/discard-changes", methods=["POST"])
@login_required
def discard_changes(record_id: int) -> str | tuple[str, int] | Response:
    record = _owned(record_id)
    db = get_session()
    try:
        services.discard_pending_changes(
            db, record, based_on_version=_posted_version() or 0, policy=current_policy()
        )
        db.commit()
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
    start, end = rules.registration_year_containing(record.completed_on, current_policy())
    return render_template(
        "pages/cpd/recorded.html",
        record=record,
        year=rules.describe_registration_year(start, end),
        progress=listing.progress(
            get_session(),
            owner_id=_owner_id(),
            policy=current_policy(),
            today=current_policy().today(),
        ),
        in_current_year=start <= current_policy().today() <= end,
    )


# Saved versions shown on one history page: a long history stays within the page
# weight budget, and the newest (what people look for) come first.
HISTORY_PAGE_SIZE = 10


@bp.route("/your-cpd/<int:record_id>/history")
@login_required
def history(record_id: int) -> str:
    record = _owned(record_id)
    number = request.args.get("page", "1")
    if not number.isdigit() or int(number) < 1:
        abort(404)
    page = services.revisions_page(
        get_session(), record, number=int(number), size=HISTORY_PAGE_SIZE
    )
    if page.number > page.count:
        abort(404)
    revisions = page.revisions
    known = uploads.documents_of(get_session(), record)
    return render_template(
        "pages/cpd/history.html",
        record=record,
        page=page,
        revisions=[
            (
                revision,
                presenters.answer_list(revision.answers, record.form_type, current_policy()),
                uploads.listed(revision.answers, known),
            )
            for revision in revisions
        ],
    )


@bp.route("/your-cpd/<int:record_id>/delete", methods=["GET", "POST"])
@login_required
def delete_record(record_id: int) -> str | Response:
    record = _owned(record_id)
    title = presenters.record_title(record, current_policy())
    if request.method == "GET":
        return render_template("pages/cpd/delete.html", record=record, title=title)
    db = get_session()
    try:
        services.delete_record(
            db, record, based_on_version=_posted_version(), policy=current_policy()
        )
        db.commit()
    except services.VersionConflict:
        flash("This CPD changed in another window. Check it before deleting it.")
        return redirect(url_for("cpd.view_record", record_id=record_id))
    flash(
        f"‘{title}’ is deleted. You can restore it from recently deleted CPD for "
        f"{current_policy().recently_deleted_days} days.",
        "success",
    )
    return redirect(url_for("cpd.your_cpd"))


@bp.route("/your-cpd/recently-deleted")
@login_required
def recently_deleted() -> str:
    records = services.recently_deleted(
        get_session(), owner_id=_owner_id(), policy=current_policy()
    )
    return render_template("pages/cpd/recently-deleted.html", records=records)


@bp.route("/your-cpd/<int:record_id>/restore", methods=["POST"])
@login_required
def restore_record(record_id: int) -> Response:
    db = get_session()
    try:
        record = services.restore_record(
            db, owner_id=_owner_id(), record_id=record_id, policy=current_policy()
        )
        db.commit()
    except (services.RecordNotFound, services.VersionConflict):
        abort(404)
    flash(f"‘{presenters.record_title(record, current_policy())}’ is restored.", "success")
    return redirect(url_for("cpd.your_cpd"))
