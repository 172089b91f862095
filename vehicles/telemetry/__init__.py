"""Telemetry from the car: the batch format, code vocabulary and meanings, read queries.

Writes are services: vehicles.services.telemetry (ingest) and
vehicles.services.telemetry_storage (partitions and retention).
"""
