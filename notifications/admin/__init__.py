"""Django admin of the notifications layer, one module per capability (imported here so Django finds them)."""

from notifications.admin import events, inbound_mail, notices, replies  # noqa: F401
