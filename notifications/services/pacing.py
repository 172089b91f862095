"""Pacing e-mail per destination domain group, with backoff on 421/4xx (issue 15 §4).

Mailbox providers limit how fast one sender may deliver (Japanese carriers hardest), so the
outbox sends each group — carrier mail, the large free-mail providers, everything else
(MAIL_CARRIER_DOMAINS, MAIL_FREEMAIL_DOMAINS) — at its own rate (MAIL_PACE_*_PER_MINUTE):

- A token bucket per group (MailPace row): it refills at the group's rate, holds at most ten
  seconds' worth, and each mail takes one. `pace_take` hands out tokens for the mails a batch
  claimed, under the rows' locks, in one short transaction.
- A 421/4xx answer pauses the group (`pace_defer`): MAIL_PACE_BACKOFF_SECONDS, doubled per
  further answer up to MAIL_PACE_BACKOFF_MAX_SECONDS; a send that goes through ends the backoff.
- Mails claimed beyond the tokens, or for a paused group, go back to the queue without using an
  attempt, due when the bucket will have refilled for them (spread one token apart) or when the
  pause ends (`deliveries_release_paced` in the outbox).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from notifications.models import DomainGroup, MailPace

BUCKET_SECONDS = 10


def domain_group(email: str) -> str:
    domain = email.rpartition("@")[2].strip().lower().rstrip(".")
    if domain in _domains(settings.MAIL_CARRIER_DOMAINS):
        return DomainGroup.CARRIER
    if domain in _domains(settings.MAIL_FREEMAIL_DOMAINS):
        return DomainGroup.FREEMAIL
    return DomainGroup.OTHER


def _domains(values: Iterable[str]) -> frozenset[str]:
    return frozenset(v.strip().lower() for v in values)


def pace_per_second(group: str) -> float:
    per_minute: dict[str, int] = {
        DomainGroup.CARRIER.value: settings.MAIL_PACE_CARRIER_PER_MINUTE,
        DomainGroup.FREEMAIL.value: settings.MAIL_PACE_FREEMAIL_PER_MINUTE,
    }
    return per_minute.get(group, settings.MAIL_PACE_OTHER_PER_MINUTE) / 60


def _locked(groups: Iterable[str], now: dt.datetime) -> dict[str, MailPace]:
    for group in groups:
        MailPace.objects.get_or_create(group=group, defaults={"refilled_at": now, "tokens": _capacity(group)})
    return {p.group: p for p in MailPace.objects.select_for_update().filter(group__in=list(groups)).order_by("group")}


def _capacity(group: str) -> float:
    return max(1.0, pace_per_second(group) * BUCKET_SECONDS)


@transaction.atomic
def pace_take(wanted: dict[str, int], *, now: dt.datetime | None = None) -> dict[str, int]:
    """Tokens granted per group (at most `wanted`): none while a group is paused."""
    now = now or timezone.now()
    granted = {}
    for group, pace in _locked(wanted, now).items():
        elapsed = max((now - pace.refilled_at).total_seconds(), 0.0)
        pace.tokens = min(_capacity(group), pace.tokens + elapsed * pace_per_second(group))
        pace.refilled_at = now
        paused = pace.paused_until is not None and pace.paused_until > now
        granted[group] = 0 if paused else min(wanted[group], int(pace.tokens))
        pace.tokens -= granted[group]
        pace.save(update_fields=["tokens", "refilled_at"])
    return granted


def pace_due(group: str, position: int, *, now: dt.datetime, paused_until: dt.datetime | None = None) -> dt.datetime:
    """When the `position`-th (from 1) mail held back from `group` may be tried again."""
    start = max(now, paused_until) if paused_until else now
    return start + dt.timedelta(seconds=position / pace_per_second(group))


@transaction.atomic
def pace_defer(group: str, *, error: str, now: dt.datetime | None = None) -> dt.datetime:
    """A 421/4xx answer: pause the group, doubling the pause per answer. Returns the pause's end."""
    now = now or timezone.now()
    pace = _locked([group], now)[group]
    pace.backoff_seconds = min(max(pace.backoff_seconds * 2, settings.MAIL_PACE_BACKOFF_SECONDS),
                               settings.MAIL_PACE_BACKOFF_MAX_SECONDS)
    pace.paused_until = now + dt.timedelta(seconds=pace.backoff_seconds)
    pace.deferrals += 1
    pace.last_deferral = error[:300]
    pace.save(update_fields=["backoff_seconds", "paused_until", "deferrals", "last_deferral"])
    return pace.paused_until


def pace_recovered(groups: Iterable[str]) -> None:
    """Sends went through: the groups' backoff starts from the base again."""
    MailPace.objects.filter(group__in=list(groups), backoff_seconds__gt=0).update(backoff_seconds=0)


def pace_paused_until(group: str, *, now: dt.datetime) -> dt.datetime | None:
    until = MailPace.objects.filter(group=group).values_list("paused_until", flat=True).first()
    return until if until is not None and until > now else None
