"""Every table, imported in one place so that Alembic sees the whole schema."""

from app.auth.models import PasswordReset, User, UserSession
from app.cpd.models import CpdDocument, CpdDocumentContent, CpdRecord, CpdRevision, KeptForm
from app.help.models import Feedback
from app.reminders.models import ReminderOptOut, ReminderSent

__all__ = [
    "CpdDocument",
    "CpdDocumentContent",
    "CpdRecord",
    "CpdRevision",
    "Feedback",
    "KeptForm",
    "PasswordReset",
    "ReminderOptOut",
    "ReminderSent",
    "User",
    "UserSession",
]
