"""The company's reminder schedule and inspection menu, edited by its company admins."""

from __future__ import annotations

from django.core.exceptions import PermissionDenied
from django.db import transaction

from dealers.models import DealerCompany, Role, User
from dealers.services.audit import audit_record
from notifications.models import ReminderPolicy

# Send ranges (issue 14 §3), days before / after each non-safety stage's usual date.
RANGE_FIELDS = (
    "shaken_early_range_before",
    "shaken_early_range_after",
    "shaken_window_range_after",
    "shaken_late_range_before",
    "shaken_late_range_after",
    "shaken_final_range_before",
    "shaken_final_range_after",
    "periodic_pre_range_before",
    "periodic_pre_range_after",
    "periodic_month_range_after",
)

POLICY_FIELDS = (
    "shaken_early_months",
    "shaken_window_notice",
    "shaken_late_months",
    "shaken_final_days",
    "shaken_lapsed_notice",
    "periodic_interval_months",
    "periodic_extra_months",
    "recall_repeat_days",
    "maintenance_early_days",
    "maintenance_due_notice",
    *RANGE_FIELDS,
)


def reminder_policy_for(company: DealerCompany) -> ReminderPolicy:
    """The company's policy, or the defaults (unsaved) when it has none yet."""
    return ReminderPolicy.objects.filter(company=company).first() or ReminderPolicy(company=company)


@transaction.atomic
def reminder_policy_update(*, company: DealerCompany, actor: User, **values) -> ReminderPolicy:
    """Save the policy (created on first save); validated with the model's rules; audited
    with the previous values. Takes effect from the next daily run."""
    if actor.role != Role.COMPANY_ADMIN or actor.company_id != company.pk:
        raise PermissionDenied
    unknown = set(values) - set(POLICY_FIELDS)
    if unknown:
        raise TypeError(f"unknown policy fields: {sorted(unknown)}")
    policy = ReminderPolicy.objects.select_for_update().filter(company=company).first() or ReminderPolicy(company=company)
    previous = {name: getattr(policy, name) for name in POLICY_FIELDS} if policy.pk else None
    for name, value in values.items():
        setattr(policy, name, value)
    policy.periodic_extra_months = sorted(set(policy.periodic_extra_months or []))
    policy.full_clean(exclude=["company"])
    policy.save()
    audit_record(action="reminder_policy.update", target=policy, actor=actor, company=company,
                 previous=previous, **{name: getattr(policy, name) for name in POLICY_FIELDS})
    return policy
