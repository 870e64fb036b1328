"""Forms that arrive after their sender's session ended, or with a CSRF token that no
longer matches, are kept on the server and put back on the form after signing in:
no path shows a bare error or throws a posted form away (WCAG 2.2.5).

A kept form belongs to the person it was shown to: every CPD form carries a signed
note of whose it is (``kept_for``), so a form still finds its owner when the browser
has lost every cookie (restarted, cleared); failing that, the person whose session
ended in that browser. Only they can restore it, after signing in again, until it
expires (the policy's kept_form_hours).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac

from flask import current_app, request, session, url_for
from itsdangerous import BadData, URLSafeTimedSerializer
from sqlmodel import Session, col, select

from app.auth.models import User, UserSession
from app.cpd import rules, services
from app.cpd.page import read_page_post
from app.db import as_utc, get_session, utcnow
from app.policy import Policy, current_policy
from app.records.models import CpdRecord, KeptForm
from app.uploads import quota

# The hidden field naming a form's owner, signed with the app's secret key so nobody can
# claim another person's form. A page left open a long time still counts, but not past
# a sign-out or a password change: after those the page's words are no longer provably
# its owner's (a shared computer, a copied page).
OWNER_FIELD = "kept_for"
OWNER_SALT = "record-cpd.kept-form-owner.v2"
OWNER_MAX_AGE = dt.timedelta(days=30)


def _owner_signer() -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(current_app.secret_key or "", salt=OWNER_SALT)


def _password_mark(user: User) -> str:
    """A short keyed digest of the password hash: changes when the password does."""
    secret = current_app.secret_key or ""
    key = secret if isinstance(secret, bytes) else secret.encode()
    return hmac.new(key, user.password_hash.encode(), hashlib.sha256).hexdigest()[:16]


def owner_token(user: User) -> str:
    """The ``kept_for`` value for a form shown to ``user``."""
    return _owner_signer().dumps({"user": user.id, "password": _password_mark(user)})


def owner_from_form() -> int | None:
    """Whose form this post is, by its signed ``kept_for`` field; None if absent, forged,
    too old, or shown before its owner signed out or changed their password."""
    token = request.form.get(OWNER_FIELD)
    if not token:
        return None
    try:
        claim, issued_at = _owner_signer().loads(
            token, max_age=int(OWNER_MAX_AGE.total_seconds()), return_timestamp=True
        )
    except BadData:
        return None
    if not isinstance(claim, dict) or not isinstance(claim.get("user"), int):
        return None
    db = get_session()
    user = db.get(User, claim["user"])
    if user is None or not hmac.compare_digest(str(claim.get("password")), _password_mark(user)):
        return None
    if signed_out_since(db, user_id=claim["user"], since=issued_at):
        return None
    return int(claim["user"])


def claimed_owner(token: str | None) -> int | None:
    """Whose page a form says it was (its signed ``kept_for``), even if that person has
    signed out since: enough to give its words back only to them, never to save them."""
    if not token:
        return None
    try:
        claim = _owner_signer().loads(token, max_age=int(OWNER_MAX_AGE.total_seconds()))
    except BadData:
        return None
    if not isinstance(claim, dict) or not isinstance(claim.get("user"), int):
        return None
    return int(claim["user"])


def signed_out_since(db: Session, *, user_id: int, since: dt.datetime) -> bool:
    """Whether any of the person's sessions was ended on purpose (sign-out, "sign out
    everywhere", a password reset) after ``since``.

    A session that timed out is ended too, when a request finds it idle past the
    policy's limit (app/auth/sessions.check_session), so its end comes long after its
    last activity; one ended on purpose ends soon after it (a sign-out is a request)."""
    policy = current_policy()
    ended = db.exec(
        select(UserSession).where(
            UserSession.user_id == user_id, col(UserSession.revoked_at) >= since
        )
    ).all()
    for record in ended:
        assert record.revoked_at is not None
        idle = as_utc(record.revoked_at) - as_utc(record.last_seen_at)
        age = as_utc(record.revoked_at) - as_utc(record.created_at)
        if idle <= policy.session_idle_timeout and age <= policy.session_absolute_timeout:
            return True
    return False


def stale_token_of_this_session() -> bool:
    """Whether the post's CSRF token is one this browser's own session was given, and
    failed only for its age: the person's own page, left open too long."""
    field = current_app.config.get("WTF_CSRF_FIELD_NAME", "csrf_token")
    token = request.form.get(field) or request.headers.get("X-CSRFToken") or ""
    raw = session.get(field)
    if not token or not isinstance(raw, str):
        return False
    secret = current_app.config.get("WTF_CSRF_SECRET_KEY") or current_app.secret_key or ""
    try:
        signed = URLSafeTimedSerializer(secret, salt="wtf-csrf-token").loads(token)
    except BadData:
        return False
    return isinstance(signed, str) and hmac.compare_digest(signed, raw)


# The endpoints whose posts carry CPD answers.
FORM_ENDPOINTS = {
    "cpd.new_record",
    "cpd.edit_record",
    "cpd.autosave",
    "cpd.upload_documents",
    "cpd.remove_document",
}


# Why a form was kept, for what the restored form says.
SIGNED_OUT = "signed-out"
STALE_PAGE = "stale-page"


def keep_posted_form(db: Session, *, user_id: int, policy: Policy, reason: str) -> KeptForm | None:
    """Keep this request's CPD answers for ``user_id``. None if it holds no answers."""
    form = request.form
    record: CpdRecord | None = None
    record_id = (request.view_args or {}).get("record_id") or form.get("record_id", "")
    if str(record_id).isdigit():
        try:
            record = services.get_record(db, owner_id=user_id, record_id=int(record_id))
        except services.RecordNotFound:
            record = None
    form_type = (
        record.form_type
        if record
        else (request.view_args or {}).get("form_type") or form.get("form_type", "")
    )
    if form_type not in rules.FORM_TYPES:
        return None
    post = read_page_post(form, request.files, form_type=form_type)
    kept = KeptForm(
        user_id=user_id,
        form_type=form_type,
        record_id=record.id if record else None,
        data={
            "answers": post.answers,
            "version": post.version,
            "editor": post.editor or "",
            "reason": reason,
            # Files are not kept (they are still on the person's device): name them, so
            # the restored form can ask for them again.
            "files_not_kept": [
                upload.filename for _, upload in request.files.items(multi=True) if upload.filename
            ],
        },
        expires_at=utcnow() + dt.timedelta(hours=policy.kept_form_hours),
    )
    older = db.exec(
        select(KeptForm)
        .where(KeptForm.user_id == user_id)
        .order_by(col(KeptForm.id).desc())
        .offset(policy.max_kept_forms_per_account - 1)
    ).all()
    freed = 0
    for oldest in older:  # at most max_kept_forms_per_account are kept: the oldest go
        freed += quota.size_of(oldest.data)
        db.delete(oldest)
    db.add(kept)
    try:
        quota.charge(db, owner_id=user_id, delta=quota.size_of(kept.data) - freed, policy=policy)
    except quota.StorageFull:
        db.rollback()
        return None
    db.commit()
    return kept


def restored_message(kept: KeptForm) -> str:
    """What the form says when it comes back with kept answers."""
    if kept.data.get("reason") == STALE_PAGE:
        message = (
            "Your answers are back on the form. The page had been open too long for us to "
            "save it safely: check them and save again."
        )
    else:
        message = (
            "We kept the answers you sent when you were signed out: they are back on the "
            "form. Check them and save."
        )
    names = kept.data.get("files_not_kept") or []
    if len(names) == 1:
        message += f" The file you chose ({names[0]}) was not kept: choose it again."
    elif names:
        message += f" The files you chose ({', '.join(names)}) were not kept: choose them again."
    return message


def restore_url(kept: KeptForm) -> str:
    if kept.record_id is not None:
        return url_for("cpd.edit_record", record_id=kept.record_id, restore=kept.id)
    return url_for("cpd.new_record", form_type=kept.form_type, restore=kept.id)


def get_kept(db: Session, *, user_id: int, kept_id: str | None) -> KeptForm | None:
    if not kept_id or not kept_id.isdigit():
        return None
    kept = db.exec(
        select(KeptForm).where(KeptForm.id == int(kept_id), KeptForm.user_id == user_id)
    ).first()
    if kept is None or as_utc(kept.expires_at) < utcnow():
        return None
    return kept


def purge_expired(db: Session, *, policy: Policy) -> int:
    expired = db.exec(select(KeptForm).where(col(KeptForm.expires_at) < utcnow())).all()
    for kept in expired:
        quota.charge(
            db, owner_id=kept.user_id, delta=-quota.size_of(kept.data), policy=policy, limited=False
        )
        db.delete(kept)
    db.commit()
    return len(expired)
