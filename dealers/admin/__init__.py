"""Django admin of the dealer layer, one module per capability (imported here so Django finds them)."""

from dealers.admin import audit, companies, login, queueing, staff  # noqa: F401
