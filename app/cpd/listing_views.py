"""Your CPD: this registration year's CPD, drafts, Ready to renew and earlier years;
one earlier year's CPD, and Your drafts, a page at a time."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

from flask import abort, render_template, request, url_for
from flask_login import login_required

from app import dates
from app.cpd import listing
from app.cpd.blueprint import bp
from app.cpd.owned import current_owner_id
from app.db import get_session
from app.policy import current_policy
from app.renewal import services as renewal_services


@bp.route("/your-cpd")
@login_required
def your_cpd() -> str:
    db, policy, owner_id = get_session(), current_policy(), current_owner_id()
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
    start, end = dates.registration_year_starting(start_year, current_policy())
    total = listing.recorded_count(get_session(), owner_id=current_owner_id(), start=start, end=end)
    if not total:
        abort(404)
    page = _page_or_404(current_owner_id(), start, end, total)
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
    db, owner_id = get_session(), current_owner_id()
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
