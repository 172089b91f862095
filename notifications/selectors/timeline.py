"""One car's story for staff: notices with their per-channel state, replies, inquiries,
appointments, warnings, follow-up calls and recall work, newest first.

Every code is shown by its label (a notice's stage, a warning lamp, a call's outcome): a
stage without a label shows nothing rather than the code.

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
from vehicles.models import (
    Appointment,
    FollowUp,
    FollowUpCall,
    RecallStatus,
    RecallTarget,
    Severity,
    Vehicle,
    VehicleWarning,
)
from vehicles.selectors.telemetry import warning_code_label

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
    due_on: dt.date | None = None  # the date of a notice's due event
    due_kind: str = ""  # what that date is: shaken (expiry), periodic (inspection month), recall
    starts_at: dt.datetime | None = None  # an appointment's time


def stage_label(kind: str, stage: str) -> str:
    """Human words for a notice's stage code (m3, window, d14, lapsed, pre, month, r0, r30 …)."""
    if kind == NoticeKind.MAINTENANCE and stage == "d0":
        return _("due date")
    if match := _MONTHS_RE.match(stage):
        n = int(match.group(1))
        return ngettext("%(n)d month before", "%(n)d months before", n) % {"n": n}
    if match := _DAYS_RE.match(stage):
        n = int(match.group(1))
        return ngettext("%(n)d day before", "%(n)d days before", n) % {"n": n}
    if match := _RECALL_RE.match(stage):
        return _("first notice") if match.group(1) == "0" else _("reminder after %(n)s days") % {"n": match.group(1)}
    if kind in (NoticeKind.WARNING, NoticeKind.DEVICE):
        return str(Severity(stage).label) if stage in Severity.values else ""
    words = {
        "window": _("window opens"),
        "lapsed": _("lapsed"),
        "pre": _("the month before"),
        "month": _("inspection month"),
    }
    if kind == NoticeKind.APPOINTMENT:
        words = {
            "requested": _("booking request received"),
            "confirmed": _("booking confirmed"),
            "proposed": _("other times proposed"),
            "cancelled": _("booking cancelled"),
            "changed": _("booking changed"),
            "moved": _("booking moved by the store"),
            "alternatives": _("free times offered"),
            "needs_time": _("asked for a visit time"),
        }
    elif kind == NoticeKind.INQUIRY_ANSWER:
        words = {"received": _("question received"), "answered": _("answer sent")}
    return words.get(stage, "")  # never the code itself


def _notice_title(notice: Notice) -> str:
    if notice.kind == NoticeKind.EVENT:
        return f"{notice.get_kind_display()}: {(notice.context or {}).get('event', {}).get('title', '')}"
    stage = stage_label(notice.kind, notice.stage)
    return f"{notice.get_kind_display()} — {stage}" if stage else notice.get_kind_display()


def _due(notice: Notice) -> tuple[dt.date | None, str]:
    """The due event a notice is about, as (date, kind): a reminder's own; for a reply-side
    notice (appointment, answer) the one it was made for; none for events and warnings."""
    if notice.kind in (NoticeKind.SHAKEN, NoticeKind.PERIODIC, NoticeKind.RECALL, NoticeKind.MAINTENANCE):
        return notice.event_date, notice.kind
    if notice.kind in (NoticeKind.APPOINTMENT, NoticeKind.INQUIRY_ANSWER):
        due = (notice.context or {}).get("due") or {}
        if due.get("kind") and due.get("event_date"):
            return dt.date.fromisoformat(due["event_date"]), due["kind"]
    return None, ""


def _visit(notice: Notice) -> dt.datetime | None:
    """The visit time an appointment notice is about (frozen on the notice)."""
    starts_at = ((notice.context or {}).get("appointment") or {}).get("starts_at")
    return dt.datetime.fromisoformat(starts_at) if starts_at and notice.kind == NoticeKind.APPOINTMENT else None


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
            due_on=_due(n)[0],
            due_kind=_due(n)[1],
            starts_at=_visit(n),
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
        label = warning_code_label(w.code)
        entries.append(TimelineEntry(w.opened_at, "warning", _("Warning %(code)s") % {"code": label}, "",
                                     state, w.get_severity_display()))
        if w.closed_at:
            entries.append(TimelineEntry(w.closed_at, "warning", _("Warning %(code)s cleared") % {"code": label}, "", "closed", _("Cleared")))
    return entries


def _call_entries(vehicle: Vehicle, limit: int) -> list[TimelineEntry]:
    """Follow-up calls to the owner (e-Care driving advice): who called, how it went, the advice."""
    calls = (
        FollowUpCall.objects.filter(followup__vehicle=vehicle)
        .select_related("actor")
        .order_by("-called_at", "-id")[:limit]
    )
    return [
        TimelineEntry(
            at=c.called_at,
            kind="call",
            title=_("Follow-up call: %(outcome)s") % {"outcome": c.get_outcome_display()},
            detail=" ".join(filter(None, [str(c.actor or ""), c.advice[:200]])),
            state=c.next_action,
            state_label=c.get_next_action_display(),
        )
        for c in calls
    ]


def _followup_closed_entries(vehicle: Vehicle, limit: int) -> list[TimelineEntry]:
    closed = FollowUp.objects.filter(vehicle=vehicle, closed_at__isnull=False).order_by("-closed_at")[:limit]
    return [
        TimelineEntry(at=f.closed_at, kind="call", title=_("Follow-up closed"), detail=f.resolution[:200],
                      state="closed", state_label=f.get_status_display())
        for f in closed
        if f.closed_at is not None  # always: filtered above
    ]


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
            detail=t.done_store.name if t.done_store and t.done_on else t.note,
            due_on=t.done_on,
            due_kind="recall_done" if t.done_on else "",
            state=t.status,
            state_label=t.get_status_display(),
        )
        for t in targets
    ]


SOURCES = (
    _notice_entries, _reply_entries, _inquiry_entries, _appointment_entries, _warning_entries, _call_entries,
    _followup_closed_entries, _recall_entries,
)


def vehicle_timeline(vehicle: Vehicle, *, limit: int = DEFAULT_LIMIT) -> list[TimelineEntry]:
    """The `limit` newest entries of every source, merged newest first (9 queries)."""
    entries = [entry for source in SOURCES for entry in source(vehicle, limit)]
    entries.sort(key=lambda e: e.at, reverse=True)
    return entries[:limit]
