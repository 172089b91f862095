from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect


@login_required
def home(request):
    """The portal's start page is Today, which reads every app and so lives in notifications."""
    return redirect("notifications:today")
