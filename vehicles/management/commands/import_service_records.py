"""manage.py import_service_records FILE --company CODE: record visits from a DMS export."""

from __future__ import annotations

from argparse import RawDescriptionHelpFormatter
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from dealers.models import DealerCompany
from vehicles.parsing.service_record_file import FORMAT_DOC, ServiceRecordFileError, read_file
from vehicles.services.service_record_import import service_records_import


class Command(BaseCommand):
    help = "Import service records (整備記録) from a DMS export in CSV or JSON.\n\n" + FORMAT_DOC

    def create_parser(self, prog_name, subcommand, **kwargs):
        kwargs["formatter_class"] = RawDescriptionHelpFormatter  # keep the column list's layout
        return super().create_parser(prog_name, subcommand, **kwargs)

    def add_arguments(self, parser):
        parser.add_argument("file", help="Path to the CSV or JSON file.")
        parser.add_argument("--company", required=True, help="Code of the dealer company the cars belong to.")
        parser.add_argument(
            "--format", dest="fmt", choices=["json", "csv"], help="File format (default: from the extension or content)."
        )
        parser.add_argument("--dry-run", action="store_true", help="Check and count everything, write nothing.")

    def handle(self, *args, file: str, company: str, fmt: str | None, dry_run: bool, **options):
        dealer = DealerCompany.objects.filter(code=company).first()
        if dealer is None:
            raise CommandError(f"no dealer company with code {company!r}")
        try:
            data = Path(file).read_bytes()
        except OSError as exc:
            raise CommandError(f"cannot read {file}: {exc.strerror or exc}") from None
        try:
            rows = read_file(data, name=file, fmt=fmt)
        except ServiceRecordFileError as exc:
            raise CommandError(f"{file}: {exc}") from None
        result = service_records_import(company=dealer, rows=rows, dry_run=dry_run)
        for line in result.errors:
            self.stderr.write(f"{file}: {line}")
        note = " (dry run: nothing written)" if dry_run else ""
        self.stdout.write(
            f"{file}: {result.records_created} records created, {result.items_added} items added, "
            f"{result.unchanged} rows unchanged, {result.failed} failed, "
            f"{result.notices_cancelled} pending notices cancelled{note}"
        )
        if result.failed:
            raise CommandError(
                f"{file}: {result.failed} of {result.rows} row(s) failed" + ("" if dry_run else "; the other rows were recorded")
            )
