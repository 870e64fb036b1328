"""Supporting documents and the anonymisation help: download, remove, upload on
selection (htmx), and the checks a box gets when it loses focus (htmx).

Without JavaScript, files arrive with the CPD form itself and page.save_page stores
them; these routes add what a plain form cannot do on its own page."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any

from flask import (
    abort,
    current_app,
    make_response,
    render_template,
    request,
    stream_with_context,
    url_for,
)
from flask_login import current_user, login_required
from sqlmodel import select
from werkzeug.exceptions import HTTPException, RequestEntityTooLarge
from werkzeug.wrappers import Response

from app import errors, questions, uploads
from app.cpd import anonymity, form_views, rules, services
from app.cpd.answers import from_form as answers_from_form
from app.cpd.blueprint import bp
from app.cpd.guard import signed_in_keeping_posts
from app.cpd.kept import FORM_ENDPOINTS
from app.cpd.owned import owned_record
from app.cpd.page import PageSaved
from app.db import get_engine, get_session
from app.extensions import limiter
from app.policy import Policy, current_policy
from app.records.models import CpdDocument, CpdRecord
from app.request_limits import live_check_rate, person_or_address
from app.uploads import quota
from app.uploads.full import RecordsFull, StorageFull

# The endpoints a form with files is posted to.
UPLOAD_ENDPOINTS = {
    "cpd.new_record",
    "cpd.edit_record",
    "cpd.upload_documents",
    "cpd.remove_document",
}


def upload_request_limit(policy: Policy, configured: int | None) -> int:
    """The most a form with files may send: every document a record may have, each a
    little over its limit (so an oversized file still gets its own message rather than
    a bare "too large" page), and the answers."""
    return max(
        configured or 0,
        policy.max_documents_per_record * policy.max_document_bytes + 2 * 1024 * 1024,
    )


# The live checks, and which box each one reads.
LIVE_CHECKS = {
    "cpd.check_identifiers": lambda values: values.get("field", ""),
    "cpd.count": lambda values: values.get("field", ""),
    "cpd.count_explanation": lambda _values: "document_explanation",
}
# The posts that store something, so are refused when the account is full.
SAVING_ENDPOINTS = {"cpd.new_record", "cpd.edit_record", "cpd.autosave", "cpd.upload_documents"}


@bp.url_value_preprocessor
def allow_documents(endpoint: str | None, values: dict[str, Any] | None) -> None:
    # Runs before any before_request function (the CSRF check reads the form).
    if request.method != "POST":
        return
    if endpoint in UPLOAD_ENDPOINTS:
        request.max_content_length = upload_request_limit(
            current_policy(), current_app.config.get("MAX_CONTENT_LENGTH")
        )
    elif endpoint in LIVE_CHECKS:
        # Read no more than the box can hold: anyone may post here, signed in or not.
        box = LIVE_CHECKS[endpoint](values or {})
        box = anonymity.EXPLANATION_FIELD.sub("document_explanation", box)
        if box in current_policy().character_limits:
            most = current_policy().live_check_bytes(box)
            configured = current_app.config.get("MAX_CONTENT_LENGTH")
            request.max_content_length = min(most, configured or most)
    if endpoint in FORM_ENDPOINTS:
        # A box's limit is a rule of recording, not of keeping: one box may hold as much
        # as the whole post may (Flask would refuse any box over 500 KB, and with it
        # every other answer on the form).
        request.max_form_memory_size = request.max_content_length


@bp.before_request
def refuse_saves_when_the_account_is_full() -> Any:
    """At the storage quota nothing more is stored, and nothing typed is lost: the form
    comes back with every answer and the reason; an autosave gets an error the page's
    scripts treat as "not saved yet", so a copy kept on the device stays there.

    Checked here so that no file is read or scanned for a full account. An autosave
    brings no file, and its transaction's own compare-and-set on the account's counter
    (``quota.charge``) refuses it if it would store more: it is not checked twice."""
    if request.method != "POST" or request.endpoint not in SAVING_ENDPOINTS - {"cpd.autosave"}:
        return None
    if not current_user.is_authenticated:
        return None
    owner_id = int(current_user.id)
    if not quota.is_full(get_session(), owner_id=owner_id, policy=current_policy()):
        return None
    return storage_full_answer()


@bp.errorhandler(StorageFull)
def storage_full(error: StorageFull) -> Any:
    """A save whose transaction found it would take the account past its quota, or
    past the records it may hold (rolled back: nothing of it is stored)."""
    return storage_full_answer(records=isinstance(error, RecordsFull))


def storage_full_answer(*, records: bool = False) -> Any:
    """What a save refused for the quota answers, keeping every word on the page."""
    policy = current_policy()
    message = quota.records_full_message(policy) if records else quota.full_message(policy)
    if request.endpoint == "cpd.upload_documents" and _is_htmx():
        # Where autosave speaks (a polite status region); the chosen file stays chosen.
        body = render_template("pages/cpd/_storage-full.html", message=message)
        return body, 200, {"HX-Retarget": "#autosave-status", "HX-Reswap": "innerHTML"}
    if _is_htmx() or request.endpoint == "cpd.autosave":
        return render_template("pages/cpd/_storage-full.html", message=message), 507
    view_args = request.view_args or {}
    record = owned_record(int(view_args["record_id"])) if "record_id" in view_args else None
    form_type = (
        record.form_type
        if record is not None
        else str(view_args.get("form_type") or request.form.get("form_type"))
    )
    if form_type not in rules.FORM_TYPES:
        abort(404)
    answers = answers_from_form(request.form, form_type)
    return form_views.render_form(
        form_type, answers, record=record, problems={"documents": message}, status=400
    )


@bp.errorhandler(RequestEntityTooLarge)
def too_large(_error: HTTPException) -> errors.Answer:
    """A post bigger than the server reads: nothing in it can be kept, so say exactly
    that, and which answers (every one on the form) were not saved. An htmx request
    gets a short message for the box or status line it was sent for, never a page."""
    largest = errors.largest_post_text()
    if request.endpoint in LIVE_CHECKS and _is_htmx():
        return _too_long_for_a_live_check()
    if request.endpoint not in FORM_ENDPOINTS:
        message = f"This is too large to send in one go: it must be smaller than {largest}."
        return errors.page_or_fragment("errors/413.html", message, 413, largest=largest)
    if _is_htmx():
        body = render_template("pages/cpd/_autosave-status.html", too_large=True)
        return body, 413, {"HX-Retarget": "#autosave-status", "HX-Reswap": "innerHTML"}
    record = _record_named_in_address()
    form_type = record.form_type if record else (request.view_args or {}).get("form_type")
    not_kept = (
        [*(q.label for q in questions.asked_on(form_type)), questions.DOCUMENTS_LABEL]
        if form_type in rules.FORM_TYPES
        else []
    )
    return (
        render_template("errors/413.html", largest=largest, not_kept=not_kept, record=record),
        413,
    )


def _too_long_for_a_live_check() -> errors.Answer:
    """A box pasted far past its limit: its live check reads no more than the box can
    hold (allow_documents), so it says so in the box's own region. The draft itself is
    still kept (autosave reads as much as the form may send)."""
    view_args = request.view_args or {}
    box = LIVE_CHECKS[str(request.endpoint)](view_args)
    box = anonymity.EXPLANATION_FIELD.sub("document_explanation", box)
    limit = current_policy().character_limits.get(box)
    if request.endpoint == "cpd.check_identifiers":
        name = _field_name(str(view_args.get("field", "")))
        message = (
            f"{name} is too long to check for anything that could identify a person. "
            "Shorten it and it will be checked when you leave the box."
        )
        return errors.page_or_fragment("errors/413.html", message, 413)
    field = (
        anonymity.explanation_field(int(view_args["document_id"]))
        if "document_id" in view_args
        else str(view_args.get("field", ""))
    )
    body = render_template(
        "components/character-count.html", name=field, limit=limit, live=True, too_long=True
    )
    return body, 413, {"Vary": "HX-Request"}


def _record_named_in_address() -> CpdRecord | None:
    record_id = (request.view_args or {}).get("record_id")
    if record_id is None or not current_user.is_authenticated:
        return None
    try:
        return services.get_record(
            get_session(), owner_id=int(current_user.id), record_id=int(record_id)
        )
    except services.RecordNotFound:
        return None


def _is_htmx() -> bool:
    return request.headers.get("HX-Request") == "true"


def _signed_in_for_fragments(view: Callable[..., Any]) -> Callable[..., Any]:
    """signed_in_keeping_posts, and an htmx request from a page whose session ended
    gets its "signed out" message in the status line, never in place of the list of
    documents (which would take the documents' ids out of the form)."""
    kept = signed_in_keeping_posts(view)

    @wraps(view)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        response = make_response(kept(*args, **kwargs))
        if _is_htmx() and response.status_code in (400, 401, 404):
            response.headers["HX-Retarget"] = "#autosave-status"
            response.headers["HX-Reswap"] = "innerHTML"
        return response

    return wrapper


def _document_or_404(record: CpdRecord, document_id: int) -> CpdDocument:
    assert record.id is not None
    document = uploads.get_document(
        get_session(), owner_id=int(current_user.id), record_id=record.id, document_id=document_id
    )
    if document is None:
        abort(404)
    return document


@bp.route("/your-cpd/<int:record_id>/documents/<int:document_id>")
@login_required
def download_document(record_id: int, document_id: int) -> Response:
    """The document, to its owner only (anyone else: not found), always as a download:
    never shown inline, never sniffed into something else."""
    record = owned_record(record_id)
    document = _document_or_404(record, document_id)
    # Streamed from the database a chunk at a time: a download never holds the file.
    response = Response(
        stream_with_context(uploads.content_chunks(get_engine(), document)),
        content_type=uploads.MEDIA_TYPES[document.kind],
    )
    response.headers["Content-Length"] = str(document.size)
    response.headers["Content-Disposition"] = uploads.content_disposition(document.filename)
    response.headers["X-Content-Type-Options"] = "nosniff"
    # Should a browser open it anyway, it runs nothing and loads nothing.
    response.headers["Content-Security-Policy"] = "default-src 'none'; sandbox"
    return response


@bp.route("/your-cpd/<int:record_id>/documents/<int:document_id>/remove", methods=["POST"])
@_signed_in_for_fragments
def remove_document(record_id: int, document_id: int) -> Any:
    """Remove a document from the record (kept in its saved versions). The whole form
    comes with the press, so whatever else was typed is saved as a draft too."""
    record = owned_record(record_id)
    document = _document_or_404(record, document_id)
    saved = form_views.save_page_posted(record.form_type, record=record, remove=document)
    if _is_htmx():
        return _documents_fragment(saved)
    return form_views.saved_page(saved)


@bp.route("/your-cpd/documents", methods=["POST"])
@_signed_in_for_fragments
def upload_documents() -> Any:
    """With JavaScript: files posted as soon as they are chosen, with the rest of the
    form, which is kept as a draft like an autosave. Answers with the documents
    section, the record and version the form stands on now, and a status message."""
    if not uploads.chosen_files(request.files.getlist("documents")):
        return "", 204
    saved = form_views.save_page_posted(request.form.get("form_type", ""))
    body, status, headers = _documents_fragment(saved)
    if saved.page_learns_its_record and saved.record is not None:
        # The address bar now points at the draft, so a reload comes back to it.
        headers["HX-Replace-Url"] = url_for("cpd.edit_record", record_id=saved.record.id)
    return body, status, headers


def _documents_fragment(saved: PageSaved) -> tuple[str, int, dict[str, str]]:
    headers = {"Vary": "HX-Request"}
    if saved.conflict is not None:
        # Changed in another tab: say so where autosave says it, change nothing here.
        headers.update({"HX-Retarget": "#autosave-status", "HX-Reswap": "innerHTML"})
        body = render_template(
            "pages/cpd/_autosave-status.html", conflict=True, record=saved.conflict
        )
        return body, 409, headers
    record = saved.record
    assert record is not None  # files or a removal always have a record to belong to
    listed = uploads.listed(saved.answers, uploads.documents_of(get_session(), record))
    messages = [f"{document.filename} is added." for document in saved.added]
    if saved.removed is not None:
        messages.append(f"{saved.removed.filename} is removed.")
    refused = saved.problems.get("documents")
    if refused:
        messages.extend(refused.split("\n"))
    body = render_template(
        "pages/cpd/_documents-fragment.html",
        record=record,
        form_type=record.form_type,
        documents=listed,
        problems={"documents": refused} if refused else {},
        warnings={warning.target: warning for warning in saved.warnings},
        messages=messages,
    )
    return body, 200, headers


@bp.route("/your-cpd/check/<field>", methods=["POST"])
@limiter.limit(live_check_rate, key_func=person_or_address)
def check_identifiers(field: str) -> tuple[str, int, dict[str, str]]:
    """The anonymisation warning for one box, after it loses focus. Stores nothing."""
    if not anonymity.is_checked_field(field):
        abort(404)
    text = request.form.get(field, "")
    not_people = anonymity.not_people_from_form(request.form)
    found = anonymity.findings_in(text, not_people)
    warning = None
    if found:
        names = anonymity.names_in(text, not_people)
        warning = anonymity.Warning(field, _field_name(field), found, names=names)
    return (
        render_template("pages/cpd/_identifiers.html", warning=warning)
        + render_template("pages/cpd/_not-people.html", not_people=not_people, oob=True),
        200,
        {"Vary": "HX-Request"},
    )


def _field_name(field: str) -> str:
    match = anonymity.EXPLANATION_FIELD.fullmatch(field)
    if match is None:
        return questions.label(field)
    name = "this document"
    if current_user.is_authenticated:
        document = (
            get_session()
            .exec(
                select(CpdDocument).where(
                    CpdDocument.id == int(match.group(1)),
                    CpdDocument.owner_id == int(current_user.id),
                )
            )
            .first()
        )
        if document is not None:
            name = document.filename
    return f"How {name} shows the CPD standard"


@bp.route("/your-cpd/count-explanation/<int:document_id>", methods=["POST"])
@limiter.limit(live_check_rate, key_func=person_or_address)
def count_explanation(document_id: int) -> tuple[str, int, dict[str, str]]:
    """The live character count for a document's explanation."""
    name = anonymity.explanation_field(document_id)
    return (
        render_template(
            "components/character-count.html",
            name=name,
            limit=current_policy().limit("document_explanation"),
            value=request.form.get(name, ""),
            live=True,
        ),
        200,
        {"Vary": "HX-Request"},
    )
