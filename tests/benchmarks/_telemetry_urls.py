"""The product's URLs plus the benchmark's ceiling: a bare view that parses the same body and
COPYs it into the same table (no auth, validation, dedupe, state or warnings)."""

from __future__ import annotations

import json

from django.db import connection
from django.http import JsonResponse
from django.urls import include, path
from django.utils import timezone
from django.views.decorators.csrf import csrf_exempt

from tconnect.urls import urlpatterns as product_urlpatterns

COPY_SQL = (
    "COPY vehicles_telemetryreading (vehicle_id, batch_id, received_at, recorded_at, odometer_km, battery_voltage, "
    "smart_key_battery, oil_level, lamps, dtcs_stored, dtcs_pending, third_party_device) FROM STDIN"
)


@csrf_exempt
def ceiling(request, vehicle_id: int):
    readings = json.loads(request.body)["readings"]
    now = timezone.now()
    with connection.cursor() as cursor, cursor.cursor.copy(COPY_SQL) as copy:
        for r in readings:
            copy.write_row((
                vehicle_id, 0, now, r["recorded_at"], r.get("odometer_km"), r.get("battery_voltage"),
                r.get("smart_key_battery", "unknown"), r.get("oil_level", "unknown"), r.get("lamps", []),
                r.get("dtcs_stored", []), r.get("dtcs_pending", []), r.get("third_party_device", False),
            ))
    return JsonResponse({"accepted": len(readings)}, status=201)


urlpatterns = [
    path("bench/ceiling/<int:vehicle_id>/", ceiling),
    path("", include(product_urlpatterns)),
]
