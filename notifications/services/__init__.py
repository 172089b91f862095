"""Notification services (write side), one module per area."""
