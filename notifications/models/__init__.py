from notifications.models.notices import (
    REPLY_TOKEN_SQL,
    Channel,
    Delivery,
    DeliveryAttempt,
    DeliveryStatus,
    Notice,
    NoticeKind,
    NoticeStatus,
    reply_token_new,
)
from notifications.models.schedules import DailyRun, ReminderPolicy

__all__ = [
    "REPLY_TOKEN_SQL",
    "Channel",
    "DailyRun",
    "Delivery",
    "DeliveryAttempt",
    "DeliveryStatus",
    "Notice",
    "NoticeKind",
    "NoticeStatus",
    "ReminderPolicy",
    "reply_token_new",
]
