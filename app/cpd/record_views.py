"""One record's pages: view it, "recorded" after recording it, and discarding draft
changes to recorded CPD (a button on the view page)."""

from __future__ import annotations

from flask import abort, flash, redirect, render_template, url_for
from flask_login import login_required
from werkzeug.wrappers import Response

from app import dates, uploads
from app.cpd import listing, presenters, services
from app.cpd.blueprint import bp
from app.cpd.owned import current_owner_id, owned_record, posted_version
from app.db import get_session
from app.policy import current_policy


@bp.route("/your-cpd/<int:record_id>")
@login_required
def view_record(record_id: int) -> str:
    record = owned_record(record_id)
    known = uploads.documents_of(get_session(), record)
    return render_template(
        "pages/cpd/view.html",
        record=record,
        answers=presenters.answer_list(record.answers, record.form_type, current_policy()),
        parts=presenters.parts_shown(record.answers, current_policy()),
        documents=uploads.listed(record.answers, known),
    )


@bp.route("/your-cpd/<int:record_id>/discard-changes", methods=["POST"])
@login_required
def discard_changes(record_id: int) -> str | tuple[str, int] | Response:
    record = owned_record(record_id)
    db = get_session()
    try:
        services.discard_pending_changes(
            db, record, based_on_version=posted_version() or 0, policy=current_policy()
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
    record = owned_record(record_id)
    if not record.is_recorded:
        abort(404)
    assert record.completed_on is not None
    start, end = dates.registration_year_containing(record.completed_on, current_policy())
    return render_template(
        "pages/cpd/recorded.html",
        record=record,
        year=dates.describe_registration_year(start, end),
        progress=listing.progress(
            get_session(),
            owner_id=current_owner_id(),
            policy=current_policy(),
            today=current_policy().today(),
        ),
        in_current_year=start <= current_policy().today() <= end,
    )
