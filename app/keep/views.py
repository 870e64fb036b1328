"""Print views, the download and the import: thin, the work is in printable, archive
and importing."""

from __future__ import annotations

from collections.abc import Iterator

from flask import Response, abort, render_template, request, stream_with_context
from flask_login import current_user, login_required
from flask_wtf.csrf import CSRFError, validate_csrf
from sqlmodel import Session
from wtforms import ValidationError

from app import dates, uploads
from app.cpd import services
from app.db import get_engine, get_session
from app.extensions import csrf
from app.keep import archive, importing, printable
from app.keep.blueprint import bp
from app.policy import current_policy, describe_size


def _owner_id() -> int:
    return int(current_user.id)


@bp.route("/your-cpd/<int:record_id>/print")
@login_required
def print_record(record_id: int) -> str:
    db = get_session()
    try:
        record = services.get_record(db, owner_id=_owner_id(), record_id=record_id)
    except services.RecordNotFound:
        abort(404)
    known = printable.documents_by_record(db, owner_id=_owner_id()).get(record_id, {})
    return render_template(
        "pages/keep/print-record.html", item=printable.in_full(record, known, current_policy())
    )


@bp.route("/your-cpd/years/<int:start_year>/print")
@login_required
def print_year(start_year: int) -> str:
    policy = current_policy()
    if not 2000 <= start_year <= 2200:
        abort(404)
    start, _ = dates.registration_year_starting(start_year, policy)
    year = printable.recorded_in_year(
        get_session(), owner_id=_owner_id(), start=start, policy=policy
    )
    return render_template("pages/keep/print-year.html", year=year)


@bp.route("/your-cpd/download")
@login_required
def download() -> Response:
    policy = current_policy()
    owner_id = _owner_id()

    def stream() -> Iterator[bytes]:
        # The ZIP is sent after the request's own session has closed: it reads through
        # a session of its own, closed when the last byte is out (or the download is
        # cut short), so PostgreSQL is never left "idle in transaction".
        with Session(get_engine()) as db:
            yield from archive.export_stream(
                db,
                owner_id=owner_id,
                policy=policy,
                render_year=lambda year: render_template("keep/year-summary.html", year=year),
            )

    filename = f"your-cpd-{policy.today().isoformat()}.zip"
    return Response(
        stream_with_context(stream()),
        mimetype="application/zip",
        headers={
            "Content-Disposition": uploads.content_disposition(filename),
            "Cache-Control": "no-store",
        },
    )


# Exempt from the app-wide CSRF check only because that check reads the body before
# this view can raise the size limit; the token is checked here instead, just after.
@bp.route("/your-cpd/import", methods=["GET", "POST"])
@csrf.exempt
@login_required
def import_cpd() -> str | tuple[str, int]:
    policy = current_policy()
    if request.method == "GET":
        return _import_page([])
    # An export is bigger than any one form: allow it here only.
    request.max_content_length = policy.max_import_bytes
    try:
        validate_csrf(request.form.get("csrf_token"))
    except ValidationError as error:
        raise CSRFError(str(error)) from None
    upload = request.files.get("export")
    if upload is None or not (upload.filename or "").strip():
        return _import_page(["Select the ZIP file you downloaded"]), 400
    try:
        planned = importing.read_export(
            upload.stream, policy=policy, scanner=uploads.current_scanner()
        )
    except importing.ImportRefused as refused:
        return _import_page(refused.reasons), 400
    try:
        report = importing.write_import(
            get_session(),
            owner_id=_owner_id(),
            planned=planned,
            policy=policy,
            today=policy.today(),
        )
    except importing.ImportRefused as refused:
        return _import_page(refused.reasons), 400
    return render_template("pages/keep/imported.html", report=report)


def _import_page(reasons: list[str]) -> str:
    return render_template(
        "pages/keep/import.html",
        reasons=reasons,
        max_size=describe_size(current_policy().max_import_bytes),
    )
