"""Service records (整備記録): record visits and apply what they change, in one transaction.

Every way in (the portal's walk-in form, completing an appointment, the DMS import, the admin)
goes through `service_records_apply`, one set-based engine for one row or a hundred thousand:

1. the rows (one per item of a visit) are COPYed into a temporary table;
2. one SQL pass resolves each row's car, store and recall campaign and checks every refusal
   rule (unknown car, store of another company, date in the future or before the first
   registration, odometer below the last known reading by more than ODOMETER_TOLERANCE_KM
   unless the meter was replaced, recall work for a campaign the car is no target of, an
   external id already used for another visit). A row with any problem is left out whole;
3. visits are inserted once per car and day (ON CONFLICT DO NOTHING on that unique key), so a
   double submit, or the same visit arriving by the portal and by an import, is one record;
   its items are added once each (a unique key too);
4. only the items added now take effect: a shaken rolls the car's expiry forward by
   `vehicles.parsing.shaken.next_expiry` (never backwards: an old shaken from a history import
   is kept as history), a recall item marks its target done (`recall_target_mark_done`),
   a periodic inspection item marks that inspection month done (the daily run's EXISTS);
5. the layers above react in the same transaction through `service_records_applied_subscribe`
   (notifications cancels the pending notices of the old expiry and of the month done).
The 12 V battery's replacement date is the battery item itself
(vehicles.selectors.service_records.last_done).
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from itertools import repeat

from django.core.exceptions import ValidationError
from django.db import IntegrityError, connection, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from dealers.models import DealerCompany, Store, User
from dealers.services.audit import audit_record
from vehicles.models import (
    Appointment,
    AppointmentState,
    RecallTarget,
    ServiceItem,
    ServiceRecord,
    ServiceRecordItem,
    ServiceRecordSource,
    ShakenExpirySource,
    Vehicle,
)
from vehicles.models.service_records import LABELLED_ITEMS, PERIODIC_ITEMS
from vehicles.parsing.shaken import next_expiry, period_end, shaken_period_years
from vehicles.services.appointments import appointment_mark_completed
from vehicles.services.recalls import recall_target_mark_done

__all__ = [
    "ODOMETER_TOLERANCE_KM",
    "AppliedChanges",
    "ApplyResult",
    "ItemInput",
    "RecordColumns",
    "RecordInput",
    "appointment_complete_with_record",
    "service_record_create",
    "service_records_applied_subscribe",
    "service_records_apply",
]

# A reading at intake may be a little below the car's own last report (rounding, a report
# sent after the visit): more than this is refused unless the meter was replaced.
ODOMETER_TOLERANCE_KM = 100

_RECORD = ServiceRecord._meta.db_table
_ITEM = ServiceRecordItem._meta.db_table


@dataclass(frozen=True)
class ItemInput:
    item: str
    recall_campaign_id: int | None = None
    recall_number: str = ""  # a campaign's 届出番号, when the id is not known (imports)
    label: str = ""


@dataclass(frozen=True)
class RecordInput:
    """One visit as given; the car by id or chassis number, the store by id or code."""

    performed_on: dt.date
    items: tuple[ItemInput, ...]
    vehicle_id: int | None = None
    chassis_number: str = ""
    store_id: int | None = None
    store_code: str = ""
    odometer_km: int | None = None
    meter_replaced: bool = False
    external_id: str = ""
    note: str = ""
    appointment_id: int | None = None
    where: str = ""  # "line 7" in a file


@dataclass
class RecordColumns:
    """Visits column by column (an import's rows without an object per row): lists of the same
    length; a column left None is empty in every row (no id, no code, no odometer…)."""

    performed_on: list[dt.date]
    items: list[tuple[ItemInput, ...]]
    chassis_number: list[str] | None = None
    vehicle_id: list[int | None] | None = None
    store_id: list[int | None] | None = None
    store_code: list[str] | None = None
    odometer_km: list[int | None] | None = None
    meter_replaced: list[bool] | None = None
    external_id: list[str] | None = None
    note: list[str] | None = None
    appointment_id: list[int | None] | None = None

    def __len__(self) -> int:
        return len(self.performed_on)

    @classmethod
    def from_rows(cls, rows: Sequence[RecordInput]) -> RecordColumns:
        def column(name: str) -> list:
            return [getattr(row, name) for row in rows]

        names = ("chassis_number", "vehicle_id", "store_id", "store_code", "odometer_km", "meter_replaced", "external_id",
                 "note", "appointment_id")  # fmt: skip
        return cls(column("performed_on"), column("items"), **{name: column(name) for name in names})

    def column(self, name: str, empty: object = None) -> Iterable:
        values = getattr(self, name)
        return repeat(empty, len(self)) if values is None else values


@dataclass(frozen=True)
class AppliedChanges:
    """What the layers above react to, inside the transaction."""

    # (vehicle id, expiry before, expiry now) for every car whose shaken expiry rolled forward.
    expiry_changes: tuple[tuple[int, dt.date | None, dt.date], ...] = ()
    # (vehicle id, date) of every periodic inspection (or shaken) recorded now.
    periodic_done: tuple[tuple[int, dt.date], ...] = ()


@dataclass
class ApplyResult:
    records_created: int = 0
    items_added: int = 0
    rows_unchanged: int = 0  # rows whose items were all recorded already
    # index of the row in the input → [(field, message)]
    errors: dict[int, list[tuple[str, str]]] = field(default_factory=dict)
    record_ids: dict[int, int] = field(default_factory=dict)  # row index → record id
    changes: AppliedChanges = field(default_factory=AppliedChanges)
    notices_cancelled: int = 0

    @property
    def failed(self) -> int:
        return len(self.errors)


AppliedHandler = Callable[[AppliedChanges], int]
_handlers: list[AppliedHandler] = []


def service_records_applied_subscribe(handler: AppliedHandler) -> None:
    """The layer above (notifications) reacts to what records changed, in the same transaction;
    a handler returns how many notices it cancelled."""
    if handler not in _handlers:
        _handlers.append(handler)


# --- messages ------------------------------------------------------------------------------


def _messages() -> dict[str, tuple[str, str]]:
    """Error code (from the checking SQL) → (field, message), translated when asked for."""
    return {
        "vehicle": ("vehicle", _("No car with this chassis number in this dealer company.")),
        "store": ("store", _("No active store with this code in this dealer company.")),
        "future": ("performed_on", _("The date of the visit cannot be in the future.")),
        "before_registration": ("performed_on", _("The date of the visit is before the car's first registration.")),
        "odometer": ("odometer_km", _(
            "The odometer is lower than the last recorded or reported reading (%(km)s km). "
            "If the meter was replaced, say so."
        )),
        "recall": ("items", _("The car is not a target of recall campaign %(campaign)s.")),
        "external_id": ("external_id", _("This external id is already used for another visit.")),
        "appointment": ("appointment", _("This appointment is for another car.")),
    }


_ITEM_CODES = frozenset(ServiceItem.values)  # (the enum's .values builds a list on every call)


def _items_problems(items: tuple[ItemInput, ...]) -> list[tuple[str, str]]:
    problems: list[tuple[str, str]] = []
    if not items:
        problems.append(("items", _("Choose at least one work item.")))
    for item in items:
        if item.item not in _ITEM_CODES:
            problems.append(("items", _("Unknown work item %(item)s.") % {"item": item.item}))
        elif item.item == ServiceItem.RECALL and item.recall_campaign_id is None and not item.recall_number:
            problems.append(("items", _("Recall work needs its campaign (届出番号).")))
        elif item.item in LABELLED_ITEMS and not item.label.strip():
            problems.append(("items", _("Say what was done for %(item)s.") % {"item": ServiceItem(item.item).label}))
        elif len(item.label) > 100:
            problems.append(("items", _("Keep what was done under 100 characters.")))
    return problems


def _input_problems(rows: RecordColumns) -> dict[int, list[tuple[str, str]]]:
    """Checks that need no database, by row index: the same few item lists repeat across an
    import, so each distinct list is checked once."""
    found: dict[int, list[tuple[str, str]]] = {}
    by_list: dict[int, list[tuple[str, str]]] = {}  # id() of an item tuple (all alive in rows.items)
    for index, items in enumerate(rows.items):
        problems = by_list.get(id(items))
        if problems is None:
            problems = by_list[id(items)] = _items_problems(items)
        if problems:
            found[index] = list(problems)
    if rows.odometer_km is not None:
        for index, km in enumerate(rows.odometer_km):
            if km is not None and not 0 <= km <= 2_000_000:
                found.setdefault(index, []).append(("odometer_km", _("The odometer must be between 0 and 2,000,000 km.")))
    if rows.external_id is not None:
        for index, external_id in enumerate(rows.external_id):
            if len(external_id) > 64:
                found.setdefault(index, []).append(("external_id", _("Keep the external id under 64 characters.")))
    return found


# --- the engine ------------------------------------------------------------------------------

_STAGE_SQL = """
CREATE TEMP TABLE service_record_stage (
    row_no int, vehicle_id bigint, chassis text, store_id bigint, store_code text, performed_on date,
    odometer_km int, meter_replaced boolean, external_id text, note text, appointment_id bigint,
    item_no int, item text, campaign_id bigint, campaign_number text, label text
) ON COMMIT DROP
"""

# Rows resolved and checked: one per staged row, with `problem` (an error code) or NULL. Every
# lookup is a join (hash joins for an import of a hundred thousand rows, index probes for one
# visit), never a subquery per row. The car is found by id (the portal) or by chassis number
# (imports) in two joins: a join on "id or chassis number" cannot be planned as a hash join.
_CHECK_SQL = f"""
CREATE TEMP TABLE service_record_checked ON COMMIT DROP AS
WITH resolved AS MATERIALIZED (
    SELECT s.*, COALESCE(v_id.id, v_ch.id) AS car_id,
           COALESCE(v_id.first_registration_year, v_ch.first_registration_year) AS fy,
           COALESCE(v_id.first_registration_month, v_ch.first_registration_month) AS fm,
           COALESCE(st_id.id, st_code.id) AS shop_id, COALESCE(s.campaign_id, rc.id) AS recall_id
    FROM service_record_stage s
    LEFT JOIN vehicles_vehicle v_id ON v_id.company_id = %(company)s AND v_id.id = s.vehicle_id
    LEFT JOIN vehicles_vehicle v_ch ON s.vehicle_id IS NULL AND v_ch.company_id = %(company)s AND v_ch.chassis_number = s.chassis
    LEFT JOIN dealers_store st_id ON st_id.id = s.store_id AND st_id.company_id = %(company)s AND st_id.is_active
    LEFT JOIN dealers_store st_code ON s.store_id IS NULL AND st_code.code = s.store_code
         AND st_code.company_id = %(company)s AND st_code.is_active
    LEFT JOIN vehicles_recallcampaign rc ON s.campaign_id IS NULL AND rc.notification_number = s.campaign_number
), visits AS MATERIALIZED (
    SELECT car_id, performed_on, max(odometer_km) AS km FROM resolved WHERE car_id IS NOT NULL GROUP BY 1, 2
), batch_visits AS (
    -- The file's own earlier visits of the same car count as readings too (a history import).
    SELECT car_id, performed_on, lag(km) OVER w AS prior_km FROM visits WHERE km IS NOT NULL
    WINDOW w AS (PARTITION BY car_id ORDER BY performed_on)
), earlier AS (
    -- The latest earlier record with a reading, per visit.
    SELECT DISTINCT ON (v.car_id, v.performed_on) v.car_id, v.performed_on, sr.odometer_km AS km
    FROM visits v JOIN {_RECORD} sr ON sr.vehicle_id = v.car_id AND sr.performed_on < v.performed_on
    WHERE sr.odometer_km IS NOT NULL
    ORDER BY v.car_id, v.performed_on, sr.performed_on DESC
), new_meter AS (
    -- more items for a visit recorded with a new meter
    SELECT v.car_id, v.performed_on FROM visits v
    JOIN {_RECORD} same ON same.vehicle_id = v.car_id AND same.performed_on = v.performed_on AND same.meter_replaced
), ext_used AS (
    -- the partial unique index's own predicate, so the index answers
    SELECT x.external_id, x.vehicle_id, x.performed_on FROM {_RECORD} x
    WHERE x.company_id = %(company)s AND NOT (x.external_id = '')
      AND x.external_id IN (SELECT DISTINCT external_id FROM service_record_stage WHERE external_id <> '')
), prior AS (
    SELECT r.*,
           -- The highest of: the latest earlier record, the file's earlier visit, the car's own
           -- latest report made by that day (each is the newest reading of its source).
           CASE WHEN r.odometer_km IS NOT NULL AND NOT r.meter_replaced AND nm.car_id IS NULL
                THEN GREATEST(e.km, b.prior_km, vs.odometer_km) END AS prior_km,
           u.vehicle_id AS ext_used_car, u.performed_on AS ext_used_on,
           first_value(r.car_id) OVER w AS ext_car, first_value(r.performed_on) OVER w AS ext_on
    FROM resolved r
    LEFT JOIN batch_visits b ON b.car_id = r.car_id AND b.performed_on = r.performed_on
    LEFT JOIN earlier e ON e.car_id = r.car_id AND e.performed_on = r.performed_on
    LEFT JOIN new_meter nm ON nm.car_id = r.car_id AND nm.performed_on = r.performed_on
    LEFT JOIN vehicles_vehiclestate vs ON vs.vehicle_id = r.car_id
         AND (vs.last_recorded_at AT TIME ZONE 'Asia/Tokyo')::date <= r.performed_on
    LEFT JOIN ext_used u ON r.external_id <> '' AND u.external_id = r.external_id
    WINDOW w AS (PARTITION BY NULLIF(r.external_id, '') ORDER BY r.row_no)
)
SELECT p.*, CASE
    WHEN p.car_id IS NULL THEN 'vehicle'
    WHEN p.shop_id IS NULL THEN 'store'
    WHEN p.performed_on > %(today)s THEN 'future'
    WHEN p.fy IS NOT NULL AND p.performed_on < make_date(p.fy, COALESCE(p.fm, 1), 1) THEN 'before_registration'
    WHEN p.prior_km IS NOT NULL AND p.odometer_km < p.prior_km - %(tolerance)s THEN 'odometer'
    WHEN p.item = 'recall' AND NOT EXISTS (
        SELECT 1 FROM {RecallTarget._meta.db_table} t WHERE t.vehicle_id = p.car_id AND t.campaign_id = p.recall_id) THEN 'recall'
    WHEN p.external_id <> '' AND ((p.ext_car, p.ext_on) <> (p.car_id, p.performed_on)
                                  OR (p.ext_used_car, p.ext_used_on) <> (p.car_id, p.performed_on)) THEN 'external_id'
    WHEN p.appointment_id IS NOT NULL AND NOT EXISTS (
        SELECT 1 FROM {Appointment._meta.db_table} a WHERE a.id = p.appointment_id AND a.vehicle_id = p.car_id) THEN 'appointment'
END AS problem
FROM prior p
"""  # noqa: S608 - names from model metadata; values are parameters

_GOOD = """SELECT * FROM service_record_checked c
    WHERE NOT EXISTS (SELECT 1 FROM service_record_checked b WHERE b.row_no = c.row_no AND b.problem IS NOT NULL)"""

_INSERT_RECORDS_SQL = f"""
INSERT INTO {_RECORD} (company_id, store_id, vehicle_id, performed_on, odometer_km, meter_replaced, source,
                       external_id, appointment_id, recorded_by_id, note, shaken_expiry_applied, created_at)
SELECT DISTINCT ON (car_id, performed_on) %(company)s, shop_id, car_id, performed_on, odometer_km, meter_replaced,
       %(source)s, external_id, appointment_id, %(actor)s, note, FALSE, %(now)s
FROM ({_GOOD}) good ORDER BY car_id, performed_on, row_no
ON CONFLICT DO NOTHING
"""  # noqa: S608 - names from model metadata; values are parameters

# An import's records: the visits not recorded yet, as a plain INSERT (ON CONFLICT checks every
# unique index of every row before writing it: a quarter of the insert); a visit recorded
# meanwhile by someone else fails it, and it is redone with ON CONFLICT (service_records_apply).
_INSERT_RECORDS_BULK_SQL = f"""
INSERT INTO {_RECORD} (company_id, store_id, vehicle_id, performed_on, odometer_km, meter_replaced, source,
                       external_id, appointment_id, recorded_by_id, note, shaken_expiry_applied, created_at)
SELECT DISTINCT ON (car_id, performed_on) %(company)s, shop_id, car_id, performed_on, odometer_km, meter_replaced,
       %(source)s, external_id, appointment_id, %(actor)s, note, FALSE, %(now)s
FROM ({_GOOD}) good
WHERE NOT EXISTS (SELECT 1 FROM {_RECORD} r WHERE r.vehicle_id = good.car_id AND r.performed_on = good.performed_on)
ORDER BY car_id, performed_on, row_no
"""  # noqa: S608 - names from model metadata; values are parameters

# Records are visible only to the next statement, so items go in a second one.
_INSERT_ITEMS_SQL = f"""
WITH items AS (
    INSERT INTO {_ITEM} (record_id, vehicle_id, item, recall_campaign_id, label, performed_on, odometer_km)
    SELECT r.id, g.car_id, g.item, CASE WHEN g.item = 'recall' THEN g.recall_id END, g.label, g.performed_on, r.odometer_km
    FROM ({_GOOD}) g JOIN {_RECORD} r ON r.vehicle_id = g.car_id AND r.performed_on = g.performed_on
    ORDER BY g.row_no, g.item_no
    ON CONFLICT DO NOTHING
    RETURNING record_id, vehicle_id, item, recall_campaign_id, performed_on
)
INSERT INTO service_record_added SELECT * FROM items
"""  # noqa: S608 - names from model metadata; values are parameters

# The same for an import, as a plain INSERT of the items not recorded yet (each once).
_INSERT_ITEMS_BULK_SQL = f"""
WITH items AS (
    INSERT INTO {_ITEM} (record_id, vehicle_id, item, recall_campaign_id, label, performed_on, odometer_km)
    SELECT record_id, car_id, item, recall_id, label, performed_on, odometer_km FROM (
        SELECT DISTINCT ON (r.id, g.item, CASE WHEN g.item = 'recall' THEN g.recall_id END, g.label) r.id AS record_id, g.car_id, g.item,
               CASE WHEN g.item = 'recall' THEN g.recall_id END AS recall_id, g.label, g.performed_on, r.odometer_km,
               g.row_no, g.item_no
        FROM ({_GOOD}) g JOIN {_RECORD} r ON r.vehicle_id = g.car_id AND r.performed_on = g.performed_on
        WHERE NOT EXISTS (
            SELECT 1 FROM {_ITEM} x WHERE x.record_id = r.id AND x.item = g.item AND x.label = g.label
              AND x.recall_campaign_id IS NOT DISTINCT FROM (CASE WHEN g.item = 'recall' THEN g.recall_id END))
        ORDER BY r.id, g.item, CASE WHEN g.item = 'recall' THEN g.recall_id END, g.label, g.row_no, g.item_no
    ) new ORDER BY row_no, item_no
    RETURNING record_id, vehicle_id, item, recall_campaign_id, performed_on
)
INSERT INTO service_record_added SELECT * FROM items
"""  # noqa: S608 - names from model metadata; values are parameters


def _copy_rows(cursor, rows: RecordColumns, skip: dict[int, list]) -> None:
    """One staged row per item of each visit (rows in `skip` left out)."""
    columns = zip(
        rows.column("vehicle_id"), rows.column("chassis_number", ""), rows.column("store_id"), rows.column("store_code", ""),
        rows.performed_on, rows.column("odometer_km"), rows.column("meter_replaced", False), rows.column("external_id", ""),
        rows.column("note", ""), rows.column("appointment_id"), rows.items, strict=True,
    )  # fmt: skip
    with cursor.cursor.copy(
        "COPY service_record_stage (row_no, vehicle_id, chassis, store_id, store_code, performed_on, odometer_km,"
        " meter_replaced, external_id, note, appointment_id, item_no, item, campaign_id, campaign_number, label) FROM STDIN"
    ) as copy:
        write = copy.write_row
        for index, (vehicle_id, chassis, store_id, store_code, performed_on, km, meter, external_id, note, appointment_id,
                    items) in enumerate(columns):  # fmt: skip
            if index in skip:
                continue
            head = (index, vehicle_id, chassis, store_id, store_code, performed_on, km, meter, external_id.strip(), note,
                    appointment_id)  # fmt: skip
            for item_no, item in enumerate(items):
                write((*head, item_no, item.item, item.recall_campaign_id, item.recall_number, item.label.strip()))


def _collect_problems(cursor, result: ApplyResult) -> None:
    messages = _messages()
    cursor.execute(
        "SELECT DISTINCT c.row_no, c.problem, c.prior_km, COALESCE(rc.notification_number, c.campaign_number, '')"
        " FROM service_record_checked c LEFT JOIN vehicles_recallcampaign rc ON rc.id = c.recall_id"
        " WHERE c.problem IS NOT NULL ORDER BY 1, 2"
    )
    for row_no, code, prior_km, campaign in cursor.fetchall():
        column, message = messages[code]
        if code == "odometer":
            message %= {"km": f"{prior_km:,}"}
        elif code == "recall":
            message %= {"campaign": campaign}
        result.errors.setdefault(row_no, []).append((column, message))


def _record_ids(cursor, result: ApplyResult) -> None:
    cursor.execute(
        f"SELECT DISTINCT c.row_no, r.id FROM service_record_checked c"  # noqa: S608 - names from model metadata
        f" JOIN {_RECORD} r ON r.vehicle_id = c.car_id AND r.performed_on = c.performed_on"
    )
    result.record_ids.update((row_no, record_id) for row_no, record_id in cursor.fetchall() if row_no not in result.errors)


def _unchanged_rows(cursor) -> int:
    """Rows none of whose items was added now (a re-import, a double submit)."""
    cursor.execute(
        "SELECT count(*) FILTER (WHERE NOT added) FROM ("
        " SELECT c.row_no, bool_or(a.vehicle_id IS NOT NULL) AS added FROM service_record_checked c"
        " LEFT JOIN service_record_added a ON a.vehicle_id = c.car_id AND a.performed_on = c.performed_on AND a.item = c.item"
        " WHERE c.row_no NOT IN (SELECT row_no FROM service_record_checked WHERE problem IS NOT NULL)"
        " GROUP BY c.row_no) rows"
    )
    return cursor.fetchone()[0]


def _apply_shaken(cursor) -> list[tuple[int, dt.date | None, dt.date]]:
    """Roll each car's expiry forward for the shakens added now, oldest first (a history
    import may carry several); write before/computed/applied on each record."""
    cursor.execute(
        f"SELECT a.record_id, a.vehicle_id, a.performed_on, v.vehicle_class, v.use, v.shaken_expiry"  # noqa: S608 - names from model metadata
        f" FROM service_record_added a JOIN vehicles_vehicle v ON v.id = a.vehicle_id"
        f" WHERE a.item = '{ServiceItem.SHAKEN.value}' ORDER BY a.vehicle_id, a.performed_on FOR UPDATE OF v"
    )
    records: list[tuple[int, dt.date | None, dt.date, bool]] = []
    expiry_now: dict[int, tuple[dt.date | None, dt.date | None]] = {}  # vehicle → (first before, current)
    for record_id, vehicle_id, performed_on, vehicle_class, use, expiry in cursor.fetchall():
        before, current = expiry_now.get(vehicle_id, (expiry, expiry))
        years = shaken_period_years(vehicle_class, use, first=False)
        if current is None:
            computed = period_end(performed_on, years)
        else:
            computed = next_expiry(current_expiry=current, inspected_on=performed_on, years=years)
        applied = current is None or computed > current
        records.append((record_id, current, computed, applied))
        expiry_now[vehicle_id] = (before, computed if applied else current)
    if records:
        cursor.execute(
            f"UPDATE {_RECORD} r SET shaken_expiry_before = x.before, shaken_expiry_computed = x.computed,"  # noqa: S608
            f" shaken_expiry_applied = x.applied FROM unnest(%s::bigint[], %s::date[], %s::date[], %s::boolean[])"
            f" AS x(id, before, computed, applied) WHERE r.id = x.id",
            [list(column) for column in zip(*records, strict=True)],
        )
    changes = [(vehicle, before, now) for vehicle, (before, now) in expiry_now.items() if now is not None and now != before]
    if changes:
        cursor.execute(
            "UPDATE vehicles_vehicle v SET shaken_expiry = x.expiry, shaken_expiry_source = %s, updated_at = %s"
            " FROM unnest(%s::bigint[], %s::date[]) AS x(id, expiry) WHERE v.id = x.id",
            [ShakenExpirySource.SERVICE_RECORD.value, timezone.now(), [c[0] for c in changes], [c[2] for c in changes]],
        )
    return changes


def _apply_recalls(cursor, actor: User | None) -> None:
    """Mark the recall targets of the recall work added now done, through the recall service
    (its checks and audit). Recall work is rare in a visit, so this is a short loop."""
    cursor.execute(f"SELECT EXISTS (SELECT 1 FROM service_record_added WHERE item = '{ServiceItem.RECALL.value}')")  # noqa: S608 - a constant
    if not cursor.fetchone()[0]:
        return
    cursor.execute(
        f"SELECT t.id, a.performed_on, r.store_id FROM service_record_added a"  # noqa: S608
        f" JOIN {_RECORD} r ON r.id = a.record_id"
        f" JOIN {RecallTarget._meta.db_table} t ON t.vehicle_id = a.vehicle_id AND t.campaign_id = a.recall_campaign_id"
        f" WHERE a.item = '{ServiceItem.RECALL.value}' AND (t.status <> 'done' OR t.done_on < a.performed_on)"
    )
    found = cursor.fetchall()
    targets = RecallTarget.objects.in_bulk([target_id for target_id, _on, _store in found])
    stores = Store.objects.in_bulk({store_id for _target, _on, store_id in found})
    for target_id, performed_on, store_id in found:
        recall_target_mark_done(target=targets[target_id], done_on=performed_on, store=stores[store_id], actor=actor)


def _periodic_done(cursor) -> list[tuple[int, dt.date]]:
    codes = [item.value for item in PERIODIC_ITEMS]
    cursor.execute("SELECT DISTINCT vehicle_id, performed_on FROM service_record_added WHERE item = ANY(%s)", [codes])
    return list(cursor.fetchall())


def _insert(cursor, plain: str | None, on_conflict: str, params: dict) -> int:
    """Run the plain INSERT in a savepoint when given; if a row someone else wrote meanwhile
    breaks a unique key, run the ON CONFLICT DO NOTHING one instead. Returns the rows written."""
    if plain is not None:
        try:
            with transaction.atomic():
                cursor.execute(plain, params)
                return cursor.rowcount
        except IntegrityError:
            pass
    cursor.execute(on_conflict, params)
    return cursor.rowcount


# Above this many staged rows the statements get the statistics and memory of a bulk job.
_BULK_ROWS = 1_000


@transaction.atomic
def service_records_apply(
    *, company: DealerCompany | int, rows: Sequence[RecordInput] | RecordColumns, source: str, actor: User | None = None,
    today: dt.date | None = None, with_record_ids: bool = True,
) -> ApplyResult:
    """Record the visits in `rows` and apply what they change (see the module docstring).

    Rows with problems are reported in `errors` (by index) and change nothing; the others are
    recorded. Idempotent: the same rows again add nothing. `record_ids` (row → record) is
    filled unless `with_record_ids` is False (an import does not need it).
    """
    company_id = company.pk if isinstance(company, DealerCompany) else company
    if source not in ServiceRecordSource.values:
        raise ValueError(f"unknown service record source {source!r}")
    columns = rows if isinstance(rows, RecordColumns) else RecordColumns.from_rows(rows)
    result = ApplyResult(errors=_input_problems(columns))
    if len(result.errors) == len(columns):
        return result
    bulk = len(columns) > _BULK_ROWS
    with connection.cursor() as cursor:
        if bulk:
            # The sorts and hashes of a big import stay in memory (the default 4 MB spills them).
            cursor.execute("SET LOCAL work_mem = '64MB'")
        cursor.execute(_STAGE_SQL)
        cursor.execute(
            "CREATE TEMP TABLE service_record_added (record_id bigint, vehicle_id bigint, item text,"
            " recall_campaign_id bigint, performed_on date) ON COMMIT DROP"
        )
        _copy_rows(cursor, columns, result.errors)
        if bulk:
            cursor.execute("ANALYZE service_record_stage")
        params: dict[str, int | str | dt.date | dt.datetime | None] = {
            "company": company_id, "today": today or timezone.localdate(), "tolerance": ODOMETER_TOLERANCE_KM,
        }
        cursor.execute(_CHECK_SQL, params)
        _collect_problems(cursor, result)
        insert = {**params, "source": source, "actor": actor.pk if actor is not None and actor.pk else None,
                  "now": timezone.now()}  # fmt: skip
        result.records_created = _insert(cursor, _INSERT_RECORDS_BULK_SQL if bulk else None, _INSERT_RECORDS_SQL, insert)
        if result.records_created > 5_000:
            # A big import into a table the statistics think small would join items to their
            # records by a scan per row: refresh them first (a sample, well under a second).
            cursor.execute(f"ANALYZE {_RECORD}")
        result.items_added = _insert(cursor, _INSERT_ITEMS_BULK_SQL if bulk else None, _INSERT_ITEMS_SQL, {})
        if with_record_ids:
            _record_ids(cursor, result)
        result.rows_unchanged = _unchanged_rows(cursor)
        expiry_changes = _apply_shaken(cursor)
        _apply_recalls(cursor, actor)
        periodic = _periodic_done(cursor)
        cursor.execute("DROP TABLE service_record_stage, service_record_checked, service_record_added")
    result.changes = AppliedChanges(expiry_changes=tuple(expiry_changes), periodic_done=tuple(periodic))
    if expiry_changes or periodic:
        result.notices_cancelled = sum(handler(result.changes) for handler in _handlers)
    return result


# --- one visit ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class RecordOutcome:
    record: ServiceRecord
    created: bool
    items_added: int
    expiry_before: dt.date | None
    expiry_after: dt.date | None
    notices_cancelled: int


def _field_errors(problems: list[tuple[str, str]]) -> ValidationError:
    by_field: dict[str, list[str]] = defaultdict(list)
    for column, message in problems:
        by_field[column].append(message)
    return ValidationError(dict(by_field))


@transaction.atomic
def service_record_create(
    *,
    vehicle: Vehicle,
    store: Store,
    performed_on: dt.date,
    items: Sequence[ItemInput],
    source: str = ServiceRecordSource.PORTAL,
    odometer_km: int | None = None,
    meter_replaced: bool = False,
    note: str = "",
    external_id: str = "",
    appointment: Appointment | None = None,
    actor: User | None = None,
) -> RecordOutcome:
    """Record one visit (or add items to the car's record of that day); ValidationError with
    field messages when refused, and then nothing is changed. Audited."""
    if store.company_id != vehicle.company_id:
        raise ValidationError({"store": _("Choose a store of the vehicle's dealer company.")})
    row = RecordInput(
        vehicle_id=vehicle.pk, store_id=store.pk, performed_on=performed_on, items=tuple(items), odometer_km=odometer_km,
        meter_replaced=meter_replaced, note=note, external_id=external_id, appointment_id=appointment.pk if appointment else None,
    )
    result = service_records_apply(company=vehicle.company_id, rows=[row], source=source, actor=actor)
    if result.errors:
        raise _field_errors(result.errors[0])
    record = ServiceRecord.objects.get(pk=result.record_ids[0])
    change = next((c for c in result.changes.expiry_changes if c[0] == vehicle.pk), None)
    if result.items_added:
        audit_record(
            action="service_record.create" if result.records_created else "service_record.add_items", target=record,
            actor=actor, company=vehicle.company_id, vehicle=vehicle.pk, performed_on=performed_on.isoformat(),
            items=[item.item for item in items], source=source,
            expiry=[str(change[1]), str(change[2])] if change else None,
        )  # fmt: skip
    if change is not None:
        vehicle.shaken_expiry, vehicle.shaken_expiry_source = change[2], ShakenExpirySource.SERVICE_RECORD
    return RecordOutcome(
        record=record, created=bool(result.records_created), items_added=result.items_added,
        expiry_before=change[1] if change else None, expiry_after=change[2] if change else None,
        notices_cancelled=result.notices_cancelled,
    )


@transaction.atomic
def appointment_complete_with_record(
    *,
    appointment: Appointment,
    performed_on: dt.date,
    items: Sequence[ItemInput],
    odometer_km: int | None = None,
    meter_replaced: bool = False,
    note: str = "",
    store: Store | None = None,
    actor: User | None = None,
) -> RecordOutcome:
    """Complete an arrived appointment with what was done, in one transaction:
    1. lock the appointment; completed already with its record (a double submit) → that record;
    2. record the visit (source "appointment"; refused → nothing changes, it stays arrived);
    3. link a record of that day made before (a walk-in entry) to the appointment;
    4. mark the appointment completed (only from arrived)."""
    locked = Appointment.objects.select_for_update(of=("self",)).select_related("vehicle", "store").get(pk=appointment.pk)
    existing = ServiceRecord.objects.filter(appointment_id=locked.pk).first()
    if existing is not None and locked.state == AppointmentState.COMPLETED:
        return RecordOutcome(record=existing, created=False, items_added=0, expiry_before=None, expiry_after=None,
                             notices_cancelled=0)  # fmt: skip
    outcome = service_record_create(
        vehicle=locked.vehicle, store=store or locked.store, performed_on=performed_on, items=items,
        source=ServiceRecordSource.APPOINTMENT, odometer_km=odometer_km, meter_replaced=meter_replaced, note=note,
        appointment=locked, actor=actor,
    )
    ServiceRecord.objects.filter(pk=outcome.record.pk, appointment__isnull=True).update(appointment=locked)
    appointment_mark_completed(appointment=locked, actor=actor)
    return outcome
