"""manage.py import_service_records FILE --company CODE: record visits from a DMS export."""

from __future__ import annotations

from vehicles.management.file_import import FileImportCommand, ImportOutcome
from vehicles.parsing.service_record_file import FORMAT_DOC, ServiceRecordFileError, read_file
from vehicles.services.service_record_import import service_records_import


class Command(FileImportCommand):
    help = "Import service records (整備記録) from a DMS export in CSV or JSON.\n\n" + FORMAT_DOC
    subject, done, file_error = "cars", "recorded", ServiceRecordFileError

    def read_file(self, data, *, name, fmt):
        return read_file(data, name=name, fmt=fmt)

    def import_rows(self, *, company, rows, dry_run):
        result = service_records_import(company=company, rows=rows, dry_run=dry_run)
        summary = (f"{result.records_created} records created, {result.items_added} items added, {result.unchanged} rows "
                   f"unchanged, {result.failed} failed, {result.notices_cancelled} pending notices cancelled")  # fmt: skip
        return ImportOutcome(errors=result.errors, summary=summary, failed=result.failed, total=result.rows)
