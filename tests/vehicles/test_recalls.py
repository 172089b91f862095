"""Recall campaigns: import (list is the authority, not the range), marking, completion."""

from __future__ import annotations

import datetime as dt
import io
import json

import pytest
from django.core.exceptions import ValidationError
from django.core.management import call_command
from django.core.management.base import CommandError
from django.http import Http404
from django.utils import timezone

from dealers.models import AuditEntry
from tests.factories import (
    CallCenterAgentFactory,
    CompanyAdminFactory,
    StoreFactory,
    StoreStaffFactory,
    VehicleFactory,
)
from vehicles.models import RecallCampaign, RecallRange, RecallStatus, RecallTarget
from vehicles.selectors.recalls import recall_completion, recall_target_get_for_staff, recall_targets_for_staff
from vehicles.services.recall_import import RecallImportError, recall_campaign_import
from vehicles.services.recalls import (
    recall_target_mark_done,
    recall_target_mark_not_applicable,
    recall_targets_link_vehicles,
)

pytestmark = pytest.mark.django_db

TODAY = dt.date(2026, 6, 1)


def campaign_data(**overrides):
    data = {
        "notification_number": "外-4321",
        "kind": "リコール",
        "title": "燃料ポンプの不具合",
        "defect": "燃料ポンプのインペラが変形し、エンジンが停止するおそれがある。",
        "remedy": "全車両、燃料ポンプを対策品と交換する。",
        "published_on": "2026-05-20",
        "ranges": [
            {"model_code": "ZVW30", "serial_from": "1000001", "serial_to": "1000099",
             "produced_from": "2009-03-30", "produced_to": "2011-11-14", "affected_count": 3},
        ],
        "targets": ["ZVW30-1000010", {"chassis_number": "ＺＶＷ３０－１００００２０"}, "DAA-ZVW30-1000030"],
    }
    data.update(overrides)
    return data


def write(tmp_path, data) -> str:
    path = tmp_path / "recall.json"
    path.write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")
    return str(path)


def run_import(path: str, *args: str) -> tuple[str, str]:
    out, err = io.StringIO(), io.StringIO()
    call_command("import_recall", path, *args, stdout=out, stderr=err)
    return out.getvalue(), err.getvalue()


def test_import_targets_by_list_not_by_range(tmp_path):
    listed = VehicleFactory(chassis_number="ZVW30-1000010")
    # Inside the notified range 1000001〜1000099 but not on the maker's list: not a target.
    in_range_only = VehicleFactory(chassis_number="ZVW30-1000050")

    out, _ = run_import(write(tmp_path, campaign_data()))

    campaign = RecallCampaign.objects.get(notification_number="外-4321")
    assert campaign.kind == "recall"
    assert "created" in out and "3 new" in out
    assert sorted(campaign.targets.values_list("chassis_number", flat=True)) == [
        "ZVW30-1000010", "ZVW30-1000020", "ZVW30-1000030",
    ]
    assert RecallTarget.objects.get(chassis_number="ZVW30-1000010").vehicle == listed
    assert not RecallTarget.objects.filter(vehicle=in_range_only).exists()
    assert RecallTarget.objects.filter(vehicle__isnull=True).count() == 2
    recall_range = RecallRange.objects.get(campaign=campaign)
    assert (recall_range.serial_from, recall_range.serial_to, recall_range.affected_count) == ("1000001", "1000099", 3)
    assert AuditEntry.objects.filter(action="recall_campaign.import", target_id=str(campaign.pk)).exists()


def test_labour_minutes_are_optional_and_kept_on_the_campaign(tmp_path):
    """Issue 14 §1: the maker's labour time feeds the recall work's duration for the campaign."""
    run_import(write(tmp_path, campaign_data(labour_minutes=90)))
    assert RecallCampaign.objects.get(notification_number="外-4321").labour_minutes == 90
    run_import(write(tmp_path, campaign_data(notification_number="外-4322")))
    assert RecallCampaign.objects.get(notification_number="外-4322").labour_minutes is None


@pytest.mark.parametrize("value", ["90分", 1.5, 10, 601, True, -30])
def test_a_bad_labour_time_is_a_clear_error_and_nothing_is_written(tmp_path, value):
    out, err = io.StringIO(), io.StringIO()
    with pytest.raises(CommandError, match="1 error"):
        call_command("import_recall", write(tmp_path, campaign_data(labour_minutes=value)), stdout=out, stderr=err)
    assert "labour_minutes: expected whole minutes from 15 to 600" in err.getvalue()
    assert not RecallCampaign.objects.exists()


def test_reimport_adds_targets_and_never_resets_a_done_one(tmp_path):
    store = StoreFactory()
    vehicle = VehicleFactory(chassis_number="ZVW30-1000010", company=store.company, store=store)
    path = write(tmp_path, campaign_data())
    run_import(path)
    target = RecallTarget.objects.get(vehicle=vehicle)
    recall_target_mark_done(target=target, done_on=dt.date(2026, 5, 25), store=vehicle.store, actor=None)

    data = campaign_data(title="燃料ポンプの不具合（追加）", targets=[*campaign_data()["targets"], "ZVW30-1000040"])
    data["ranges"][0]["serial_to"] = "1000199"
    out, _ = run_import(write(tmp_path, data))

    assert "updated" in out and "1 new" in out
    campaign = RecallCampaign.objects.get()
    assert campaign.title == "燃料ポンプの不具合（追加）"
    assert campaign.targets.count() == 4
    assert list(campaign.ranges.values_list("serial_to", flat=True)) == ["1000199"]
    target.refresh_from_db()
    assert (target.status, target.done_on) == (RecallStatus.DONE, dt.date(2026, 5, 25))


def test_bad_rows_are_listed_by_index_and_nothing_is_written(tmp_path):
    data = campaign_data(kind="recal", targets=["ZVW30-1000010", "not a chassis", 42])
    with pytest.raises(CommandError, match="3 error"):
        out, err = io.StringIO(), io.StringIO()
        call_command("import_recall", write(tmp_path, data), stdout=out, stderr=err)
    lines = err.getvalue().splitlines()
    assert any("kind:" in line for line in lines)
    assert any("targets[1]:" in line for line in lines)
    assert any("targets[2]:" in line for line in lines)
    assert not RecallCampaign.objects.exists()


def test_skip_invalid_imports_the_good_rows(tmp_path):
    data = campaign_data(targets=["ZVW30-1000010", "ZVW30-ABC"])
    out, err = run_import(write(tmp_path, data), "--skip-invalid")
    assert "skipped targets[1]:" in err
    assert list(RecallTarget.objects.values_list("chassis_number", flat=True)) == ["ZVW30-1000010"]
    assert "1 skipped" in out


@pytest.mark.parametrize(
    ("content", "message"),
    [("{not json", "is not valid JSON"), ("[1, 2]", "1 error"), ("{}", "error")],
)
def test_bad_file_is_one_line_error(tmp_path, content, message):
    path = tmp_path / "bad.json"
    path.write_text(content, encoding="utf-8")
    with pytest.raises(CommandError, match=message) as excinfo:
        call_command("import_recall", str(path), stdout=io.StringIO(), stderr=io.StringIO())
    assert "\n" not in str(excinfo.value)


def test_missing_file_is_one_line_error(tmp_path):
    with pytest.raises(CommandError, match="cannot read"):
        call_command("import_recall", str(tmp_path / "nope.json"))


def test_range_errors_are_fatal():
    data = campaign_data(ranges=[{"model_code": "ZVW30", "serial_from": "1000099", "serial_to": "1000001"}])
    with pytest.raises(RecallImportError) as excinfo:
        recall_campaign_import(data=data, skip_invalid=True)
    assert excinfo.value.errors == ["ranges[0]: serial_from is after serial_to"]


def test_help_documents_the_format(capsys):
    with pytest.raises(SystemExit):
        call_command("import_recall", "--help")
    assert '"targets"' in capsys.readouterr().out


def test_vehicles_imported_later_are_linked_in_one_update():
    recall_campaign_import(data=campaign_data(), today=dt.date(2026, 5, 21))
    first = VehicleFactory(chassis_number="ZVW30-1000020")
    second = VehicleFactory(chassis_number="ZVW30-1000030")

    assert recall_targets_link_vehicles(today=TODAY) == 2

    linked = {t.vehicle_id: t for t in RecallTarget.objects.filter(vehicle__isnull=False)}
    assert set(linked) == {first.pk, second.pk}
    # It became a target for this dealer only when linked: first notice the day after linking.
    assert {t.became_target_on for t in linked.values()} == {TODAY}
    assert recall_targets_link_vehicles(today=TODAY) == 0


def _target(store=None):
    store = store or StoreFactory()
    vehicle = VehicleFactory(company=store.company, store=store)
    campaign = recall_campaign_import(data=campaign_data(targets=[vehicle.chassis_number]), today=TODAY).campaign
    return RecallTarget.objects.get(campaign=campaign, vehicle=vehicle)


def test_mark_done_records_store_date_actor_and_audits():
    target = _target()
    staff = StoreStaffFactory(store=target.vehicle.store)
    recall_target_mark_done(target=target, done_on=TODAY, store=target.vehicle.store, actor=staff)
    target.refresh_from_db()
    assert (target.status, target.done_on, target.done_store, target.marked_by) == (
        RecallStatus.DONE, TODAY, target.vehicle.store, staff,
    )
    entry = AuditEntry.objects.get(action="recall_target.done")
    assert (entry.actor, entry.company_id, entry.target_id) == (staff, target.vehicle.company_id, str(target.pk))


def test_mark_done_rejects_a_store_of_another_company_and_future_dates():
    target = _target()
    with pytest.raises(ValidationError) as excinfo:
        recall_target_mark_done(target=target, done_on=TODAY, store=StoreFactory(), actor=None)
    assert "store" in excinfo.value.message_dict
    with pytest.raises(ValidationError) as excinfo:
        recall_target_mark_done(
            target=target, done_on=timezone.localdate() + dt.timedelta(days=2), store=target.vehicle.store, actor=None
        )
    assert "done_on" in excinfo.value.message_dict
    target.refresh_from_db()
    assert target.status == RecallStatus.NOT_DONE
    assert not AuditEntry.objects.filter(action="recall_target.done").exists()


def test_unlinked_target_cannot_be_marked():
    recall_campaign_import(data=campaign_data(), today=TODAY)
    target = RecallTarget.objects.first()
    with pytest.raises(ValidationError):
        recall_target_mark_done(target=target, done_on=TODAY, store=StoreFactory(), actor=None)


def test_mark_not_applicable_needs_a_reason_and_clears_done_fields():
    target = _target()
    recall_target_mark_done(target=target, done_on=TODAY, store=target.vehicle.store, actor=None)
    with pytest.raises(ValidationError):
        recall_target_mark_not_applicable(target=target, actor=None, reason="  ")
    recall_target_mark_not_applicable(target=target, actor=None, reason="廃車済み")
    target.refresh_from_db()
    assert (target.status, target.done_on, target.done_store, target.note) == (
        RecallStatus.NOT_APPLICABLE, None, None, "廃車済み",
    )
    assert AuditEntry.objects.filter(action="recall_target.not_applicable", target_id=str(target.pk)).exists()


def test_completion_per_registered_store_in_one_query(django_assert_num_queries):
    store_a = StoreFactory(name="A店")
    store_b = StoreFactory(company=store_a.company, name="B店")
    cars_a = [VehicleFactory(company=store_a.company, store=store_a) for _ in range(4)]
    cars_b = [VehicleFactory(company=store_a.company, store=store_b) for _ in range(2)]
    other_company_car = VehicleFactory(store=StoreFactory())
    chassis = [v.chassis_number for v in [*cars_a, *cars_b, other_company_car]]
    campaign = recall_campaign_import(data=campaign_data(targets=chassis), today=TODAY).campaign
    targets = {t.vehicle_id: t for t in campaign.targets.all()}
    # A: 1 done at store B (completion counts by registered store), 1 not applicable, 2 open.
    recall_target_mark_done(target=targets[cars_a[0].pk], done_on=TODAY, store=store_b, actor=None)
    recall_target_mark_not_applicable(target=targets[cars_a[1].pk], actor=None, reason="部品交換済み")
    recall_target_mark_done(target=targets[cars_b[0].pk], done_on=TODAY, store=store_b, actor=None)

    with django_assert_num_queries(1):
        rows = recall_completion(campaign, company=store_a.company)

    assert [(r.store_name, r.targets, r.done, r.not_applicable, r.not_done) for r in rows] == [
        ("A店", 4, 1, 1, 2), ("B店", 2, 1, 0, 1),
    ]
    assert rows[0].rate == pytest.approx(1 / 3)
    assert rows[1].rate == pytest.approx(0.5)
    assert sum(r.targets for r in recall_completion(campaign)) == 7


def test_rate_is_none_when_nothing_applies():
    target = _target()
    recall_target_mark_not_applicable(target=target, actor=None, reason="対象外")
    (row,) = recall_completion(target.campaign)
    assert row.rate is None


def test_targets_are_scoped_to_the_staff_tenant():
    target = _target()
    insider = CompanyAdminFactory(company=target.vehicle.company)
    other_store_staff = StoreStaffFactory(store=StoreFactory(company=target.vehicle.company))
    assert recall_target_get_for_staff(insider, target.pk) == target
    for outsider in (CompanyAdminFactory(), other_store_staff):
        with pytest.raises(Http404):
            recall_target_get_for_staff(outsider, target.pk)
    agent = CallCenterAgentFactory()
    agent.desk.companies.add(target.vehicle.company)
    assert not recall_targets_for_staff(agent).exists()


def _scope(target: RecallTarget) -> tuple:
    return tuple(RecallTarget.objects.filter(pk=target.pk).values_list("company_id", "store_id").get())


def test_a_target_carries_its_cars_company_and_store_whichever_way_the_car_moves():
    """RecallTarget.company/store are kept by database triggers (migration 0010): through the
    service, a plain save, a bulk update, and unlinking."""
    from vehicles.models import Vehicle
    from vehicles.services.registration import vehicle_register_store, vehicle_unregister_store

    store = StoreFactory()
    target = _target(store)
    car = target.vehicle
    assert _scope(target) == (store.company_id, store.pk)  # set on insert (the importer's INSERT … SELECT)

    second = StoreFactory(company=store.company)
    vehicle_register_store(vehicle=car, store=second, actor=None)
    assert _scope(target) == (store.company_id, second.pk)
    vehicle_unregister_store(vehicle=car, actor=None)
    assert _scope(target) == (store.company_id, None)
    Vehicle.objects.filter(pk=car.pk).update(store=store)  # a bulk update, no model code
    assert _scope(target) == (store.company_id, store.pk)

    # The app can't write the copy: a save with stale values is corrected.
    stale = RecallTarget.objects.get(pk=target.pk)
    stale.store_id = second.pk
    stale.save()
    assert _scope(target) == (store.company_id, store.pk)

    car.delete()  # the target stays, unlinked (SET_NULL), and leaves every scope
    assert _scope(target) == (None, None)


def test_a_target_linked_after_an_import_takes_the_cars_scope():
    campaign = recall_campaign_import(data=campaign_data(targets=["ZVW30-1000555"]), today=TODAY).campaign
    target = campaign.targets.get()
    assert _scope(target) == (None, None)
    store = StoreFactory()
    VehicleFactory(company=store.company, store=store, chassis_number="ZVW30-1000555")
    assert recall_targets_link_vehicles(today=TODAY) == 1
    assert _scope(target) == (store.company_id, store.pk)
