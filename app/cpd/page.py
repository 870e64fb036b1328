"""The one write path of a CPD form page.

Whatever sends a form page (its buttons, Enter, autosave, choosing a file, a document's
Remove, "Keep both" after a conflict), the request is read once into a ``PagePost`` at
the edge and saved by ``save_page``: it finds the record the page writes to, checks
files first, then, in one transaction, claims the version once, stores the files,
writes the answers and the revision, and commits once. The views only choose what to
show: the full page or an htmx fragment.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from sqlmodel import Session

from app import uploads
from app.cpd import anonymity, rules, services
from app.cpd.answers import Answers
from app.cpd.answers import from_form as answers_from_form
from app.policy import Policy
from app.records.models import CpdDocument, CpdRecord
from app.uploads import quota
from app.uploads.checks import UploadedFile


@dataclass(frozen=True)
class PagePost:
    """What a form page sent, parsed once: its answers, which page it is (its token),
    the record and version it stands on, what was asked for, and any files."""

    form_type: str
    answers: Answers
    editor: str | None = None
    record_id: int | None = None
    version: int | None = None
    action: str = services.DRAFT_ACTION
    files: Sequence[UploadedFile] = ()
    confirmed: bool = False
    # "Keep both" after a conflict: the record whose documents the new one copies.
    copy_documents_from: int | None = None


class WrongForm(ValueError):
    """The post names a form type that is not its record's (or no form at all)."""


def _number(value: str | None) -> int | None:
    text = (value or "").strip()
    return int(text) if text.isascii() and text.isdigit() else None


def read_page_post(form: Any, files: Any, *, form_type: str) -> PagePost:
    """A form page's post (``request.form``, ``request.files``) as a PagePost.

    A form sent without pressing a button (Enter in some text browsers) keeps a draft:
    it never records CPD by accident and never throws the answers away."""
    if form_type not in rules.FORM_TYPES:
        raise WrongForm(form_type)
    action = form.get("action", services.DRAFT_ACTION)
    record_id = (form.get("record_id") or "").strip()
    return PagePost(
        form_type=form_type,
        answers=answers_from_form(form, form_type),
        editor=(form.get("editor") or "").strip()[:64] or None,
        # Not a number: nobody's record (0), so "not found" rather than a new one.
        record_id=(_number(record_id) or 0) if record_id else None,
        version=_number(form.get("version")),
        action=action if action in services.ACTIONS else services.DRAFT_ACTION,
        files=uploads.chosen_files(files.getlist("documents")),
        confirmed=form.get(anonymity.CONFIRM_FIELD) == "yes",
        copy_documents_from=_number(form.get("copy_documents_from")),
    )


@dataclass
class PageSaved:
    """What saving a form page did, for a page or a fragment to show."""

    post: PagePost  # what was sent (the conflict page shows it; the action asked for)
    record: CpdRecord | None  # None: nothing was saved and no record exists yet
    answers: Answers
    action: str | None  # what was saved: RECORD, DRAFT_ACTION, or None (nothing)
    created: bool = False
    problems: dict[str, str] = field(default_factory=dict)
    warnings: list[anonymity.Warning] = field(default_factory=list)
    conflict: CpdRecord | None = None
    added: list[CpdDocument] = field(default_factory=list)
    removed: CpdDocument | None = None
    # An autosave of the record its page names, saved without loading it as an object
    # (``record`` is then None): what the status fragment shows.
    autosaved: services.Autosaved | None = None

    @property
    def page_learns_its_record(self) -> bool:
        """Whether the page that sent this did not know its record yet: a new form's
        first save, or its resend after that answer was lost (which finds the draft
        the first made, so is not "created")."""
        return self.record is not None and self.conflict is None and self.post.record_id is None


def _page_record(db: Session, *, owner_id: int, post: PagePost) -> CpdRecord | None:
    """The record this page writes to: the one it names, else the one it already made
    (its first autosave or upload, perhaps still on its way when a button was pressed)."""
    if post.record_id is not None:
        return services.get_record(db, owner_id=owner_id, record_id=post.record_id)
    return services.find_by_editor(db, owner_id=owner_id, editor=post.editor)


def _has_anything(answers: Mapping[str, Any]) -> bool:
    return any((value.strip() if isinstance(value, str) else value) for value in answers.values())


def save_page(
    db: Session,
    *,
    owner_id: int,
    post: PagePost,
    policy: Policy,
    scanner: uploads.Scanner,
    record: CpdRecord | None = None,
    autosave: bool = False,
    remove: CpdDocument | None = None,
) -> PageSaved:
    """Save a form page, all or nothing, and commit once. ``record`` is the one its
    address names (edit, remove); ``autosave`` keeps a draft and checks nothing;
    ``remove`` takes a document out.

    Two steps. First everything is read and checked with nothing written, so no write
    is open while files are read, scanned and searched for identifiers (that takes
    seconds, and on SQLite a write holds the whole database). Then one short
    transaction: make the record or claim its version (the one compare-and-set: a page
    standing on an older version than the stored one, changed in another tab, is a
    conflict and nothing is stored, files included), store the files, write the
    answers and the revision, commit.

    Recording with problems saves nothing, unless files came too (or a document was
    removed, or copied): then nothing may be lost, so all is kept as a draft and the
    problems are returned for the form to show."""
    if autosave and record is None and post.record_id is not None and not post.answers["documents"]:
        return _autosave_named_record(db, owner_id=owner_id, post=post, policy=policy)
    record = record or _page_record(db, owner_id=owner_id, post=post)
    if record is not None and record.form_type != post.form_type:
        raise WrongForm(post.form_type)
    answers = {**post.answers, "documents": list(post.answers["documents"])}
    action = services.DRAFT_ACTION if autosave else post.action
    if record is None and autosave and not _has_anything(answers):
        return PageSaved(post, None, answers, None)

    # 1. Read and check; nothing is written yet.
    wanted = answers["documents"]
    # The record's documents, to drop any listed id that is not one of them; a page
    # that lists none (most autosaves) needs none read: what it stores or copies below
    # is added to ``known`` as it is.
    known = uploads.documents_of(db, record) if record is not None and wanted else {}
    # "Keep both" after a conflict: a new record with copies of the other's documents.
    copy_from = (
        services.get_record(db, owner_id=owner_id, record_id=post.copy_documents_from)
        if record is None and post.copy_documents_from and wanted
        else None
    )
    uploads.keep_known(answers, known)  # a new record has none until they are stored
    if remove is not None:
        answers["documents"] = [d for d in answers["documents"] if d["id"] != remove.id]
    files = () if autosave else post.files
    upload = uploads.check_uploads(
        files,
        policy=policy,
        already=len(answers["documents"]) + (len(wanted) if copy_from is not None else 0),
        scanner=scanner,
        # Measured for files only: every save is charged against the quota anyway,
        # in its transaction; this lets each refused file say so by name.
        room=uploads.room_left(db, owner_id=owner_id, policy=policy) if files else None,
    )
    keeps_something = upload.any or remove is not None or copy_from is not None
    warnings: list[anonymity.Warning] | None = None
    if action == services.RECORD and not keeps_something:
        warnings = anonymity.warnings_for(answers, post.form_type, uploads.listed(answers, known))
        missing = _recording_problems(db, post, answers, warnings, policy)
        if missing:
            return PageSaved(post, record, answers, None, problems=missing, warnings=warnings)

    # 2. One transaction, committed once.
    created = made_by_other_request = False
    if record is None:
        if services.records_held(db, owner_id=owner_id) >= policy.max_records_per_account:
            raise quota.RecordsFull(owner_id)
        record, created = services.start_record(
            db, owner_id=owner_id, form_type=post.form_type, editor=post.editor
        )
        made_by_other_request = not created
    try:
        if created:
            record.version = 1  # made in this transaction: nobody else can claim it
        else:
            services.claim_version(db, record, expected=post.version, editor=post.editor)
    except services.VersionConflict as conflict:
        return PageSaved(post, conflict.record, answers, None, conflict=conflict.record)
    if made_by_other_request:
        # This page's first autosave (or its button) made the record a moment ago.
        known = uploads.documents_of(db, record)
        answers["documents"] = [d for d in wanted if d["id"] in known]
    try:
        added, stored_bytes = _store_documents(
            db, record, answers, known, upload, copy_from, wanted
        )
        if remove is not None:
            uploads.mark_removed(db, remove)
        # The anonymisation check reads every answer (milliseconds): inside the
        # transaction only when recording needs its confirmation to decide; otherwise
        # after the commit, with no write held.
        problems: dict[str, str] = {}
        if action == services.RECORD:
            # Else the check above still holds: nothing in the answers changed since.
            if warnings is None or keeps_something or made_by_other_request:
                warnings = anonymity.warnings_for(
                    answers, post.form_type, uploads.listed(answers, known)
                )
            problems = _recording_problems(db, post, answers, warnings, policy)
        if upload.refused:
            problems = _with_refusals(problems, upload.refused)
        if problems:
            # Files came, or a document was removed or copied: keep it all as a draft,
            # and show what recording still needs.
            action = services.DRAFT_ACTION
        services.write_answers(
            db,
            record,
            answers=answers,
            action=action,
            policy=policy,
            editor=post.editor,
            autosave=autosave,
            created=created,
            documents_bytes=stored_bytes,
        )
    except quota.StorageFull:
        db.rollback()  # nothing of this save is stored, files included
        raise
    db.commit()
    if warnings is None:
        # An autosave's answer shows no warnings (the box's own live check does).
        warnings = (
            []
            if autosave
            else anonymity.warnings_for(answers, post.form_type, uploads.listed(answers, known))
        )
    return PageSaved(
        post,
        record,
        answers,
        action,
        created=created,
        problems=problems,
        warnings=warnings,
        added=added,
        removed=remove,
    )


def _autosave_named_record(
    db: Session, *, owner_id: int, post: PagePost, policy: Policy
) -> PageSaved:
    """``save_page`` for the commonest save of all: an autosave of the record its page
    names, listing no documents (so nothing needs reading or checking first). The same
    one transaction, with plain statements instead of the ORM: the compare-and-set on the
    record comes first, and returns what the write needs (so the record is not read
    before it); then the answers, the page's revision and the storage counter's
    compare-and-set; one commit. A page that claims nothing is told why, as
    ``save_page`` tells it: no such record (RecordNotFound), another form's record
    (WrongForm), or a conflict with the stored version."""
    assert post.record_id is not None
    answers = {**post.answers, "documents": []}
    prepared = services.prepare_autosave(answers, policy)
    claimed = services.claim_for_autosave(
        db,
        owner_id=owner_id,
        record_id=post.record_id,
        form_type=post.form_type,
        expected=post.version,
        editor=post.editor,
    )
    if claimed is None:
        db.rollback()  # nothing was written
        stored = services.get_record(db, owner_id=owner_id, record_id=post.record_id)
        if stored.form_type != post.form_type:
            raise WrongForm(post.form_type)
        return PageSaved(post, stored, answers, None, conflict=stored)
    try:
        services.write_autosave(db, claimed, prepared, policy=policy, editor=post.editor)
    except quota.StorageFull:
        db.rollback()  # nothing of this save is stored
        raise
    db.commit()
    return PageSaved(post, None, answers, services.DRAFT_ACTION, autosaved=claimed)


def _store_documents(
    db: Session,
    record: CpdRecord,
    answers: dict[str, Any],
    known: dict[int, CpdDocument],
    upload: uploads.UploadCheck,
    copy_from: CpdRecord | None,
    wanted: list[dict[str, Any]],
) -> tuple[list[CpdDocument], int]:
    """Store the checked files (and "Keep both"'s copies) on ``record`` in the save's
    transaction and add them to the answers: the files added, and the bytes stored."""
    copied: list[CpdDocument] = []
    if copy_from is not None:
        answers["documents"] = uploads.copy_to(db, copy_from, record, wanted)
        known.update(uploads.documents_of(db, record))
        copied = [known[item["id"]] for item in answers["documents"]]
    added = uploads.store(db, record, upload.accepted) if upload.accepted else []
    for document in added:
        assert document.id is not None
        answers["documents"].append({"id": document.id, "explanation": ""})
        known[document.id] = document
    return added, sum(document.size for document in [*copied, *added])


def _recording_problems(
    db: Session,
    post: PagePost,
    answers: Mapping[str, Any],
    warnings: Sequence[anonymity.Warning],
    policy: Policy,
) -> dict[str, str]:
    """Why these answers cannot be recorded yet, the anonymisation confirmation too."""
    confirmed = {anonymity.CONFIRM_FIELD: "yes" if post.confirmed else ""}
    return services.recording_problems(
        db,
        answers,
        post.form_type,
        policy=policy,
        extra_problems=anonymity.confirmation_problem(warnings, confirmed),
    )


def _with_refusals(problems: dict[str, str], refused: list[str]) -> dict[str, str]:
    """The refused files' messages in page order: after the parts of the standard and
    before the documents' explanations."""
    ordered: dict[str, str] = {}
    for name, message in problems.items():
        if name.startswith("document_explanation_") or name == anonymity.CONFIRM_FIELD:
            ordered.setdefault("documents", "\n".join(refused))
        ordered[name] = message
    ordered.setdefault("documents", "\n".join(refused))
    return ordered
