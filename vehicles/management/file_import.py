"""The base of the `import_*` commands: FILE --company CODE [--format json|csv] [--dry-run],
the file read as bytes, one line per refused row on stderr, a summary on stdout, and a non-zero
exit (one line) when the file cannot be read or any row failed."""

from __future__ import annotations

from abc import ABC, abstractmethod
from argparse import RawDescriptionHelpFormatter
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError

from dealers.models import DealerCompany


@dataclass(frozen=True)
class ImportOutcome:
    errors: list[str]  # "line 7: column: message"
    summary: str  # "3 created, 1 updated, …"
    failed: int
    total: int


class FileImportCommand(ABC, BaseCommand):
    """Subclasses say what the file holds (`subject`, `format_doc`), how it is read
    (`read_file`, raising `file_error`) and imported (`import_rows`)."""

    subject = "records"  # "the cars belong to …": help texts
    done = "imported"  # "the other rows were …"
    file_error: type[Exception] = ValueError

    def create_parser(self, prog_name, subcommand, **kwargs):
        kwargs["formatter_class"] = RawDescriptionHelpFormatter  # keep the column list's layout
        return super().create_parser(prog_name, subcommand, **kwargs)

    def add_arguments(self, parser):
        parser.add_argument("file", help="Path to the CSV or JSON file.")
        parser.add_argument("--company", required=True, help=f"Code of the dealer company the {self.subject} belong to.")
        parser.add_argument(
            "--format", dest="fmt", choices=["json", "csv"], help="File format (default: from the extension or content)."
        )
        parser.add_argument("--dry-run", action="store_true", help="Check and count everything, write nothing.")

    @abstractmethod
    def read_file(self, data: bytes, *, name: str, fmt: str | None) -> Any:
        """The file's rows, or `file_error` for a file unreadable as a whole."""

    @abstractmethod
    def import_rows(self, *, company: DealerCompany, rows: Any, dry_run: bool) -> ImportOutcome:
        """Import the rows (or only check them with `dry_run`)."""

    def handle(self, *args, file: str, company: str, fmt: str | None, dry_run: bool, **options):
        dealer = DealerCompany.objects.filter(code=company).first()
        if dealer is None:
            raise CommandError(f"no dealer company with code {company!r}")
        try:
            data = Path(file).read_bytes()
        except OSError as exc:
            raise CommandError(f"cannot read {file}: {exc.strerror or exc}") from None
        try:
            rows = self.read_file(data, name=file, fmt=fmt)
        except self.file_error as exc:
            raise CommandError(f"{file}: {exc}") from None
        outcome = self.import_rows(company=dealer, rows=rows, dry_run=dry_run)
        for line in outcome.errors:
            self.stderr.write(f"{file}: {line}")
        note = " (dry run: nothing written)" if dry_run else ""
        self.stdout.write(f"{file}: {outcome.summary}{note}")
        if outcome.failed:
            raise CommandError(
                f"{file}: {outcome.failed} of {outcome.total} row(s) failed" + ("" if dry_run else f"; the other rows were {self.done}")
            )
