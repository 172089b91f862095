"""Who may get a notice on a business date: the suppression rules as SQL fragments.

Every notice scan selects `FROM vehicles_vehicle v` and adds ELIGIBILITY_JOINS and
`eligible_where(...)`; they need the parameter `%(on)s` (the business date). The rules:

- contract active on the date and including Remote Maintenance Mail;
- the model/equipment offers it (ServiceAvailability for the model code, else the "*" row for
  the equipment, else offered); a car with equipment "none" never gets one;
- a registered remote-maintenance store of the car's company that takes part and is active;
- no appointment already covering the due event (`covered_by_appointment_sql`);
- consent: reminders and marketing need a granted consent row for the category; safety
  (recalls, lapsed shaken) ignores consent.
"""

from __future__ import annotations

from notifications.models import NEVER_REFUSED_CATEGORIES, Notice
from vehicles.models import Contract, ContractStatus, Customer, CustomerConsent, ServiceAvailability
from vehicles.selectors.appointments import appointment_covers_sql

_CONTRACT = Contract._meta.db_table
_AVAILABILITY = ServiceAvailability._meta.db_table
_CONSENT = CustomerConsent._meta.db_table
_CUSTOMER = Customer._meta.db_table

# Aliases available to the SELECT list: c (contract), st (store), co (company), cu (owner, may be NULL).
ELIGIBILITY_JOINS = f"""
JOIN {_CONTRACT} c ON c.vehicle_id = v.id
JOIN dealers_store st ON st.id = v.store_id
JOIN dealers_dealercompany co ON co.id = v.company_id
LEFT JOIN {_CUSTOMER} cu ON cu.id = v.customer_id
LEFT JOIN {_AVAILABILITY} sam ON sam.model_code = v.model_code AND sam.equipment = v.equipment
LEFT JOIN {_AVAILABILITY} sad ON sad.model_code = '*' AND sad.equipment = v.equipment
"""


_NEVER_REFUSED_SQL = ", ".join(f"'{category}'" for category in NEVER_REFUSED_CATEGORIES)


def consent_ok_sql(category_sql: str, customer_sql: str = "v.customer_id") -> str:
    """True when the owner may get a notice of this category (safety and transactional always)."""
    return (
        f"({category_sql} IN ({_NEVER_REFUSED_SQL}) OR EXISTS (SELECT 1 FROM {_CONSENT} cc "  # noqa: S608
        f"WHERE cc.customer_id = {customer_sql} AND cc.category = {category_sql} AND cc.granted))"
    )


def covered_by_appointment_sql(*, kind: str, event_date_sql: str) -> str:
    """SQL truth value: a confirmed (or later) appointment of the car (alias `v`) already covers
    this due event, so its pending reminder stages are not sent."""
    return appointment_covers_sql(vehicle_sql="v.id", kind_sql=f"'{kind}'", event_date_sql=event_date_sql)


def eligible_where(*, kind: str, category_sql: str, event_date_sql: str, covered_sql: str | None = None) -> str:
    """The WHERE conditions (without the keyword) shared by every scan; `covered_sql` replaces the
    exact-date appointment rule for due events whose date moves (condition-based maintenance)."""
    covered = covered_sql or covered_by_appointment_sql(kind=kind, event_date_sql=event_date_sql)
    return f"""
    c.status = '{ContractStatus.ACTIVE.value}' AND c.remote_maintenance
    AND c.starts_on <= %(on)s AND (c.ends_on IS NULL OR c.ends_on >= %(on)s)
    AND v.equipment <> 'none'
    AND COALESCE(sam.remote_maintenance, sad.remote_maintenance, TRUE)
    AND st.company_id = v.company_id AND st.participates_in_remote_maintenance AND st.is_active
    AND NOT ({covered})
    AND {consent_ok_sql(category_sql)}
    """


NOTICE_COLUMNS = (
    "company_id, vehicle_id, customer_id, kind, stage, category, event_date, send_on, source_id, dedupe_key, language, context"
)
NOTICE_TABLE = Notice._meta.db_table
