"""The product's URLs plus the benchmark's ceiling: a bare view that parses the same body and
COPYs it into the same table (no auth, validation, dedupe, state or warnings)."""

from __future__ import annotations

import datetime as dt
import json
from decimal import Decimal

from django.db import connection
from django.http import JsonResponse
from django.urls import include, path
from django.utils import timezone
from django.views.decorators.csrf import csrf_exempt

from tconnect.urls import urlpatterns as product_urlpatterns

# The same COPY as the product (binary, types given up front): the fastest way we know to get
# these rows in, so the ceiling is not handicapped by a slower method than the real endpoint's.
COPY_SQL = (
    "COPY vehicles_telemetryreading (vehicle_id, batch_id, received_at, recorded_at, odometer_km, battery_voltage, "
    "smart_key_battery, oil_level, lamps, dtcs_stored, dtcs_pending, third_party_device) FROM STDIN (FORMAT BINARY)"
)
TYPES = ["int8", "int8", "timestamptz", "timestamptz", "int4", "numeric", "varchar", "varchar",
         "varchar[]", "varchar[]", "varchar[]", "bool"]


@csrf_exempt
def ceiling(request, vehicle_id: int):
    readings = json.loads(request.body)["readings"]
    now = timezone.now()
    with connection.cursor() as cursor, cursor.cursor.copy(COPY_SQL) as copy:
        copy.set_types(TYPES)
        for r in readings:
            voltage = r.get("battery_voltage")
            copy.write_row((
                vehicle_id, 0, now, dt.datetime.fromisoformat(r["recorded_at"]), r.get("odometer_km"),
                None if voltage is None else Decimal(f"{voltage:.2f}"),
                r.get("smart_key_battery", "unknown"), r.get("oil_level", "unknown"), r.get("lamps", []),
                r.get("dtcs_stored", []), r.get("dtcs_pending", []), r.get("third_party_device", False),
            ))
    return JsonResponse({"accepted": len(readings)}, status=201)


urlpatterns = [
    path("bench/ceiling/<int:vehicle_id>/", ceiling),
    path("", include(product_urlpatterns)),
]
