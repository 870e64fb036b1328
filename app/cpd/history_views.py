"""A record's history: every version saved, newest first, a page at a time."""

from __future__ import annotations

from flask import abort, render_template, request
from flask_login import login_required

from app import uploads
from app.cpd import presenters, services
from app.cpd.blueprint import bp
from app.cpd.owned import owned_record
from app.db import get_session
from app.policy import current_policy

# Saved versions shown on one history page: a long history stays within the page
# weight budget, and the newest (what people look for) come first.
HISTORY_PAGE_SIZE = 10


@bp.route("/your-cpd/<int:record_id>/history")
@login_required
def history(record_id: int) -> str:
    record = owned_record(record_id)
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
