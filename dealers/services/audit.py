"""Writing audit entries. Call inside the transaction that makes the change."""

from __future__ import annotations

from typing import Any

from django.db import models

from dealers.models import AuditEntry, DealerCompany, User


def audit_record(
    *,
    action: str,
    target: models.Model,
    actor: User | None,
    company: DealerCompany | int | None = None,
    **data: Any,
) -> AuditEntry:
    company_id = company.pk if isinstance(company, DealerCompany) else company
    return AuditEntry.objects.create(
        actor=actor if actor is not None and actor.pk else None,
        company_id=company_id,
        action=action,
        target_type=target._meta.label_lower,
        target_id=str(target.pk),
        data=data,
    )
