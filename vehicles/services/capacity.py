"""Work types and daily quotas (issue 14): the defaults every company starts from, the type a
notice's reply books, and the company admin's edits (audited)."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from dealers.models import DealerCompany, Store, User
from dealers.services.audit import audit_record
from vehicles.models import Occupies, WorkCode, WorkQuota, WorkType

# (code, name, minutes, occupies): what a Japanese service desk plans with; each company edits
# its own copy (the carmaker publishes no standard times). Shaken defaults to three hours in a
# bay; a store that keeps the car for the day switches it to "a place for the day".
DEFAULT_WORK_TYPES: tuple[tuple[str, str, int, str], ...] = (
    (WorkCode.SHAKEN, "車検", 180, Occupies.BAY),
    (WorkCode.INSPECTION_12M, "12ヶ月点検", 90, Occupies.BAY),
    (WorkCode.OIL, "エンジンオイル交換", 30, Occupies.BAY),
    (WorkCode.RECALL, "リコール作業", 60, Occupies.BAY),
    (WorkCode.DIAGNOSIS, "警告灯の診断", 60, Occupies.BAY),
    (WorkCode.OTHER, "その他", 60, Occupies.BAY),
)

# The work a reply to each kind of notice books (issue 14: shaken notice → shaken).
WORK_FOR_NOTICE_KIND = {
    "shaken": WorkCode.SHAKEN,
    "periodic": WorkCode.INSPECTION_12M,
    "recall": WorkCode.RECALL,
    "warning": WorkCode.DIAGNOSIS,
    "device": WorkCode.DIAGNOSIS,
}


def work_types_ensure(company: DealerCompany | int) -> None:
    """Give the company the default work types it lacks (idempotent, one statement)."""
    company_id = company if isinstance(company, int) else company.pk
    WorkType.objects.bulk_create(
        [
            WorkType(company_id=company_id, code=code, name=name, minutes=minutes, occupies=occupies, position=i)
            for i, (code, name, minutes, occupies) in enumerate(DEFAULT_WORK_TYPES)
        ],
        ignore_conflicts=True,
    )


def work_type_for(company: DealerCompany | int, code: str) -> WorkType | None:
    """The company's active work type of this code (the defaults are created on first use)."""
    company_id = company if isinstance(company, int) else company.pk
    found = WorkType.objects.filter(company_id=company_id, code=code, is_active=True).first()
    if found is None and code in {c for c, *_rest in DEFAULT_WORK_TYPES}:
        work_types_ensure(company_id)
        found = WorkType.objects.filter(company_id=company_id, code=code, is_active=True).first()
    return found


def work_type_for_notice(company: DealerCompany | int, notice_kind: str) -> WorkType | None:
    """The work a reply to a notice of this kind books: its own type, else "other"."""
    return work_type_for(company, WORK_FOR_NOTICE_KIND.get(notice_kind, WorkCode.OTHER))


@transaction.atomic
def work_type_save(*, work_type: WorkType, actor: User | None) -> WorkType:
    """Save a company's work type after validation (the form built it); audited."""
    work_type.full_clean()
    work_type.save()
    audit_record(
        action="work_type.save", target=work_type, actor=actor, company=work_type.company_id, code=work_type.code,
        minutes=work_type.minutes, occupies=work_type.occupies, active=work_type.is_active,
    )
    return work_type


@transaction.atomic
def work_quota_set(*, store: Store, work_type: WorkType, per_day: int | None, actor: User | None) -> None:
    """At most `per_day` bookings of the type a day at the store; None removes the quota.
    Bookings already held stay: a lower quota only refuses new ones."""
    if work_type.company_id != store.company_id:
        raise ValidationError(_("This work type belongs to another company."))
    if per_day is None:
        WorkQuota.objects.filter(store=store, work_type=work_type).delete()
    else:
        quota = WorkQuota(store=store, work_type=work_type, per_day=per_day)
        quota.full_clean(validate_unique=False, validate_constraints=False)
        WorkQuota.objects.update_or_create(store=store, work_type=work_type, defaults={"per_day": per_day})
    audit_record(action="work_quota.set", target=store, actor=actor, company=store.company_id,
                 work_type=work_type.code, per_day=per_day)
