"""Django admin of the notifications layer, one module per capability (imported here so Django finds them)."""

from notifications.admin import bounces, events, inbound_mail, notices, pacing, replies  # noqa: F401
