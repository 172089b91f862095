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
from notifications.models.schedules import DailyRun, ReminderPolicy

__all__ = [
    "NEVER_REFUSED_CATEGORIES",
    "REPLY_TOKEN_SQL",
    "Channel",
    "DailyRun",
    "Delivery",
    "DeliveryAttempt",
    "DeliveryStatus",
    "Notice",
    "NoticeCategory",
    "NoticeKind",
    "NoticeStatus",
    "ReminderPolicy",
    "reply_token_new",
]

from notifications.models.events import DealerEvent, DealerEventStatus

__all__ += ["DealerEvent", "DealerEventStatus"]

from notifications.models.replies import (  # noqa: E402
    Inquiry,
    InquiryKind,
    InquiryStatus,
    Reply,
    ReplyIntent,
    ReplyOutcome,
    ReplyStatus,
)

__all__ += ["Inquiry", "InquiryKind", "InquiryStatus", "Reply", "ReplyIntent", "ReplyOutcome", "ReplyStatus"]

from notifications.models.funnel import FunnelDay  # noqa: E402

__all__ += ["FunnelDay"]
