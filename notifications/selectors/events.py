"""Read side of dealer event mail.

Who an event reaches: one SQL query, evaluated at preview and again at send time, built on the
notice pipeline's suppression rules (notifications.services.eligibility), so an event reaches
exactly the cars any other notice would, narrowed by consent and the filters. How each sent event
did: one aggregate query.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from django.core.cache import cache
from django.db import connection
from django.db.models import Count, Exists, OuterRef, Q, QuerySet
from django.http import Http404
from django.utils import timezone

from dealers.models import User
from dealers.selectors.access import staff_scope
from notifications.models import DealerEvent, Delivery, DeliveryStatus, Notice, NoticeKind
from notifications.services.eligibility import ELIGIBILITY_JOINS, eligible_where
from vehicles.models import ConsentCategory, ConsentRecord, CustomerConsent, Vehicle

_THROUGH = DealerEvent.audience_stores.through._meta.db_table


def event_audience_sql(event: DealerEvent, *, on: dt.date) -> tuple[str, dict[str, Any]]:
    """SELECT of the cars the event goes to on business date `on` (pyformat parameters).

    Columns: vehicle_id, company_id, customer_id, language, car_name, plate, store_name,
    store_phone, company_name, consent_record_id (the grant record the mail is sent under).
    A car qualifies when a notice may reach it at all (contract, availability, participating
    store), it is the event company's, its owner grants marketing mail now *and* a grant
    record exists (the evidence, domain §5), and it passes every non-empty filter (model
    codes, owner's prefecture, registered store).
    """
    where = eligible_where(kind=NoticeKind.EVENT, category_sql="%(category)s", event_date_sql="%(starts_on)s")
    sql = f"""
        SELECT v.id AS vehicle_id, v.company_id, v.customer_id, COALESCE(cu.language, 'ja') AS language,
               v.car_name, v.plate_display AS plate, st.name AS store_name, st.phone AS store_phone,
               co.name AS company_name, cr.id AS consent_record_id
        FROM {Vehicle._meta.db_table} v
        {ELIGIBILITY_JOINS}
        JOIN LATERAL (
            SELECT r.id FROM {ConsentRecord._meta.db_table} r
            WHERE r.customer_id = v.customer_id AND r.category = %(category)s AND r.granted
            ORDER BY r.recorded_at DESC, r.id DESC LIMIT 1
        ) cr ON TRUE
        WHERE {where}
          AND v.company_id = %(company_id)s AND v.customer_id IS NOT NULL
          AND (cardinality(%(model_codes)s::text[]) = 0 OR v.model_code = ANY(%(model_codes)s::text[]))
          AND (cardinality(%(prefectures)s::text[]) = 0 OR cu.prefecture = ANY(%(prefectures)s::text[]))
          AND (NOT EXISTS (SELECT 1 FROM {_THROUGH} es WHERE es.dealerevent_id = %(event_id)s)
               OR v.store_id IN (SELECT es.store_id FROM {_THROUGH} es WHERE es.dealerevent_id = %(event_id)s))
    """  # noqa: S608 - table names from model metadata; values are parameters
    params = {
        "on": on,
        "category": ConsentCategory.MARKETING.value,
        "starts_on": event.starts_on,
        "company_id": event.company_id,
        "model_codes": list(event.audience_model_codes),
        "prefectures": list(event.audience_prefectures),
        "event_id": event.pk,
    }
    return sql, params


def event_audience_count(event: DealerEvent, *, on: dt.date) -> int:
    sql, params = event_audience_sql(event, on=on)
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT count(*) FROM ({sql}) a", params)  # noqa: S608
        return cursor.fetchone()[0]


def event_audience_vehicle_ids(event: DealerEvent, *, on: dt.date, limit: int | None = None) -> list[int]:
    sql, params = event_audience_sql(event, on=on)
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT a.vehicle_id FROM ({sql}) a ORDER BY a.vehicle_id LIMIT %(limit)s",  # noqa: S608
                       {**params, "limit": limit})
        return [row[0] for row in cursor.fetchall()]


# Counting an audience walks every car of the company (seconds at a million cars), so it is never
# done inside a request: a task counts it (on the page's first view, and again when the count is
# older than AUDIENCE_FRESH) and keeps it in the shared cache, keyed by the event's last change
# and the business date; the page shows the count with the time it was taken.
AUDIENCE_FRESH = dt.timedelta(minutes=10)
AUDIENCE_KEEP_SECONDS = 24 * 3600


@dataclass(frozen=True)
class AudienceSnapshot:
    count: int
    sample_vehicle_id: int | None  # the first car of the audience: the preview's sample owner
    counted_at: dt.datetime

    def is_fresh(self, now: dt.datetime | None = None) -> bool:
        return (now or timezone.now()) - self.counted_at < AUDIENCE_FRESH


def event_audience_key(event: DealerEvent, *, on: dt.date) -> str:
    """Changes with every save of the event (its filters) and with the business date."""
    changed = event.updated_at.timestamp() if event.updated_at else 0
    return f"tconnect:event-audience:{event.pk}:{changed}:{on.isoformat()}"


def event_audience_snapshot(event: DealerEvent, *, on: dt.date) -> AudienceSnapshot | None:
    kept = cache.get(event_audience_key(event, on=on))
    if not isinstance(kept, dict):
        return None
    return AudienceSnapshot(kept["count"], kept["sample_vehicle_id"], dt.datetime.fromisoformat(kept["counted_at"]))


def events_for_staff(user: User) -> QuerySet[DealerEvent]:
    """Events of the user's company (call-center agents have none)."""
    scope = staff_scope(user)
    if scope.warnings_only:
        return DealerEvent.objects.none()
    return DealerEvent.objects.filter(company_id__in=scope.company_ids)


def event_get_for_staff(user: User, pk: int | str) -> DealerEvent:
    try:
        return events_for_staff(user).select_related("company").get(pk=pk)
    except (DealerEvent.DoesNotExist, ValueError, TypeError):
        raise Http404 from None


_REACHED = (DeliveryStatus.DELIVERED, DeliveryStatus.READ)


@dataclass(frozen=True)
class EventResult:
    notices: int = 0
    delivered: int = 0
    read: int = 0
    emailed: int = 0
    opted_out: int = 0  # recipients whose marketing consent is refused since the mail


def event_results(event_ids: Iterable[int]) -> dict[int, EventResult]:
    """Per event id: notices, reached on any channel, read, e-mailed, opted out since."""
    ids = list(event_ids)
    if not ids:
        return {}
    delivered = Delivery.objects.filter(notice=OuterRef("pk"), status__in=_REACHED)
    rows = (
        Notice.objects.filter(kind=NoticeKind.EVENT, source_id__in=ids)
        .alias(
            was_delivered=Exists(delivered),
            was_read=Exists(Delivery.objects.filter(notice=OuterRef("pk"), status=DeliveryStatus.READ)),
            was_emailed=Exists(delivered.filter(channel="email")),
            opted_out=Exists(
                CustomerConsent.objects.filter(
                    customer=OuterRef("customer_id"), category=ConsentCategory.MARKETING, granted=False,
                    updated_at__gte=OuterRef("created_at"),
                )
            ),
        )
        .values("source_id")
        .annotate(
            n=Count("id"),
            n_delivered=Count("id", filter=Q(was_delivered=True)),
            n_read=Count("id", filter=Q(was_read=True)),
            n_emailed=Count("id", filter=Q(was_emailed=True)),
            n_opted_out=Count("id", filter=Q(opted_out=True)),
        )
        .order_by()
    )
    return {
        row["source_id"]: EventResult(row["n"], row["n_delivered"], row["n_read"], row["n_emailed"], row["n_opted_out"])
        for row in rows
        if row["source_id"] is not None  # always: filtered on source_id__in
    }
