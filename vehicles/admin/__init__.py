"""Django admin of the vehicles layer, one module per capability (imported here so Django finds them)."""

from vehicles.admin import appointments, customers, followups, maintenance, recalls, telemetry, vehicles  # noqa: F401
