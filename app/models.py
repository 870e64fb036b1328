"""Every table, imported in one place so that Alembic sees the whole schema."""

from app.account.models import PendingEmailChange
from app.auth.models import PasswordReset, PendingAccount, User, UserSession
from app.auth.two_step_models import RecoveryCode, TwoStepSetting
from app.background import BackgroundJob
from app.help.models import Feedback
from app.ratelimit_storage import RateLimitCounter
from app.records.models import CpdDocument, CpdDocumentContent, CpdRecord, CpdRevision, KeptForm
from app.reminders.models import ReminderOptOut, ReminderSent
from app.server_sessions import BrowserSession
from app.uploads.quota import StorageUse

__all__ = [
    "BackgroundJob",
    "BrowserSession",
    "CpdDocument",
    "CpdDocumentContent",
    "CpdRecord",
    "CpdRevision",
    "Feedback",
    "KeptForm",
    "PasswordReset",
    "PendingAccount",
    "PendingEmailChange",
    "RateLimitCounter",
    "RecoveryCode",
    "ReminderOptOut",
    "ReminderSent",
    "StorageUse",
    "TwoStepSetting",
    "User",
    "UserSession",
]
