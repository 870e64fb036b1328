"""Pages every visitor can reach: start, help, cookies, accessibility, feedback."""

from __future__ import annotations

from urllib.parse import urlsplit

from flask import Blueprint, current_app, redirect, render_template, request, url_for
from flask_login import current_user
from flask_wtf import FlaskForm
from werkzeug.wrappers import Response
from wtforms import HiddenField, TextAreaField
from wtforms.validators import InputRequired, Length

from app.db import get_session
from app.extensions import limiter
from app.help.models import FEEDBACK_MAX_LENGTH, Feedback
from app.policy import posted_form_bytes
from app.request_limits import feedback_rate, person_or_address

bp = Blueprint("help", __name__)


class FeedbackForm(FlaskForm):
    message = TextAreaField(
        "What would you like to tell us?",
        validators=[
            InputRequired(message="Enter your feedback"),
            Length(
                max=FEEDBACK_MAX_LENGTH,
                message=f"Feedback must be {FEEDBACK_MAX_LENGTH:,} characters or fewer",
            ),
        ],
    )
    page = HiddenField()


@bp.route("/cpd-standard")
def cpd_standard() -> str:
    return render_template("pages/help/cpd-standard.html")


@bp.route("/")
def start() -> str | Response:
    if current_user.is_authenticated:
        return redirect(url_for("account.home"))
    return render_template("pages/help/start.html")


@bp.route("/help")
def contact() -> str:
    return render_template("pages/help/contact.html")


@bp.route("/cookies")
def cookies() -> str:
    return render_template("pages/help/cookies.html")


@bp.route("/accessibility")
def accessibility() -> str:
    return render_template("pages/help/accessibility.html")


def _own_path(url: str | None) -> str | None:
    if not url:
        return None
    parts = urlsplit(url)
    return parts.path[:300] if parts.path.startswith("/") else None


@bp.url_value_preprocessor
def read_no_more_than_feedback_holds(endpoint: str | None, _values: object) -> None:
    # Before the CSRF check reads the form: anyone may post feedback.
    if endpoint == "help.feedback" and request.method == "POST":
        most = posted_form_bytes(FEEDBACK_MAX_LENGTH + 300)
        request.max_content_length = min(most, current_app.config["MAX_CONTENT_LENGTH"] or most)


@bp.route("/feedback", methods=["GET", "POST"])
@limiter.limit(feedback_rate, key_func=person_or_address, methods=["POST"])
def feedback() -> str | Response:
    form = FeedbackForm()
    if request.method == "GET":
        form.page.data = _own_path(request.args.get("page") or request.referrer)
    if form.validate_on_submit():
        db = get_session()
        db.add(Feedback(message=form.message.data or "", page=_own_path(form.page.data)))
        db.commit()
        return redirect(url_for("help.feedback_sent"))
    return render_template("pages/help/feedback.html", form=form)


@bp.route("/feedback/sent")
def feedback_sent() -> str:
    return render_template("pages/help/feedback-sent.html")
