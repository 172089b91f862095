"""The e-mail of one claimed delivery: rendered, addressed and signed.

- From: the dealer and store at the notice's reply address; Reply-To the same (issue 16 §12).
- Envelope sender: the delivery's own bounce address (VERP, notifications.services.verp), so a
  bounce names its delivery; Message-ID names it too (feedback reports quote it).
- Date, Auto-Submitted (RFC 3834: `auto-replied` for the answers to an owner's own mail,
  `auto-generated` otherwise, so vacation responders stay quiet).
- A refusable category (reminders, marketing) carries List-Unsubscribe / -Post and the law's
  footer (notifications.services.render).
- DKIM-signed when configured (notifications.services.dkim_signing).
"""

from __future__ import annotations

from email.utils import format_datetime
from typing import Any

from django.core.mail import EmailMultiAlternatives
from django.utils import timezone

from notifications.models import NoticeKind
from notifications.services.appointment_notices import notice_attachments
from notifications.services.dkim_signing import SignedMime, dkim_enabled
from notifications.services.render import notice_render, reply_address, sender_from
from notifications.services.verp import bounce_address, message_id

# Notices that answer what the owner wrote (RFC 3834 §5: auto-replied).
_ANSWERS = (NoticeKind.APPOINTMENT.value, NoticeKind.INQUIRY_ANSWER.value)


class NoticeEmail(EmailMultiAlternatives):
    """An EmailMultiAlternatives whose MIME is DKIM-signed as it is serialised for SMTP."""

    def message(self, *args: Any, **kwargs: Any) -> Any:
        mime = super().message(*args, **kwargs)
        return SignedMime(mime) if dkim_enabled() else mime


def notice_email(*, delivery_id: int, notice, email: str, sender: dict[str, str] | None, connection) -> NoticeEmail:
    """Build the mail of a delivery (render errors propagate: the caller marks them permanent)."""
    rendered = notice_render(notice, sender=sender)
    headers = {
        "From": sender_from(notice),
        "Message-ID": message_id(delivery_id),
        "Date": format_datetime(timezone.now()),
        "Auto-Submitted": "auto-replied" if notice.kind in _ANSWERS else "auto-generated",
        **rendered.headers,
    }
    message = NoticeEmail(
        subject=rendered.subject, body=rendered.text, from_email=bounce_address(delivery_id), to=[email],
        reply_to=[reply_address(notice.reply_token)], headers=headers, connection=connection,
    )
    message.attach_alternative(rendered.html, "text/html")
    for filename, content, mimetype in notice_attachments(notice):  # the .ics of an appointment
        message.attach(filename, content, mimetype)
    return message
