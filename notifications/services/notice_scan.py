"""The notice scans of the daily run: one set-based INSERT … SELECT … ON CONFLICT per rule.

Python computes the (small) table of due stages from the schedule rules (services.schedules),
per distinct company policy; SQL joins it to the vehicles through indexed columns, applies the
suppression rules (services.eligibility) and inserts idempotently on the dedupe key; the same
statement inserts the deliveries of the notices it inserted (deliveries.with_deliveries_sql),
so the notices are written once, already "sent", and never scanned again. Nothing
per vehicle is loaded into Python. The statements are built per run (microseconds), so the
suppression hooks in services.eligibility are read when the run happens.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass

from django.db import connection
from django.utils import timezone

from notifications.models import REPLY_TOKEN_SQL, NoticeKind, ReminderPolicy
from notifications.services import deliveries, schedules
from notifications.services.eligibility import ELIGIBILITY_JOINS, NOTICE_COLUMNS, NOTICE_TABLE, eligible_where
from vehicles.models import Appointment, ConsentCategory, MaintenanceDue, MaintenanceItem, VehicleClass, VehicleUse
from vehicles.models.appointments import COVERING_STATES
from vehicles.models.recalls import RecallCampaign, RecallStatus, RecallTarget
from vehicles.selectors.service_records import periodic_done_sql


@dataclass(frozen=True)
class Window:
    """A run on `on` inserts what was due in (after, on]; deliveries are due from `now`."""

    after: dt.date
    on: dt.date
    now: dt.datetime | None = None


@dataclass(frozen=True)
class Inserted:
    notices: int = 0
    deliveries: int = 0


def _policy_groups(policies: list[ReminderPolicy], key) -> tuple[list, list[int], list[int]]:
    """Distinct configs, and the (company id → config index) mapping as two parallel lists."""
    configs: dict = {}
    companies: dict[int, int] = {}
    for policy in policies:
        config = key(policy)
        companies[policy.company_id] = configs.setdefault(config, len(configs))
    return list(configs), list(companies), list(companies.values())


def _shaken_config(policy: ReminderPolicy) -> schedules.ShakenConfig:
    return schedules.ShakenConfig(
        early_months=policy.shaken_early_months,
        window_notice=policy.shaken_window_notice,
        late_months=policy.shaken_late_months,
        final_days=policy.shaken_final_days,
        lapsed_notice=policy.shaken_lapsed_notice,
    )


def _periodic_config(policy: ReminderPolicy) -> schedules.PeriodicConfig:
    return schedules.PeriodicConfig(policy.periodic_interval_months, tuple(sorted(set(policy.periodic_extra_months or []))))


# Context facts every notice renders without further queries.
_COMMON_FACTS = (
    "'car_name', v.car_name, 'plate', v.plate_display, 'store_name', st.name, 'store_phone', st.phone, "
    "'company_name', co.name"
)


def _shaken_sql() -> str:
    return f"""
INSERT INTO {NOTICE_TABLE} ({NOTICE_COLUMNS}, reply_token, status)
SELECT v.company_id, v.id, v.customer_id, '{NoticeKind.SHAKEN.value}', s.stage, s.category, v.shaken_expiry, s.send_on,
       NULL, 'shaken:' || v.id || ':' || v.shaken_expiry || ':' || s.stage, COALESCE(cu.language, 'ja'),
       jsonb_build_object('expiry', v.shaken_expiry, 'window_opens_on', s.window_opens_on, {_COMMON_FACTS}),
       {REPLY_TOKEN_SQL}, 'sent'
FROM unnest(%(s_config)s::int[], %(s_expiry)s::date[], %(s_stage)s::text[], %(s_send_on)s::date[],
            %(s_category)s::text[], %(s_window)s::date[])
     AS s(config, expiry, stage, send_on, category, window_opens_on)
JOIN vehicles_vehicle v ON v.shaken_expiry = s.expiry
JOIN unnest(%(p_company)s::bigint[], %(p_config)s::int[]) AS pc(company_id, config)
     ON pc.company_id = v.company_id AND pc.config = s.config
{ELIGIBILITY_JOINS}
WHERE {eligible_where(kind=NoticeKind.SHAKEN.value, category_sql="s.category", event_date_sql="v.shaken_expiry")}
ON CONFLICT (dedupe_key) DO NOTHING
RETURNING id, vehicle_id, customer_id
"""  # noqa: S608 - names from model metadata and enums; values are parameters


def _shaken_ranges(policy: ReminderPolicy) -> schedules.ShakenRanges:
    return schedules.ShakenRanges(
        early=schedules.SendRange(policy.shaken_early_range_before, policy.shaken_early_range_after),
        window=schedules.SendRange(0, policy.shaken_window_range_after),
        late=schedules.SendRange(policy.shaken_late_range_before, policy.shaken_late_range_after),
        final=schedules.SendRange(policy.shaken_final_range_before, policy.shaken_final_range_after),
    )


def _periodic_ranges(policy: ReminderPolicy) -> schedules.PeriodicRanges:
    return schedules.PeriodicRanges(
        pre=schedules.SendRange(policy.periodic_pre_range_before, policy.periodic_pre_range_after),
        month=schedules.SendRange(0, policy.periodic_month_range_after),
    )


def policies_paced(policies: list[ReminderPolicy]) -> bool:
    """Does any company give a reminder stage a send range (so the run computes budgets)?"""
    return any(_shaken_ranges(p).paced or _periodic_ranges(p).paced for p in policies)


def _shaken_candidates_sql() -> str:
    """The shaken stages this run may insert, one row per car, with its store and pacing class:
    0 its range ends today (sent whatever the load), 1 its usual date has come, 2 still ahead."""
    key = "'shaken:' || v.id || ':' || v.shaken_expiry || ':' || s.stage"
    return f"""
SELECT v.company_id, v.id AS vehicle_id, v.customer_id, '{NoticeKind.SHAKEN.value}' AS kind, s.stage, s.category,
       v.shaken_expiry AS event_date, CASE WHEN s.first_on = s.last_on THEN s.send_on ELSE %(on)s::date END AS send_on,
       {key} AS dedupe_key, COALESCE(cu.language, 'ja') AS language,
       jsonb_build_object('expiry', v.shaken_expiry, 'window_opens_on', s.window_opens_on, 'usual_send_on', s.send_on,
                          {_COMMON_FACTS}) AS context,
       v.store_id, s.send_on AS usual_on,
       CASE WHEN s.last_on <= %(on)s THEN 0 WHEN s.send_on <= %(on)s THEN 1 ELSE 2 END AS class
FROM unnest(%(s_config)s::int[], %(s_expiry)s::date[], %(s_stage)s::text[], %(s_send_on)s::date[],
            %(s_category)s::text[], %(s_window)s::date[], %(s_first)s::date[], %(s_last)s::date[])
     AS s(config, expiry, stage, send_on, category, window_opens_on, first_on, last_on)
JOIN vehicles_vehicle v ON v.shaken_expiry = s.expiry
JOIN unnest(%(p_company)s::bigint[], %(p_config)s::int[]) AS pc(company_id, config)
     ON pc.company_id = v.company_id AND pc.config = s.config
{ELIGIBILITY_JOINS}
WHERE {eligible_where(kind=NoticeKind.SHAKEN.value, category_sql="s.category", event_date_sql="v.shaken_expiry")}
  AND NOT (s.first_on < s.last_on AND EXISTS (SELECT 1 FROM {NOTICE_TABLE} n WHERE n.dedupe_key = {key}))
"""  # noqa: S608 - names from model metadata and enums; values are parameters


def _paced_sql(candidates_sql: str) -> str:
    """Insert the candidates the store's budget allows (services.reminder_pacing): class 0
    always; class 1 earliest usual date first while the budget lasts; class 2 (brought forward)
    only for what the coming days' usual sends exceed at the steady rate. A store without a
    budget row (no capacity configured) sends classes 0 and 1: the usual dates."""
    return f"""
INSERT INTO {NOTICE_TABLE} ({NOTICE_COLUMNS}, reply_token, status)
SELECT r.company_id, r.vehicle_id, r.customer_id, r.kind, r.stage, r.category, r.event_date, r.send_on, NULL,
       r.dedupe_key, r.language, r.context, {REPLY_TOKEN_SQL}, 'sent'
FROM (
    SELECT k.*, b.budget, b.steady,
           sum(b.cost) OVER w AS spent,
           sum(b.cost) FILTER (WHERE k.class = 2) OVER w AS spent_early,
           sum(b.cost) FILTER (WHERE k.class = 2) OVER (PARTITION BY k.store_id) AS early_demand,
           max(k.usual_on - %(on)s::date) FILTER (WHERE k.class = 2) OVER (PARTITION BY k.store_id) AS early_days
    FROM ({candidates_sql}) k
    LEFT JOIN unnest(%(b_store)s::bigint[], %(b_budget)s::float8[], %(b_steady)s::float8[], %(b_cost)s::float8[])
         AS b(store_id, budget, steady, cost) ON b.store_id = k.store_id
    WINDOW w AS (PARTITION BY k.store_id ORDER BY k.class, k.usual_on, k.vehicle_id ROWS UNBOUNDED PRECEDING)
) r
WHERE r.class = 0
   OR (r.budget IS NULL AND r.class = 1)
   OR (r.budget IS NOT NULL AND r.spent <= r.budget
       AND (r.class = 1 OR r.spent_early <= r.early_demand - r.early_days * r.steady))
ON CONFLICT (dedupe_key) DO NOTHING
RETURNING id, vehicle_id, customer_id
"""  # noqa: S608 - names from model metadata and enums; values are parameters


def shaken_insert(*, window: Window, policies: list[ReminderPolicy], budgets: dict | None = None) -> Inserted:
    """Shaken notices; with `budgets` (services.reminder_pacing.budget_table of the paced
    stores) stages with a send range are paced, else every stage goes on its usual date."""
    if budgets is None:
        return _shaken_insert_unpaced(window=window, policies=policies)
    configs, companies, company_configs = _policy_groups(policies, lambda p: (_shaken_config(p), _shaken_ranges(p)))
    table = defaultdict(list)
    for index, (config, ranges) in enumerate(configs):
        for expiry, ranged in schedules.shaken_ranged_table(config, ranges, after=window.after, on=window.on):
            stage = ranged.stage
            for name, value in (
                ("s_config", index), ("s_expiry", expiry), ("s_stage", stage.stage), ("s_send_on", stage.send_on),
                ("s_category", stage.category), ("s_window", schedules.shaken_window_opens(expiry)),
                ("s_first", ranged.first), ("s_last", ranged.last),
            ):
                table[name].append(value)
    if not table:
        return Inserted()
    params = {**table, "p_company": companies, "p_config": company_configs, "on": window.on, "now": window.now}
    return _execute(_paced_sql(_shaken_candidates_sql()), {**params, **budgets})


def _shaken_insert_unpaced(*, window: Window, policies: list[ReminderPolicy]) -> Inserted:
    configs, companies, company_configs = _policy_groups(policies, _shaken_config)
    table = defaultdict(list)
    for index, config in enumerate(configs):
        for expiry, stage in schedules.shaken_due_table(config, after=window.after, on=window.on):
            for name, value in (
                ("s_config", index), ("s_expiry", expiry), ("s_stage", stage.stage), ("s_send_on", stage.send_on),
                ("s_category", stage.category), ("s_window", schedules.shaken_window_opens(expiry)),
            ):
                table[name].append(value)
    if not table:
        return Inserted()
    return _execute(_shaken_sql(), {**table, "p_company": companies, "p_config": company_configs, "on": window.on, "now": window.now})


def _by_class_and_use_sql(months_of) -> str:
    """A CASE over alias v with the value of `months_of(class, use)` for every pair (exact mirror)."""
    whens = " ".join(
        f"WHEN v.vehicle_class = '{c.value}' AND v.use = '{u.value}' THEN {months_of(c.value, u.value)}"
        for c in VehicleClass for u in VehicleUse
    )
    return f"(CASE {whens} ELSE {months_of(VehicleClass.PASSENGER.value, VehicleUse.PRIVATE.value)} END)"


def _month_index_sql(date_sql: str) -> str:
    return f"(extract(year FROM {date_sql})::int * 12 + extract(month FROM {date_sql})::int - 1)"


def _periodic_not_covered_sql() -> str:
    """SQL mirror of schedules.periodic_covered_by_shaken (negated), for aliases v and s."""
    first = _by_class_and_use_sql(schedules.shaken_first_months)
    renewal = _by_class_and_use_sql(schedules.shaken_renewal_months)
    target = _month_index_sql("s.inspection_month")
    current = _month_index_sql("v.shaken_expiry")
    previous = _month_index_sql(f"(v.shaken_expiry - make_interval(months => {renewal}))::date")
    registered = "(v.first_registration_year * 12 + v.first_registration_month - 1)"
    return f"""(v.shaken_expiry IS NULL OR NOT (
        {current} - {target} BETWEEN -1 AND 2
        OR ({previous} >= {registered} + {first} - 1 AND {previous} - {target} BETWEEN -1 AND 2)))"""


def _periodic_sql() -> str:
    return f"""
INSERT INTO {NOTICE_TABLE} ({NOTICE_COLUMNS}, reply_token, status)
SELECT v.company_id, v.id, v.customer_id, '{NoticeKind.PERIODIC.value}', s.stage, s.category, s.inspection_month,
       s.send_on, NULL, 'periodic:' || v.id || ':' || s.inspection_month || ':' || s.stage, COALESCE(cu.language, 'ja'),
       jsonb_build_object('inspection_month', s.inspection_month, 'months_since_registration', s.months, {_COMMON_FACTS}),
       {REPLY_TOKEN_SQL}, 'sent'
FROM unnest(%(s_config)s::int[], %(s_year)s::int[], %(s_month)s::int[], %(s_inspection)s::date[], %(s_months)s::int[],
            %(s_stage)s::text[], %(s_send_on)s::date[], %(s_category)s::text[])
     AS s(config, year, month, inspection_month, months, stage, send_on, category)
JOIN vehicles_vehicle v ON v.first_registration_year = s.year AND v.first_registration_month = s.month
JOIN unnest(%(p_company)s::bigint[], %(p_config)s::int[]) AS pc(company_id, config)
     ON pc.company_id = v.company_id AND pc.config = s.config
{ELIGIBILITY_JOINS}
WHERE {_periodic_not_covered_sql()}
  AND NOT {periodic_done_sql(vehicle_sql="v.id", inspection_month_sql="s.inspection_month")}
  AND {eligible_where(kind=NoticeKind.PERIODIC.value, category_sql="s.category", event_date_sql="s.inspection_month")}
ON CONFLICT (dedupe_key) DO NOTHING
RETURNING id, vehicle_id, customer_id
"""  # noqa: S608 - names from model metadata and enums; values are parameters


def _periodic_candidates_sql() -> str:
    """The periodic stages this run may insert, with store and pacing class (as shaken)."""
    key = "'periodic:' || v.id || ':' || s.inspection_month || ':' || s.stage"
    return f"""
SELECT v.company_id, v.id AS vehicle_id, v.customer_id, '{NoticeKind.PERIODIC.value}' AS kind, s.stage, s.category,
       s.inspection_month AS event_date, CASE WHEN s.first_on = s.last_on THEN s.send_on ELSE %(on)s::date END AS send_on,
       {key} AS dedupe_key, COALESCE(cu.language, 'ja') AS language,
       jsonb_build_object('inspection_month', s.inspection_month, 'months_since_registration', s.months,
                          'usual_send_on', s.send_on, {_COMMON_FACTS}) AS context,
       v.store_id, s.send_on AS usual_on,
       CASE WHEN s.last_on <= %(on)s THEN 0 WHEN s.send_on <= %(on)s THEN 1 ELSE 2 END AS class
FROM unnest(%(s_config)s::int[], %(s_year)s::int[], %(s_month)s::int[], %(s_inspection)s::date[], %(s_months)s::int[],
            %(s_stage)s::text[], %(s_send_on)s::date[], %(s_category)s::text[], %(s_first)s::date[], %(s_last)s::date[])
     AS s(config, year, month, inspection_month, months, stage, send_on, category, first_on, last_on)
JOIN vehicles_vehicle v ON v.first_registration_year = s.year AND v.first_registration_month = s.month
JOIN unnest(%(p_company)s::bigint[], %(p_config)s::int[]) AS pc(company_id, config)
     ON pc.company_id = v.company_id AND pc.config = s.config
{ELIGIBILITY_JOINS}
WHERE {_periodic_not_covered_sql()}
  AND NOT {periodic_done_sql(vehicle_sql="v.id", inspection_month_sql="s.inspection_month")}
  AND {eligible_where(kind=NoticeKind.PERIODIC.value, category_sql="s.category", event_date_sql="s.inspection_month")}
  AND NOT (s.first_on < s.last_on AND EXISTS (SELECT 1 FROM {NOTICE_TABLE} n WHERE n.dedupe_key = {key}))
"""  # noqa: S608 - names from model metadata and enums; values are parameters


def periodic_insert(*, window: Window, policies: list[ReminderPolicy], budgets: dict | None = None) -> Inserted:
    """Periodic notices; paced with `budgets` as shaken_insert."""
    if budgets is None:
        return _periodic_insert_unpaced(window=window, policies=policies)
    configs, companies, company_configs = _policy_groups(policies, lambda p: (_periodic_config(p), _periodic_ranges(p)))
    table = defaultdict(list)
    for index, (config, ranges) in enumerate(configs):
        for year, month, inspection, months, ranged in schedules.periodic_ranged_table(config, ranges, after=window.after, on=window.on):
            for name, value in (
                ("s_config", index), ("s_year", year), ("s_month", month), ("s_inspection", inspection),
                ("s_months", months), ("s_stage", ranged.stage.stage), ("s_send_on", ranged.stage.send_on),
                ("s_category", ranged.stage.category), ("s_first", ranged.first), ("s_last", ranged.last),
            ):
                table[name].append(value)
    if not table:
        return Inserted()
    params = {**table, "p_company": companies, "p_config": company_configs, "on": window.on, "now": window.now}
    return _execute(_paced_sql(_periodic_candidates_sql()), {**params, **budgets})


def _periodic_insert_unpaced(*, window: Window, policies: list[ReminderPolicy]) -> Inserted:
    configs, companies, company_configs = _policy_groups(policies, _periodic_config)
    table = defaultdict(list)
    for index, config in enumerate(configs):
        for year, month, due in schedules.periodic_due_table(config, after=window.after, on=window.on):
            for name, value in (
                ("s_config", index), ("s_year", year), ("s_month", month), ("s_inspection", due.inspection_month),
                ("s_months", due.months_since_registration), ("s_stage", due.stage.stage),
                ("s_send_on", due.stage.send_on), ("s_category", due.stage.category),
            ):
                table[name].append(value)
    if not table:
        return Inserted()
    return _execute(_periodic_sql(), {**table, "p_company": companies, "p_config": company_configs, "on": window.on, "now": window.now})


def _recall_sql() -> str:
    """Recall: first notice the day after the car became a target, then every N days (the
    company's policy) while the target is not done. Only the latest repetition due is inserted
    (catch-up). Key: recall:<target id>:r<days since the first notice>."""
    return f"""
INSERT INTO {NOTICE_TABLE} ({NOTICE_COLUMNS}, reply_token, status)
SELECT v.company_id, v.id, v.customer_id, '{NoticeKind.RECALL.value}', 'r' || r.days, '{ConsentCategory.SAFETY.value}',
       t.became_target_on, t.became_target_on + 1 + r.days, t.id,
       'recall:' || t.id || ':r' || r.days,
       COALESCE(cu.language, 'ja'),
       jsonb_build_object('notification_number', rc.notification_number, 'recall_kind', rc.kind, 'title', rc.title,
                          'remedy', rc.remedy, 'became_target_on', t.became_target_on, {_COMMON_FACTS}),
       {REPLY_TOKEN_SQL}, 'sent'
FROM {RecallTarget._meta.db_table} t
JOIN {RecallCampaign._meta.db_table} rc ON rc.id = t.campaign_id
JOIN vehicles_vehicle v ON v.id = t.vehicle_id
JOIN {ReminderPolicy._meta.db_table} p ON p.company_id = v.company_id
CROSS JOIN LATERAL (
    SELECT ((%(on)s::date - t.became_target_on - 1) / p.recall_repeat_days) * p.recall_repeat_days AS days
) r
{ELIGIBILITY_JOINS}
WHERE t.status = '{RecallStatus.NOT_DONE.value}' AND t.became_target_on < %(on)s
  AND t.became_target_on + 1 + r.days > %(after)s
  AND {eligible_where(kind=NoticeKind.RECALL.value, category_sql=f"'{ConsentCategory.SAFETY.value}'", event_date_sql="t.became_target_on")}
ON CONFLICT (dedupe_key) DO NOTHING
RETURNING id, vehicle_id, customer_id
"""  # noqa: S608 - names from model metadata and enums; values are parameters


def recall_insert(*, window: Window) -> Inserted:
    return _execute(_recall_sql(), {"on": window.on, "after": window.after, "now": window.now})


# Condition-based maintenance (issue 11 §3). Due dates move with each car's pace, so a notice is
# about "the car's next due date" within a tolerance: the items listed are every item due within
# the lead time of the earliest one, a stage is sent once per due date ± the lead time (a date
# that drifts by a day is the same due event, never a second notice), and a due date more than
# MAINTENANCE_CATCH_UP_DAYS past is not announced any more (no storm for long-overdue records).
MAINTENANCE_CATCH_UP_DAYS = 30
MAINTENANCE_LEAD_MIN_DAYS = 30


def _maintenance_covered_sql() -> str:
    """A confirmed (or later) appointment for a maintenance due date near this one, or any
    confirmed visit of the car between today and the end of the lead time."""
    states = ", ".join(f"'{state.value}'" for state in COVERING_STATES)
    return f"""EXISTS (SELECT 1 FROM {Appointment._meta.db_table} ap WHERE ap.vehicle_id = v.id AND ap.state IN ({states})
        AND ((ap.due_kind = '{NoticeKind.MAINTENANCE.value}' AND ap.due_event_date BETWEEN f.first_due - s.lead AND f.first_due + s.lead)
             OR (ap.starts_at >= %(now)s AND ap.starts_at < (f.first_due + s.lead)::timestamp AT TIME ZONE 'Asia/Tokyo')))"""  # noqa: S608


def _maintenance_sql() -> str:
    items = (
        "jsonb_agg(jsonb_build_object('code', i.code, 'name_ja', i.name_ja, 'name_en', i.name_en, 'due_on', d.due_on, "
        "'basis', d.basis, 'due_km', d.due_km) ORDER BY d.due_on, i.position, i.id)"
    )
    return f"""
INSERT INTO {NOTICE_TABLE} ({NOTICE_COLUMNS}, reply_token, status)
SELECT v.company_id, v.id, v.customer_id, '{NoticeKind.MAINTENANCE.value}', s.stage, '{ConsentCategory.REMINDERS.value}',
       f.first_due, %(on)s, NULL, 'maintenance:' || v.id || ':' || f.first_due || ':' || s.stage, COALESCE(cu.language, 'ja'),
       jsonb_build_object('due_on', f.first_due, 'items', it.items, {_COMMON_FACTS}),
       {REPLY_TOKEN_SQL}, 'sent'
FROM (
    SELECT d.vehicle_id, min(d.due_on) AS first_due
    FROM {MaintenanceDue._meta.db_table} d
    WHERE d.due_on <= %(on)s::date + %(max_lead)s AND d.due_on > %(on)s::date - {MAINTENANCE_CATCH_UP_DAYS}
    GROUP BY d.vehicle_id
) f
JOIN vehicles_vehicle v ON v.id = f.vehicle_id
JOIN {ReminderPolicy._meta.db_table} p ON p.company_id = v.company_id
CROSS JOIN LATERAL (
    SELECT CASE WHEN f.first_due <= %(on)s THEN CASE WHEN p.maintenance_due_notice THEN 'd0' END
                WHEN p.maintenance_early_days > 0 AND f.first_due - p.maintenance_early_days <= %(on)s
                THEN 'd' || p.maintenance_early_days END AS stage,
           GREATEST(p.maintenance_early_days, {MAINTENANCE_LEAD_MIN_DAYS}) AS lead
) s
CROSS JOIN LATERAL (
    SELECT {items} AS items
    FROM {MaintenanceDue._meta.db_table} d JOIN {MaintenanceItem._meta.db_table} i ON i.id = d.item_id
    WHERE d.vehicle_id = v.id AND d.due_on <= f.first_due + s.lead
) it
{ELIGIBILITY_JOINS}
WHERE s.stage IS NOT NULL
  AND NOT EXISTS (SELECT 1 FROM {NOTICE_TABLE} n WHERE n.vehicle_id = v.id AND n.kind = '{NoticeKind.MAINTENANCE.value}'
                  AND n.event_date BETWEEN f.first_due - s.lead AND f.first_due + s.lead AND n.stage = s.stage)
  AND {eligible_where(kind=NoticeKind.MAINTENANCE.value, category_sql=f"'{ConsentCategory.REMINDERS.value}'",
                      event_date_sql="f.first_due", covered_sql=_maintenance_covered_sql())}
ON CONFLICT (dedupe_key) DO NOTHING
RETURNING id, vehicle_id, customer_id
"""  # noqa: S608 - names from model metadata and enums; values are parameters


def maintenance_insert(*, window: Window, policies: list[ReminderPolicy]) -> Inserted:
    """One notice per car and due date listing every item due within the lead time (above)."""
    max_lead = max([MAINTENANCE_LEAD_MIN_DAYS, *(p.maintenance_early_days for p in policies)])
    return _execute(_maintenance_sql(), {"on": window.on, "max_lead": max_lead, "now": window.now or timezone.now()})


def _execute(insert_sql: str, params: dict) -> Inserted:
    """Run a notice INSERT (… RETURNING id, vehicle_id, customer_id) together with the
    deliveries of the rows it inserted, in one statement."""
    with connection.cursor() as cursor:
        cursor.execute(deliveries.with_deliveries_sql(insert_sql), {**params, "now": params.get("now") or timezone.now()})
        return Inserted(*cursor.fetchone())
