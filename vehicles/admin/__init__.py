"""Django admin of the vehicles layer, one module per capability (imported here so Django finds them)."""

from vehicles.admin import (  # noqa: F401
    appointments,
    capacity,
    customers,
    followups,
    maintenance,
    recalls,
    service_records,
    telemetry,
    vehicles,
)
