"""iCalendar (RFC 5545) text for an appointment: a one-event VCALENDAR to attach to the
owner's e-mail copy, METHOD:REQUEST when confirmed and METHOD:CANCEL when called off.

Lines end in CRLF and are folded at 75 octets without splitting a UTF-8 character (Japanese
store names are long in octets); text values escape backslash, semicolon, comma and newline.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

PRODID = "-//tconnect//Service appointments//JA"


def escape(value: str) -> str:
    return (
        value.replace("\\", "\\\\").replace(";", "\\;").replace(",", "\\,").replace("\r\n", "\\n").replace("\n", "\\n")
    )


def fold(line: str) -> str:
    """Split a content line into chunks of ≤ 75 octets, continuation lines starting with a space."""
    chunks: list[str] = []
    current, size, limit = "", 0, 75
    for char in line:
        width = len(char.encode("utf-8"))
        if size + width > limit:
            chunks.append(current)
            current, size, limit = "", 0, 74  # the leading space of a continuation counts
        current += char
        size += width
    chunks.append(current)
    return "\r\n ".join(chunks)


def _utc(at: dt.datetime) -> str:
    if at.tzinfo is None:
        raise ValueError("iCalendar times must be aware")
    return at.astimezone(dt.UTC).strftime("%Y%m%dT%H%M%SZ")


@dataclass(frozen=True)
class CalendarEvent:
    uid: str
    starts_at: dt.datetime
    ends_at: dt.datetime
    summary: str
    location: str = ""
    description: str = ""
    organizer_email: str = ""
    organizer_name: str = ""
    sequence: int = 0
    cancelled: bool = False


def calendar_text(event: CalendarEvent, *, stamp: dt.datetime) -> str:
    method = "CANCEL" if event.cancelled else "REQUEST"
    lines = [
        "BEGIN:VCALENDAR", "VERSION:2.0", f"PRODID:{PRODID}", "CALSCALE:GREGORIAN", f"METHOD:{method}",
        "BEGIN:VEVENT",
        f"UID:{event.uid}",
        f"SEQUENCE:{event.sequence}",
        f"DTSTAMP:{_utc(stamp)}",
        f"DTSTART:{_utc(event.starts_at)}",
        f"DTEND:{_utc(event.ends_at)}",
        f"SUMMARY:{escape(event.summary)}",
    ]
    if event.location:
        lines.append(f"LOCATION:{escape(event.location)}")
    if event.description:
        lines.append(f"DESCRIPTION:{escape(event.description)}")
    if event.organizer_email:
        name = event.organizer_name.replace('"', "'")
        lines.append(f'ORGANIZER;CN="{name}":mailto:{event.organizer_email}')
    lines += [f"STATUS:{'CANCELLED' if event.cancelled else 'CONFIRMED'}", "TRANSP:OPAQUE", "END:VEVENT", "END:VCALENDAR"]
    return "".join(fold(line) + "\r\n" for line in lines)


def mimetype(event: CalendarEvent) -> str:
    return f"text/calendar; method={'CANCEL' if event.cancelled else 'REQUEST'}; charset=UTF-8"
