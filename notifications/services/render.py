"""Subject / text / html of a notice, in the owner's language.

Templates: templates/notifications/<kind>/{subject.txt,body.txt,body.html}, rendered inside
`translation.override(notice.language)` from the facts frozen on the notice (context), so
rendering needs no query.

Dealer event mail carries the footer the law requires (特定電子メール法, domain §5): the sender
(the dealer company's name), its postal address, a contact for complaints, the statement that the
recipient may refuse further mail, and a one-click opt-out link. The sender block is frozen into
the notice context when the notice is created; the opt-out link is signed per customer when the
mail is rendered.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from email.utils import formataddr, parseaddr
from typing import Any

from django.conf import settings
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import translation

from dealers.models import DealerCompany
from notifications.models import Channel, DealerEvent, Notice, NoticeCategory, NoticeKind
from vehicles.models import ConsentCategory, Customer
from vehicles.services.consent import consent_opt_out_token


@dataclass(frozen=True)
class Rendered:
    subject: str
    text: str
    html: str
    headers: dict[str, str] = field(default_factory=dict)


def reply_address(reply_token: str) -> str:
    return f"{reply_token}@{settings.REPLY_DOMAIN}"


def sender_name(notice: Notice) -> str:
    """Who the owner sees the mail from: the dealer and its store (「中部トヨタカーライフ 名古屋栄店」),
    the names frozen on the notice; the configured sender's name only when a notice has neither."""
    context = notice.context or {}
    company = str(context.get("company_name") or (context.get("sender") or {}).get("name") or "").strip()
    store = str(context.get("store_name") or "").strip()
    name = store if company and store.startswith(company) else " ".join(p for p in (company, store) if p)
    return name or parseaddr(settings.DEFAULT_FROM_EMAIL)[0] or settings.REPLY_DOMAIN


def sender_from(notice: Notice) -> str:
    """The From of a notice's e-mail: the dealer's name at the notice's own reply address, so the
    owner can simply press reply (even where a mail program ignores Reply-To)."""
    return formataddr((sender_name(notice), reply_address(notice.reply_token)), charset="utf-8")


# Categories the owner may refuse: their e-mail carries the law's footer and one-click refusal.
REFUSABLE_CATEGORIES = (NoticeCategory.REMINDERS.value, NoticeCategory.MARKETING.value)


def notice_render(notice: Notice, *, channel: str = Channel.EMAIL, sender: dict[str, str] | None = None) -> Rendered:
    """Render a stored notice for a channel (the channel changes how to reply). An e-mail of a
    refusable category also gets the sender block (`sender`, else read from the company), the
    refusal link and the List-Unsubscribe headers."""
    if notice.kind == NoticeKind.EVENT:
        return event_notice_render(notice)  # type: ignore[return-value]
    refusal = _refusal(notice, sender) if channel == Channel.EMAIL else {}
    values = {
        **refusal,
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
    headers = refusal_mail_headers(refusal["opt_out_url"]) if refusal else {}
    return Rendered(subject=" ".join(subject.split()), text=text.strip() + "\n", html=html, headers=headers)


def _refusal(notice: Notice, sender: dict[str, str] | None) -> dict[str, Any]:
    if notice.category not in REFUSABLE_CATEGORIES or not notice.customer_id:
        return {}
    if sender is None:
        sender = sender_block(DealerCompany.objects.get(pk=notice.company_id))
    return {"sender": sender, "opt_out_url": opt_out_url(notice.customer_id, notice.category), "refusable": notice.category}


def _window_open(notice: Notice) -> bool:
    opens = (notice.context or {}).get("window_opens_on")
    return bool(opens) and notice.send_on is not None and str(notice.send_on) >= str(opens)[:10]


TEMPLATE_DIR = "notifications/event"


def sender_block(company: DealerCompany) -> dict[str, str]:
    return {
        "name": company.name,
        "postal_address": company.postal_address,
        "phone": company.phone,
        "complaints_contact": company.complaints_contact,
    }


def event_notice_context(event: DealerEvent) -> dict[str, Any]:
    """The facts shared by every notice of the event (JSON-safe: stored on Notice.context)."""
    stores = sorted(event.stores.all(), key=lambda s: s.code)
    return {
        "event": {
            "id": event.pk,
            "title": event.title,
            "body": event.body,
            "starts_on": event.starts_on.isoformat(),
            "ends_on": event.ends_on.isoformat(),
            "stores": [{"name": s.name, "address": s.address, "phone": s.phone} for s in stores],
        },
        "sender": sender_block(event.company),
    }


def opt_out_url(customer: Customer | int, category: str) -> str:
    """Absolute one-click refusal URL for one category of the customer's mail."""
    if isinstance(customer, int):
        customer = Customer(pk=customer)  # the token only needs the id
    token = consent_opt_out_token(customer, category)
    return settings.SITE_URL + reverse("optout:confirm", args=[token])


def marketing_opt_out_url(customer: Customer | int) -> str:
    """Absolute one-click opt-out URL for the customer's marketing mail."""
    return opt_out_url(customer, ConsentCategory.MARKETING)


def refusal_mail_headers(url: str) -> dict[str, str]:
    """RFC 2369 / RFC 8058 headers: mail clients show an unsubscribe button that POSTs."""
    return {"List-Unsubscribe": f"<{url}>", "List-Unsubscribe-Post": "List-Unsubscribe=One-Click"}


marketing_mail_headers = refusal_mail_headers


def _template_context(context: dict[str, Any], *, customer_name: str, opt_out_url: str) -> dict[str, Any]:
    event = dict(context["event"])
    event["starts_on"] = dt.date.fromisoformat(event["starts_on"])
    event["ends_on"] = dt.date.fromisoformat(event["ends_on"])
    return {**context, "event": event, "customer_name": customer_name, "opt_out_url": opt_out_url}


def event_mail_render(*, context: dict[str, Any], customer_name: str, opt_out_url: str, language: str) -> Rendered:
    """Subject / text / html of an event mail in the recipient's language, with the footer."""
    values = _template_context(context, customer_name=customer_name, opt_out_url=opt_out_url)
    with translation.override(language):
        subject = render_to_string(f"{TEMPLATE_DIR}/subject.txt", values)
        text = render_to_string(f"{TEMPLATE_DIR}/body.txt", values)
        html = render_to_string(f"{TEMPLATE_DIR}/body.html", values)
    return Rendered(
        subject=" ".join(subject.split()), text=text, html=html, headers=marketing_mail_headers(opt_out_url)
    )


def event_notice_render(notice: Notice) -> Rendered:
    """Render a stored event notice (for the outbox's e-mail copy and the inbox APIs)."""
    customer = notice.customer
    return event_mail_render(
        context=notice.context,
        customer_name=customer.name if customer else "",
        opt_out_url=marketing_opt_out_url(notice.customer_id) if notice.customer_id else "",
        language=notice.language,
    )
