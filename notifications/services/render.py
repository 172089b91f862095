"""Subject / text / html of a notice, in the owner's language.

Templates: templates/notifications/<kind>/{subject.txt,body.txt,body.html}, rendered inside
`translation.override(notice.language)` from the facts frozen on the notice (context), so
rendering needs no query. Dealer event mail has its own renderer (legal footer, opt-out link).
"""

from __future__ import annotations

from dataclasses import dataclass, field

from django.conf import settings
from django.template.loader import render_to_string
from django.utils import translation

from notifications.models import Channel, Notice, NoticeKind


@dataclass(frozen=True)
class Rendered:
    subject: str
    text: str
    html: str
    headers: dict[str, str] = field(default_factory=dict)


def reply_address(reply_token: str) -> str:
    return f"{reply_token}@{settings.REPLY_DOMAIN}"


def notice_render(notice: Notice, *, channel: str = Channel.EMAIL) -> Rendered:
    """Render a stored notice for a channel (the channel only changes how to reply)."""
    if notice.kind == NoticeKind.EVENT:
        from notifications.services.event_mail import event_notice_render

        return event_notice_render(notice)  # type: ignore[return-value]
    values = {
        **(notice.context or {}),
        "kind": notice.kind,
        "stage": notice.stage,
        "event_date": notice.event_date,
        "send_on": notice.send_on,
        "channel": channel,
        "reply_address": reply_address(notice.reply_token),
        "lapsed": notice.stage == "lapsed",
        "window_open": _window_open(notice),
    }
    base = f"notifications/{notice.kind}"
    with translation.override(notice.language or settings.LANGUAGE_CODE):
        subject = render_to_string(f"{base}/subject.txt", values)
        text = render_to_string(f"{base}/body.txt", values)
        html = render_to_string(f"{base}/body.html", values)
    return Rendered(subject=" ".join(subject.split()), text=text.strip() + "\n", html=html)


def _window_open(notice: Notice) -> bool:
    opens = (notice.context or {}).get("window_opens_on")
    return bool(opens) and notice.send_on is not None and str(notice.send_on) >= str(opens)[:10]
