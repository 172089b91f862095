from django.contrib.auth.decorators import login_required
from django.shortcuts import render

from dealers.access import staff_scope, stores_for


@login_required
def home(request):
    scope = staff_scope(request.user)
    return render(request, "dealers/home.html", {"scope": scope, "stores": stores_for(request.user)})
