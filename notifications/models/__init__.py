"""The models of this layer, one module per capability; re-exported for `from <app>.models import X`."""

from notifications.models.bounces import BounceKind, MailAddressState, MailBounce, MailComplaint
from notifications.models.events import DealerEvent, DealerEventStatus
from notifications.models.funnel import FunnelDay
from notifications.models.inbound_mail import (
    MailFlood,
    MailFloodScope,
    ReceivedMail,
    ReceivedMailKind,
    ReceivedMailStatus,
)
from notifications.models.notices import (
    NEVER_REFUSED_CATEGORIES,
    REPLY_TOKEN_SQL,
    Channel,
    Delivery,
    DeliveryAttempt,
    DeliveryStatus,
    Notice,
    NoticeCategory,
    NoticeKind,
    NoticeStatus,
    reply_token_new,
)
from notifications.models.pacing import DomainGroup, MailPace
from notifications.models.replies import (
    Inquiry,
    InquiryKind,
    InquiryStatus,
    Reply,
    ReplyIntent,
    ReplyOutcome,
    ReplyStatus,
)
from notifications.models.schedules import DailyRun, ReminderPolicy

__all__ = [
    "NEVER_REFUSED_CATEGORIES",
    "REPLY_TOKEN_SQL",
    "BounceKind",
    "Channel",
    "DailyRun",
    "DealerEvent",
    "DealerEventStatus",
    "Delivery",
    "DeliveryAttempt",
    "DeliveryStatus",
    "DomainGroup",
    "FunnelDay",
    "Inquiry",
    "InquiryKind",
    "InquiryStatus",
    "MailAddressState",
    "MailBounce",
    "MailComplaint",
    "MailFlood",
    "MailFloodScope",
    "MailPace",
    "Notice",
    "NoticeCategory",
    "NoticeKind",
    "NoticeStatus",
    "ReceivedMail",
    "ReceivedMailKind",
    "ReceivedMailStatus",
    "ReminderPolicy",
    "Reply",
    "ReplyIntent",
    "ReplyOutcome",
    "ReplyStatus",
    "reply_token_new",
]
