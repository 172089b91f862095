"""Public one-click opt-out: GET shows a confirmation, POST records the refusal at once.

POST also serves RFC 8058 one-click requests from mail clients (body
``List-Unsubscribe=One-Click``), which carry no CSRF token: the signed token in the URL is
what authorises the refusal, and a refusal is harmless to replay. GET never changes
anything, because link scanners and previews fetch links.
"""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.shortcuts import render
from django.utils.translation import gettext_lazy as _
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_http_methods

from notifications.services.optout import optout_by_token
from vehicles.services.consent import consent_opt_out_category

INVALID_LINK = _("This opt-out link is not valid. Please contact the dealer.")


@csrf_exempt
@require_http_methods(["GET", "POST"])
def optout(request, token: str):
    if request.method == "GET":
        category = consent_opt_out_category(token)
        if category is None:
            return render(request, "notifications/optout/invalid.html", {"errors": [INVALID_LINK]}, status=400)
        return render(request, "notifications/optout/confirm.html", {"token": token, "refusable": category})
    one_click = request.POST.get("List-Unsubscribe") == "One-Click"
    evidence = "RFC 8058 one-click POST" if one_click else "opt-out confirmation page"
    try:
        consent = optout_by_token(token=token, evidence=evidence)
    except ValidationError as exc:
        return render(request, "notifications/optout/invalid.html", {"errors": exc.messages}, status=400)
    return render(
        request, "notifications/optout/done.html",
        {"category": consent.get_category_display(), "company": consent.customer.company, "refusable": consent.category},
    )
