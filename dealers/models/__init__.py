from dealers.models.audit import AuditEntry
from dealers.models.calendar import CalendarException, ClosingRule, StoreHours
from dealers.models.company import CallCenterDesk, DealerCompany, Store
from dealers.models.queueing import UnpublishedTask
from dealers.models.users import Invitation, Role, User

__all__ = [
    "AuditEntry",
    "CalendarException",
    "CallCenterDesk",
    "ClosingRule",
    "DealerCompany",
    "Invitation",
    "Role",
    "Store",
    "StoreHours",
    "UnpublishedTask",
    "User",
]
