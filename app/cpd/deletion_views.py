"""Delete a record, list recently deleted CPD, restore it (until the policy's
recently_deleted_days have passed)."""

from __future__ import annotations

from flask import abort, flash, redirect, render_template, request, url_for
from flask_login import login_required
from werkzeug.wrappers import Response

from app.cpd import presenters, services
from app.cpd.blueprint import bp
from app.cpd.owned import current_owner_id, owned_record, posted_version
from app.db import get_session
from app.policy import current_policy


@bp.route("/your-cpd/<int:record_id>/delete", methods=["GET", "POST"])
@login_required
def delete_record(record_id: int) -> str | Response:
    record = owned_record(record_id)
    title = presenters.record_title(record, current_policy())
    if request.method == "GET":
        return render_template("pages/cpd/delete.html", record=record, title=title)
    db = get_session()
    try:
        services.delete_record(
            db, record, based_on_version=posted_version(), policy=current_policy()
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
        get_session(), owner_id=current_owner_id(), policy=current_policy()
    )
    return render_template("pages/cpd/recently-deleted.html", records=records)


@bp.route("/your-cpd/<int:record_id>/restore", methods=["POST"])
@login_required
def restore_record(record_id: int) -> Response:
    db = get_session()
    try:
        record = services.restore_record(
            db, owner_id=current_owner_id(), record_id=record_id, policy=current_policy()
        )
        db.commit()
    except (services.RecordNotFound, services.VersionConflict):
        abort(404)
    flash(f"‘{presenters.record_title(record, current_policy())}’ is restored.", "success")
    return redirect(url_for("cpd.your_cpd"))
