"""Importing service records from a DMS export (`manage.py import_service_records`).

The rows that parse go through the one set-based engine (services.service_records), so an
import and the portal apply the same rules in the same way: each row recorded whole or not at
all, a refused row reported with its place and column, the same visit (car + day, or the same
external id) never twice. A dry run does all the work and rolls it back. The run is audited
once (the records carry their source and who imported them).
"""

from __future__ import annotations

from dataclasses import dataclass, field

from django.db import transaction

from dealers.models import DealerCompany, User
from dealers.services.audit import audit_record
from vehicles.models import ServiceRecordSource
from vehicles.parsing.service_record_file import ParsedFile, ParsedRow
from vehicles.services.service_records import service_records_apply

# The engine's field names → the file's columns.
_COLUMNS = {"vehicle": "chassis_number", "store": "store_code", "appointment": ""}


@dataclass
class ImportResult:
    records_created: int = 0
    items_added: int = 0
    unchanged: int = 0
    failed: int = 0
    rows: int = 0
    notices_cancelled: int = 0
    errors: list[str] = field(default_factory=list)  # "line 7: odometer_km: …"


def _problem(where: str, column: str, message: str) -> str:
    return f"{where}: {column}: {message}" if column else f"{where}: {message}"


@transaction.atomic
def service_records_import(
    *, company: DealerCompany, rows: ParsedFile | list[ParsedRow], actor: User | None = None, dry_run: bool = False
) -> ImportResult:
    """Record the file's visits into `company`:
    1. rows that did not parse are reported;
    2. the others go through service_records_apply (checks, records, effects, notices), as
       columns: one set-based pass for the whole file;
    3. its refusals are reported by row and column, in file order;
    4. the run is audited when it recorded anything; a dry run is rolled back."""
    parsed = rows if isinstance(rows, ParsedFile) else ParsedFile.from_rows(rows)
    result = ImportResult(rows=len(parsed))
    problems: dict[int, list[tuple[str, str]]] = dict(parsed.errors)
    applied = service_records_apply(
        company=company, rows=parsed.records, source=ServiceRecordSource.IMPORT, actor=actor, with_record_ids=False
    )
    for position, found in applied.errors.items():
        problems[parsed.good[position]] = [(_COLUMNS.get(column, column), message) for column, message in found]
    for index in sorted(problems):
        result.errors.extend(_problem(parsed.where(index), column, message) for column, message in problems[index])
    result.failed = len(problems)
    result.records_created, result.items_added = applied.records_created, applied.items_added
    result.unchanged, result.notices_cancelled = applied.rows_unchanged, applied.notices_cancelled
    if applied.items_added:
        audit_record(
            action="service_record.import", target=company, actor=actor, company=company,
            records=result.records_created, items=result.items_added, unchanged=result.unchanged, failed=result.failed,
        )  # fmt: skip
    if dry_run:
        transaction.set_rollback(True)
    return result
