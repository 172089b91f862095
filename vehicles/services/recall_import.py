"""Importing a recall campaign from the maker's JSON file (`manage.py import_recall`).

The file is validated completely before anything is written; errors name the field or the
row index (``targets[12]``). Import is an idempotent upsert: the campaign's texts and display
ranges are replaced, targets are added with INSERT … ON CONFLICT DO NOTHING, so a re-import
adds new chassis numbers and never resets a target a dealer already marked.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from django.core.exceptions import ValidationError
from django.db import connection, transaction
from django.utils import timezone

from dealers.services.audit import audit_record
from vehicles.models import RecallCampaign, RecallKind, RecallRange, RecallStatus, RecallTarget, Vehicle
from vehicles.models.recalls import LABOUR_MINUTES_MAX, LABOUR_MINUTES_MIN
from vehicles.parsing.chassis import normalize_chassis_number, normalize_model_code
from vehicles.services.recalls import recall_targets_link_vehicles

FORMAT_DOC = """\
Recall file format (UTF-8 JSON object):

  {
    "notification_number": "外-1234",          届出番号, unique; re-importing it updates the campaign
    "kind": "recall",                          recall | improvement | service_campaign
                                               (or リコール | 改善対策 | サービスキャンペーン)
    "title": "…", "defect": "…", "remedy": "…",  不具合の内容 / 改善の内容 (text)
    "published_on": "2026-05-01",              ISO date
    "labour_minutes": 90,                      optional: the maker's labour time for the work, in
                                               minutes (15–600); a booking for this campaign holds
                                               that much bay time (else the "recall work" type's)
    "ranges": [                                per model code, shown to staff only
      {"model_code": "ZVW30", "serial_from": "1000083", "serial_to": "1927847",
       "produced_from": "2009-03-30", "produced_to": "2011-11-14",   optional
       "affected_count": 519509}                                     optional
    ],
    "targets": ["ZVW30-1000083", {"chassis_number": "ZVW30-1000090"}, …]
  }

"targets" is the maker's per-chassis list and the only thing that makes a car a target:
a car inside a range but not on the list is not a target. Chassis numbers are normalised
(full-width, spaces, emissions prefix). Everything is checked before anything is written;
errors name the field or row (targets[12]). With --skip-invalid, bad target rows are
reported and skipped instead. Re-importing adds new targets and never resets one already
marked done or not applicable.
"""

_KIND_ALIASES = {"リコール": RecallKind.RECALL, "改善対策": RecallKind.IMPROVEMENT, "サービスキャンペーン": RecallKind.SERVICE_CAMPAIGN}
_CHUNK = 10_000


class RecallImportError(Exception):
    """The file has errors; nothing was written. `errors` lists one line per problem."""

    def __init__(self, errors: list[str]):
        super().__init__(f"{len(errors)} error(s)")
        self.errors = errors


@dataclass
class RecallImportResult:
    campaign: RecallCampaign
    created: bool
    ranges: int
    targets_in_file: int
    targets_added: int
    targets_linked: int
    targets_with_vehicle: int
    skipped: list[str] = field(default_factory=list)


def _text(data: dict, key: str, errors: list[str], max_length: int | None = None) -> str:
    value = data.get(key)
    if not isinstance(value, str) or not value.strip():
        errors.append(f"{key}: required text")
        return ""
    if max_length and len(value.strip()) > max_length:
        errors.append(f"{key}: longer than {max_length} characters")
    return value.strip()


def _date(value: Any, where: str, errors: list[str], required: bool = True) -> dt.date | None:
    if value in (None, "") and not required:
        return None
    try:
        return dt.date.fromisoformat(value)
    except (TypeError, ValueError):
        errors.append(f"{where}: expected a date YYYY-MM-DD, got {value!r}")
        return None


def _labour_minutes(value: Any, errors: list[str]) -> int | None:
    """Optional whole minutes within a work type's bounds; absent or null: not given."""
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int) or not LABOUR_MINUTES_MIN <= value <= LABOUR_MINUTES_MAX:
        errors.append(f"labour_minutes: expected whole minutes from {LABOUR_MINUTES_MIN} to {LABOUR_MINUTES_MAX}, "
                      f"got {value!r}")
        return None
    return value


def _kind(value: Any, errors: list[str]) -> str:
    if value in RecallKind.values:
        return value
    if value in _KIND_ALIASES:
        return _KIND_ALIASES[value]
    errors.append(f"kind: expected one of {', '.join(RecallKind.values)}, got {value!r}")
    return ""


def _serial(value: Any, where: str, errors: list[str]) -> str:
    text = str(value).strip() if isinstance(value, (str, int)) and not isinstance(value, bool) else ""
    if not (text.isascii() and text.isdigit() and len(text) <= 10):
        errors.append(f"{where}: expected a serial of digits, got {value!r}")
        return ""
    return text


def _range(index: int, row: Any, errors: list[str]) -> RecallRange | None:
    where = f"ranges[{index}]"
    if not isinstance(row, dict):
        errors.append(f"{where}: expected an object")
        return None
    before = len(errors)
    model_code = normalize_model_code(row.get("model_code"))
    if not model_code or len(model_code) > 20:
        errors.append(f"{where}.model_code: required, at most 20 characters")
    serial_from = _serial(row.get("serial_from"), f"{where}.serial_from", errors)
    serial_to = _serial(row.get("serial_to"), f"{where}.serial_to", errors)
    if serial_from and serial_to and int(serial_from) > int(serial_to):
        errors.append(f"{where}: serial_from is after serial_to")
    produced_from = _date(row.get("produced_from"), f"{where}.produced_from", errors, required=False)
    produced_to = _date(row.get("produced_to"), f"{where}.produced_to", errors, required=False)
    count = row.get("affected_count")
    if count is not None and (not isinstance(count, int) or isinstance(count, bool) or count < 0):
        errors.append(f"{where}.affected_count: expected a whole number")
    if len(errors) > before:
        return None
    return RecallRange(model_code=model_code, serial_from=serial_from, serial_to=serial_to,
                       produced_from=produced_from, produced_to=produced_to, affected_count=count)


def _chassis_numbers(rows: Any, errors: list[str], row_errors: list[str]) -> list[str]:
    """Normalised, de-duplicated chassis numbers in file order; bad rows go to `row_errors`."""
    if not isinstance(rows, list):
        errors.append("targets: required, a list (the maker's per-chassis target list)")
        return []
    seen: dict[str, None] = {}
    for index, row in enumerate(rows):
        raw = row.get("chassis_number") if isinstance(row, dict) else row
        if not isinstance(raw, str):
            row_errors.append(f"targets[{index}]: expected a chassis number, got {raw!r}")
            continue
        try:
            seen.setdefault(normalize_chassis_number(raw))
        except ValidationError as exc:
            row_errors.append(f"targets[{index}]: {' '.join(exc.messages)}")
    return list(seen)


def recall_file_parse(data: Any, *, skip_invalid: bool = False) -> tuple[dict, list[RecallRange], list[str], list[str]]:
    """Validate a decoded file: (campaign fields, ranges, chassis numbers, skipped row errors).

    Raises RecallImportError listing every problem; bad target rows only raise without
    `skip_invalid` (they are returned as skipped instead).
    """
    if not isinstance(data, dict):
        raise RecallImportError(["the file must hold one JSON object (see --help)"])
    errors: list[str] = []
    fields = {
        "notification_number": _text(data, "notification_number", errors, 32),
        "kind": _kind(data.get("kind"), errors),
        "title": _text(data, "title", errors, 200),
        "defect": _text(data, "defect", errors),
        "remedy": _text(data, "remedy", errors),
        "published_on": _date(data.get("published_on"), "published_on", errors),
        "labour_minutes": _labour_minutes(data.get("labour_minutes"), errors),
    }
    raw_ranges = data.get("ranges", [])
    if not isinstance(raw_ranges, list):
        errors.append("ranges: expected a list")
        raw_ranges = []
    ranges = [r for i, row in enumerate(raw_ranges) if (r := _range(i, row, errors)) is not None]
    row_errors: list[str] = []
    chassis = _chassis_numbers(data.get("targets"), errors, row_errors)
    if errors or (row_errors and not skip_invalid):
        raise RecallImportError(errors + row_errors)
    return fields, ranges, chassis, row_errors


def _insert_targets(campaign: RecallCampaign, chassis: list[str], today: dt.date) -> int:
    """INSERT … SELECT unnest(…) ON CONFLICT DO NOTHING, linking known vehicles on the way."""
    sql = f"""
        INSERT INTO {RecallTarget._meta.db_table}
            (campaign_id, chassis_number, vehicle_id, status, became_target_on, note, updated_at)
        SELECT %s, c.chassis, v.id, %s, %s, '', now()
        FROM unnest(%s::text[]) AS c(chassis)
        LEFT JOIN {Vehicle._meta.db_table} v ON v.chassis_number = c.chassis
        ON CONFLICT (campaign_id, chassis_number) DO NOTHING
    """  # noqa: S608 - table names come from model metadata, values are parameters
    added = 0
    with connection.cursor() as cursor:
        for start in range(0, len(chassis), _CHUNK):
            cursor.execute(sql, [campaign.pk, RecallStatus.NOT_DONE, today, chassis[start:start + _CHUNK]])
            added += cursor.rowcount
    return added


@transaction.atomic
def recall_campaign_import(*, data: Any, skip_invalid: bool = False, today: dt.date | None = None) -> RecallImportResult:
    """Import one campaign file (format: FORMAT_DOC).

    1. Validate everything (RecallImportError, nothing written).
    2. Upsert the campaign by notification number; replace its display ranges.
    3. Insert new targets set-based (existing ones untouched), linked to known vehicles.
    4. Link older unlinked targets of this campaign to vehicles imported since; audit.
    """
    today = today or timezone.localdate()
    fields, ranges, chassis, skipped = recall_file_parse(data, skip_invalid=skip_invalid)
    number = fields.pop("notification_number")
    campaign, created = RecallCampaign.objects.update_or_create(notification_number=number, defaults=fields)
    campaign.ranges.all().delete()
    for recall_range in ranges:
        recall_range.campaign = campaign
    RecallRange.objects.bulk_create(ranges)
    added = _insert_targets(campaign, chassis, today)
    linked = recall_targets_link_vehicles(campaign=campaign, today=today)
    with_vehicle = campaign.targets.filter(vehicle__isnull=False).count()
    audit_record(action="recall_campaign.import", target=campaign, actor=None, created=created,
                 targets_in_file=len(chassis), targets_added=added, targets_linked=linked, skipped=len(skipped))
    return RecallImportResult(campaign=campaign, created=created, ranges=len(ranges), targets_in_file=len(chassis),
                              targets_added=added, targets_linked=linked, targets_with_vehicle=with_vehicle,
                              skipped=skipped)
