"""The pacing forecast of a store (issue 14 §3): expected bookings vs capacity for the next
twelve weeks, with the reminders on their usual dates and paced to the store's capacity."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.shortcuts import render

from dealers.selectors.access import store_get
from dealers.selectors.calendar import business_date
from dealers.views.portal import dealer_scope
from notifications.services.notice_scan import policies_paced
from notifications.services.policy import reminder_policy_for
from notifications.services.reminder_pacing import FORECAST_WEEKS, forecast, reminder_buckets


@login_required
def pacing_forecast(request, store_id: int):
    dealer_scope(request.user)
    store = store_get(request.user, store_id)  # 404 outside the user's stores
    policy = reminder_policy_for(store.company)
    on = business_date()
    buckets = reminder_buckets(store=store, policy=policy, on=on, days=FORECAST_WEEKS * 7)
    result = forecast(store=store, buckets=buckets, on=on, paced=policies_paced([policy]))
    context = {"store": store, "forecast": result, "on": on, "weeks": FORECAST_WEEKS,
               "rates": [(kind, result.rates[kind], result.learned[kind]) for kind in ("shaken", "periodic")]}
    return render(request, "notifications/portal/pacing_forecast.html", context)
