"""Continuing professional development records."""

from __future__ import annotations

from flask import Blueprint, render_template
from flask_login import login_required

bp = Blueprint("cpd", __name__)


@bp.route("/your-cpd")
@login_required
def your_cpd() -> str:
    return render_template("pages/cpd/your-cpd.html")
