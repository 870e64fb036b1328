"""Choosing reminders (signed in) and unsubscribing from an email (no sign-in)."""

from __future__ import annotations

from flask import flash, redirect, render_template, request, url_for
from flask_login import current_user, login_required
from werkzeug.wrappers import Response

from app.db import get_session
from app.extensions import csrf
from app.reminders import emails, rules, services
from app.reminders.blueprint import bp
from app.security import no_store


@bp.route("/account/reminders", methods=["GET", "POST"])
@login_required
def choose() -> str | Response:
    user_id = int(current_user.id)
    if request.method == "POST":
        services.choose(get_session(), user_id=user_id, wanted=request.form.getlist("reminders"))
        flash("Your reminder choices have been saved", "success")
        return redirect(url_for("account.home"))
    off = services.opted_out(get_session(), user_id=user_id)
    items = [
        {"value": kind, "text": rules.DESCRIPTIONS[kind], "checked": kind not in off}
        for kind in rules.KINDS
    ]
    return render_template("pages/reminders/choose.html", items=items)


# RFC 8058: a mail client's one-click POST carries no cookie and no CSRF token, and the
# signed token in the link is the proof that the address owner asked.
@bp.route("/unsubscribe/<token>", methods=["GET", "POST"])
@csrf.exempt
def unsubscribe(token: str) -> Response:
    # Every answer no-store: the address carries the link's token.
    link = emails.read_unsubscribe_token(token)
    if link is None or link.expired:
        page = render_template(
            "pages/reminders/unsubscribe-link-broken.html", expired=link is not None
        )
        return no_store(page, 404)
    if request.method == "POST":
        services.turn_off(get_session(), user_id=link.user_id, kind=link.kind)
        page = render_template("pages/reminders/unsubscribed.html", kinds=rules, kind=link.kind)
    else:
        page = render_template("pages/reminders/unsubscribe.html", kinds=rules, kind=link.kind)
    return no_store(page)
