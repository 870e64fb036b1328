"""The CPD forms: a new record, editing one, the words of a refused form put back, and
the one place a form page is drawn (render_form) and saved (save_page_posted,
saved_page), which autosave, uploads and the busy and refused pages share. Thin: read
the request, call a service, render or redirect."""

from __future__ import annotations

import secrets
from typing import Any

from flask import abort, flash, redirect, render_template, request, session, url_for
from flask_login import current_user, login_required
from werkzeug.wrappers import Response

from app import uploads
from app.auth.signed_in import UNSAVED_FORM_KEY
from app.cpd import anonymity, page, presenters, rules, services
from app.cpd import kept as kept_forms
from app.cpd.blueprint import bp
from app.cpd.conflicts import conflict_page
from app.cpd.guard import signed_in_keeping_posts
from app.cpd.owned import current_owner_id, owned_record
from app.db import get_session
from app.policy import current_policy
from app.records.models import CpdDocument, CpdRecord, KeptForm


def _restored() -> KeptForm | None:
    """The kept form named by ?restore=, if it is this person's and not expired."""
    return kept_forms.get_kept(
        get_session(), user_id=current_owner_id(), kept_id=request.args.get("restore")
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
    refusal_saved: bool | None = None,
) -> tuple[str, int]:
    """The form page. ``refusal_saved``: for a refused recording, whether the answers
    it shows are stored (the error summary says which)."""
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
            refusal_saved=refusal_saved,
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
    return saved_page(save_page_posted(form_type))


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
    started = services.find_by_editor(get_session(), owner_id=current_owner_id(), editor=editor)
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


@bp.route("/your-cpd/<int:record_id>/edit", methods=["GET", "POST"])
@signed_in_keeping_posts
def edit_record(record_id: int) -> str | tuple[str, int] | Response:
    record = owned_record(record_id)
    if request.method == "GET":
        restored = _restored()
        if restored is not None and restored.record_id == record.id:
            return render_form(
                record.form_type, restored.data["answers"], record=record, kept=restored
            )
        return render_form(record.form_type, record.working_answers, record=record)
    return saved_page(save_page_posted(record.form_type, record=record))


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
            owner_id=current_owner_id(),
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


def saved_page(saved: page.PageSaved) -> str | tuple[str, int] | Response:
    """The full page for what a save did (without JavaScript, or a button press)."""
    record = saved.record
    if saved.conflict is not None:
        return conflict_page(saved.conflict, saved.answers, saved.post.action)
    if saved.problems:
        return render_form(
            saved.post.form_type,
            saved.answers,
            record=record,
            problems=saved.problems,
            status=400,
            # Saved as a draft (files were kept): the form now stands on that version.
            based_on_version=record.version if record and saved.action else None,
            refusal_saved=_answers_stored(saved),
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


def _answers_stored(saved: page.PageSaved) -> bool:
    """Whether a refused recording's answers are stored: kept as a draft because files
    came with them, or the same as the draft (or draft of changes) already stored, as an
    autosave leaves it. Without JavaScript nothing is kept until a button keeps it."""
    record = saved.record
    if record is None:
        return False
    if saved.action is not None:
        return True
    stored = record.pending_answers if record.is_recorded else record.answers
    return stored == saved.answers


@bp.route("/your-cpd/unsaved")
@login_required
def unsaved() -> str | tuple[str, int] | Response:
    """The refused form's words back on the form, not yet saved, for their writer."""
    held = session.pop(UNSAVED_FORM_KEY, None)
    if not isinstance(held, dict) or held.get("form_type") not in rules.FORM_TYPES:
        return redirect(url_for("cpd.your_cpd"))
    if held.get("owner") is not None and held["owner"] != current_owner_id():
        flash(
            "The CPD that was waiting in this browser was written by someone else, so it is "
            "not shown. It has not been saved to any account.",
            "info",
        )
        return redirect(url_for("cpd.your_cpd"))
    record = None
    if held.get("record_id") is not None:
        try:
            record = services.get_record(
                get_session(), owner_id=current_owner_id(), record_id=int(held["record_id"])
            )
        except services.RecordNotFound:
            record = None
    if record is not None and record.form_type != held["form_type"]:
        record = None
    flash(
        "Your answers are back on the form. They are not saved yet: check them and save.",
        "info",
    )
    return render_form(
        held["form_type"],
        held["answers"],
        record=record,
        based_on_version=held.get("version") if record is not None else None,
        editor=held.get("editor") if record is not None else None,
    )
