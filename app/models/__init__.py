"""All tables, one module per feature; importing this package registers them on FAB's metadata."""

from app.models.villages import Oversight, Village  # noqa: F401
from app.models.register import (  # noqa: F401
    Category,
    Complaint,
    ComplaintEvent,
    Dusun,
    Officer,
    RegisterCounter,
    next_register_seq,
)
from app.models.deadlines import DeadlineTier, Holiday  # noqa: F401
from app.models.identity import IdentityView  # noqa: F401
from app.models.meetings import Meeting, MeetingGuest  # noqa: F401
from app.models.public import PublicLookupFailure  # noqa: F401
from app.models.responses import ResponseTemplate  # noqa: F401
from app.models.sessions import UserSessionGeneration  # noqa: F401
from app.models.audit import (  # noqa: F401
    AccountLink,
    AuditEntry,
    AuditPersonalValue,
    ResidentRequest,
    Setting,
)
from app.models.evidence import Attachment  # noqa: F401
from app.models.referrals import Referral  # noqa: F401
from app.models.inbox import InboxAttachment, InboxFetch, InboxMessage  # noqa: F401
from app.models.notifications import (  # noqa: F401
    JobLease,
    Notification,
    NotificationSetting,
    OutboxMessage,
)
