"""Django admin's login goes through allauth's, so platform admins pass the same second factor
as dealer staff (dealers.middleware). The admin's own form checks a password only. Signed-in
users who are not platform admins are told the admin is not for them (403), not looped."""

from __future__ import annotations

from urllib.parse import urlencode

from django.contrib import admin
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme


def admin_login_redirect(request: HttpRequest, extra_context=None) -> HttpResponse:
    """/admin/login/ → the account login, back to the admin page asked for afterwards.

    Someone already signed in who may not use the admin (dealer staff, an owner) gets a 403
    page that says so: sending them to the login again would come straight back here
    (/admin/ → /admin/login/ → /accounts/login/ → /admin/ …, a redirect loop)."""
    admin_index = reverse("admin:index")
    wanted = request.GET.get("next", admin_index)
    if not url_has_allowed_host_and_scheme(wanted, allowed_hosts={request.get_host()}, require_https=request.is_secure()):
        wanted = admin_index
    if request.user.is_authenticated:
        if admin.site.has_permission(request):
            return HttpResponseRedirect(wanted)
        return render(request, "dealers/admin_forbidden.html", status=403)
    return HttpResponseRedirect(f"{reverse('account_login')}?{urlencode({'next': wanted})}")


def install() -> None:
    # The site's URLs call self.login: replacing it on this one instance changes nothing else.
    admin.site.login = admin_login_redirect  # type: ignore[method-assign]
