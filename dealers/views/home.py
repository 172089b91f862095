from django.contrib.auth.decorators import login_required
from django.contrib.staticfiles import finders
from django.http import FileResponse, Http404
from django.shortcuts import redirect
from django.views.decorators.cache import cache_control
from django.views.decorators.http import require_GET


@login_required
def home(request):
    """The portal's start page is Today, which reads every app and so lives in notifications."""
    return redirect("notifications:today")


@require_GET
@cache_control(public=True, max_age=86400)
def favicon(request):
    """/favicon.ico: browsers and tools ask for it on every site, whatever the pages link."""
    path = finders.find("favicon.ico")
    if path is None:
        raise Http404
    return FileResponse(open(path, "rb"), content_type="image/x-icon")  # FileResponse closes the file
