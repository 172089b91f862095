"""manage.py import_vehicles FILE --company CODE: load or update a dealer's vehicles."""

from __future__ import annotations

from vehicles.management.file_import import FileImportCommand, ImportOutcome
from vehicles.parsing.vehicle_file import FORMAT_DOC, VehicleFileError, decode, detect_format, read_rows
from vehicles.services.vehicle_import import vehicles_import


class Command(FileImportCommand):
    help = "Import vehicles (and their owners and remote-maintenance stores) from CSV or JSON.\n\n" + FORMAT_DOC
    subject, done, file_error = "vehicles", "imported", VehicleFileError

    def read_file(self, data, *, name, fmt):
        text = decode(data)
        return read_rows(text, fmt or detect_format(name, text))

    def import_rows(self, *, company, rows, dry_run):
        result = vehicles_import(company=company, rows=rows, dry_run=dry_run)
        summary = f"{result.created} created, {result.updated} updated, {result.unchanged} unchanged, {result.failed} failed"
        return ImportOutcome(errors=result.errors, summary=summary, failed=result.failed, total=result.total)
