"""Notices, deliveries, replies and event mail (Remote Maintenance Mail issue)."""
