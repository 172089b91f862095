"""One car's story for staff: notices with their per-channel state, replies, inquiries,
appointments, warnings and recall work, newest first.

The top layer may read every app, so the timeline is assembled here. Each source is one query
(notices two: the rows and their deliveries), so the page costs the same for a car with three
events as for one with three hundred. Re-exported from notifications.selectors.inbox.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field

from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from notifications.models import Delivery, Inquiry, Notice, NoticeKind, Reply
from vehicles.models import Appointment, RecallStatus, RecallTarget, Vehicle, VehicleWarning

DEFAULT_LIMIT = 100
_MONTHS_RE = re.compile(r"^m(\d+)$")
_DAYS_RE = re.compile(r"^d(\d+)$")
_RECALL_RE = re.compile(r"^r(\d+)$")


@dataclass(frozen=True)
class ChannelState:
    channel: str
    label: str
    status: str
    status_label: str
    delivered_at: dt.datetime | None = None
    read_at: dt.datetime | None = None


@dataclass(frozen=True)
class TimelineEntry:
    at: dt.datetime
    kind: str  # notice / reply / inquiry / appointment / warning / recall
    title: str
    detail: str = ""
    state: str = ""
    state_label: str = ""
    channels: tuple[ChannelState, ...] = field(default_factory=tuple)
    due_on: dt.date | None = None  # a notice's due event
    starts_at: dt.datetime | None = None  # an appointment's time


def stage_label(kind: str, stage: str) -> str:
    """Human words for a notice's stage code (m3, window, d14, lapsed, pre, month, r0, r30 …)."""
    if match := _MONTHS_RE.match(stage):
        n = int(match.group(1))
        return ngettext("%(n)d month before", "%(n)d months before", n) % {"n": n}
    if match := _DAYS_RE.match(stage):
        n = int(match.group(1))
        return ngettext("%(n)d day before", "%(n)d days before", n) % {"n": n}
    if match := _RECALL_RE.match(stage):
        return _("first notice") if match.group(1) == "0" else _("reminder after %(n)s days") % {"n": match.group(1)}
    words = {
        "window": _("window opens"),
        "lapsed": _("lapsed"),
        "pre": _("the month before"),
        "month": _("inspection month"),
    }
    return words.get(stage, stage if kind != NoticeKind.EVENT else "")


def _notice_title(notice: Notice) -> str:
    if notice.kind == NoticeKind.EVENT:
        return f"{notice.get_kind_display()}: {(notice.context or {}).get('event', {}).get('title', '')}"
    stage = stage_label(notice.kind, notice.stage)
    return f"{notice.get_kind_display()} — {stage}" if stage else notice.get_kind_display()


def _notice_entries(vehicle: Vehicle, limit: int) -> list[TimelineEntry]:
    notices = list(Notice.objects.filter(vehicle=vehicle).order_by("-created_at", "-id")[:limit])
    by_notice: dict[int, list[ChannelState]] = {}
    for d in Delivery.objects.filter(notice__in=[n.pk for n in notices]).order_by("notice_id", "channel"):
        by_notice.setdefault(d.notice_id, []).append(
            ChannelState(d.channel, d.get_channel_display(), d.status, d.get_status_display(), d.delivered_at, d.read_at)
        )
    return [
        TimelineEntry(
            at=n.created_at,
            kind="notice",
            title=_notice_title(n),
            due_on=n.event_date if n.kind != NoticeKind.EVENT else None,
            state=n.status,
            state_label=n.get_status_display(),
            channels=tuple(by_notice.get(n.pk, ())),
        )
        for n in notices
    ]


def _reply_entries(vehicle: Vehicle, limit: int) -> list[TimelineEntry]:
    replies = Reply.objects.filter(vehicle=vehicle).order_by("-received_at")[:limit]
    return [
        TimelineEntry(
            at=r.received_at,
            kind="reply",
            title=_("Reply (%(channel)s): %(intent)s") % {"channel": r.get_channel_display(), "intent": r.get_intent_display()},
            detail=r.text[:200],
            state=r.outcome or r.status,
            state_label=r.get_outcome_display() if r.outcome else r.get_status_display(),
        )
        for r in replies
    ]


def _inquiry_entries(vehicle: Vehicle, limit: int) -> list[TimelineEntry]:
    entries = []
    for q in Inquiry.objects.filter(vehicle=vehicle).select_related("store").order_by("-created_at")[:limit]:
        title = _("Inquiry to %(store)s: %(kind)s") % {"store": q.store.name, "kind": q.get_kind_display()}
        entries.append(TimelineEntry(q.created_at, "inquiry", title, q.question[:200], q.status, q.get_status_display()))
        if q.answered_at:
            entries.append(TimelineEntry(q.answered_at, "inquiry", _("Answer sent"), q.answer[:200], q.status, q.get_status_display()))
    return entries


def _appointment_entries(vehicle: Vehicle, limit: int) -> list[TimelineEntry]:
    rows = Appointment.objects.filter(vehicle=vehicle).select_related("store").order_by("-created_at")[:limit]
    return [
        TimelineEntry(
            at=a.created_at,
            kind="appointment",
            title=_("Appointment at %(store)s") % {"store": a.store.name},
            starts_at=a.starts_at,
            state=a.state,
            state_label=a.get_state_display(),
        )
        for a in rows
    ]


def _warning_entries(vehicle: Vehicle, limit: int) -> list[TimelineEntry]:
    entries = []
    for w in VehicleWarning.objects.filter(vehicle=vehicle).order_by("-opened_at")[:limit]:
        state = w.severity if w.closed_at is None else "closed"
        entries.append(TimelineEntry(w.opened_at, "warning", _("Warning %(code)s") % {"code": w.code}, "",
                                     state, w.get_severity_display()))
        if w.closed_at:
            entries.append(TimelineEntry(w.closed_at, "warning", _("Warning %(code)s cleared") % {"code": w.code}, "", "closed", _("Cleared")))
    return entries


def _recall_entries(vehicle: Vehicle, limit: int) -> list[TimelineEntry]:
    targets = (
        RecallTarget.objects.filter(vehicle=vehicle)
        .exclude(status=RecallStatus.NOT_DONE)
        .select_related("campaign", "done_store")
        .order_by("-updated_at")[:limit]
    )
    return [
        TimelineEntry(
            at=t.updated_at,
            kind="recall",
            title=_("Recall %(number)s: %(status)s") % {"number": t.campaign.notification_number, "status": t.get_status_display()},
            # Date and store are set together (services; check constraint for "done").
            detail=(f"{t.done_on.isoformat()} {t.done_store.name}" if t.done_store and t.done_on else t.note),
            state=t.status,
            state_label=t.get_status_display(),
        )
        for t in targets
    ]


SOURCES = (_notice_entries, _reply_entries, _inquiry_entries, _appointment_entries, _warning_entries, _recall_entries)


def vehicle_timeline(vehicle: Vehicle, *, limit: int = DEFAULT_LIMIT) -> list[TimelineEntry]:
    """The `limit` newest entries of every source, merged newest first (7 queries)."""
    entries = [entry for source in SOURCES for entry in source(vehicle, limit)]
    entries.sort(key=lambda e: e.at, reverse=True)
    return entries[:limit]
