"""manage.py seed_demo / demo_totp and the demo generator (vehicles/demo)."""

from __future__ import annotations

import datetime as dt
import io
import re
from collections import Counter

import pytest
import time_machine
from allauth.mfa.models import Authenticator
from allauth.mfa.totp.internal.auth import TOTP
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection

from dealers.models import CalendarException, CallCenterDesk, ClosingRule, DealerCompany, Role, Store, StoreHours, User
from tests.factories import StoreStaffFactory
from vehicles.demo import data
from vehicles.demo.base import DEMO_PASSWORD, DEMO_TOTP_SECRET
from vehicles.demo.copy import MODELS
from vehicles.demo.generate import COLUMNS, TABLES, Plan, StoreSpec, fingerprint, generate, period_end, shaken_years
from vehicles.demo.plates import PlateStreams
from vehicles.demo.seed import demo_seed
from vehicles.management.commands.demo_totp import current_code
from vehicles.models import (
    ConsentRecord,
    Contract,
    Customer,
    CustomerConsent,
    ServiceAvailability,
    StoreRegistration,
    Vehicle,
)

AS_OF = dt.date(2026, 11, 15)
DOMESTIC_CHASSIS = re.compile(r"^[A-Z0-9]{2,10}-\d{5,8}$")  # domain §1
PLATE_CLASS = re.compile(r"^[345][0-9ACFHKLMPXY]{2}$")
LOGINS = {
    "admin@tconnect.example.jp": Role.PLATFORM_ADMIN,
    "manager@kanto.example.jp": Role.COMPANY_ADMIN,
    "staff@kanto.example.jp": Role.STORE_STAFF,
    "callcenter@tconnect.example.jp": Role.CALL_CENTER,
    "owner@example.jp": Role.OWNER,
}


@pytest.fixture
def seeded(db):
    out = io.StringIO()
    call_command(
        "seed_demo", "--vehicles", "300", "--stores", "6", "--seed", "7", "--as-of", AS_OF.isoformat(), stdout=out
    )
    return out.getvalue()


def _stores(count: int = 6) -> tuple[StoreSpec, ...]:
    """Store specs as create_stores deals them, without a database."""
    specs = []
    for i in range(count):
        company = data.COMPANIES[i % 3]
        specs.append(
            StoreSpec(i + 1, i % 3 + 1, i % 3, f"{company.store_prefix}{i // 3 + 1:02d}", company.areas[i // 3], i != 4)
        )
    return tuple(specs)


def _plan(**overrides) -> Plan:
    return Plan(**{"seed": 7, "vehicles": 300, "as_of": AS_OF, "stores": _stores(), "owner_user_id": 5, **overrides})


def test_seed_demo_creates_the_demo_set(seeded):
    assert "done in" in seeded
    assert DealerCompany.objects.count() == 3
    assert Store.objects.count() == 6
    assert Vehicle.objects.count() == 300
    customers = Customer.objects.count()
    assert 200 < customers < 300  # most own one car, some two or three, fleets several
    assert CustomerConsent.objects.count() == 2 * customers
    assert ConsentRecord.objects.count() >= CustomerConsent.objects.count()
    assert set(Vehicle.objects.values_list("company__code", flat=True)) == {"kanto", "chubu", "kansai"}
    for store in Store.objects.all():
        assert store.hours.count() == 7
        assert store.closing_rules.filter(weekday=0, week_of_month="every").exists()  # closed Mondays
        assert CalendarException.objects.filter(store=store, note="年末年始休業").count() == 2
    assert (
        ClosingRule.objects.filter(weekday=2, week_of_month="1").exists()
        or ClosingRule.objects.filter(week_of_month="not_last").exists()
    )
    assert {h.opens_at for h in StoreHours.objects.all()} <= {dt.time(9, 30), dt.time(10)}
    assert ServiceAvailability.objects.filter(model_code="*").count() == 3
    assert not ServiceAvailability.objects.get(model_code="ZVW30", equipment="navi").ecare


def test_database_rows_are_the_generated_rows_byte_for_byte(db):
    """What PostgreSQL stored, printed back by COPY TO, is exactly what the generator wrote."""
    result = demo_seed(vehicles=300, stores=6, seed=7, as_of=AS_OF)
    expected = {table: [] for table in TABLES}
    for batch in generate(result.plan):
        for table in TABLES:
            expected[table] += batch[table]
    qn = connection.ops.quote_name
    with connection.cursor() as cursor:
        for table in TABLES:
            model = MODELS[table]
            columns = ", ".join(qn(model._meta.get_field(name).column) for name in COLUMNS[table])
            # Names from model metadata only.
            query = f"COPY (SELECT {columns} FROM {qn(model._meta.db_table)} ORDER BY id) TO STDOUT"  # noqa: S608
            with cursor.cursor.copy(query) as copy:
                stored = b"".join(bytes(block) for block in copy).decode()
            assert stored == "".join(expected[table]), table
    assert result.rows == {table: len(lines) for table, lines in expected.items()}


def test_same_seed_gives_the_same_rows_and_another_seed_others():
    assert fingerprint(_plan()) == fingerprint(_plan())
    assert fingerprint(_plan()) != fingerprint(_plan(seed=8))
    assert fingerprint(_plan()) != fingerprint(_plan(as_of=AS_OF + dt.timedelta(days=1)))


def test_generated_values_never_need_copy_escaping():
    values = [
        str(v)
        for batch in generate(_plan(vehicles=2000))
        for lines in batch.values()
        for line in lines
        for v in line.rstrip("\n").split("\t")
    ]
    assert not [v for v in values if "\\" in v and v != "\\N"]
    for batch in generate(_plan(vehicles=500)):
        for table, lines in batch.items():
            assert all(line.count("\t") == len(COLUMNS[table]) - 1 and line.endswith("\n") for line in lines)


def test_chassis_numbers_and_plates_are_valid(seeded):
    vehicles = list(
        Vehicle.objects.values(
            "chassis_number",
            "model_code",
            "plate_region",
            "plate_class",
            "plate_kana",
            "plate_serial",
            "plate_display",
            "plate_search",
            "use",
        )
    )
    model_codes = {m.code for m in data.MODELS}
    for v in vehicles:
        assert DOMESTIC_CHASSIS.match(v["chassis_number"]), v
        assert v["chassis_number"].split("-")[0] == v["model_code"] and v["model_code"] in model_codes
        assert v["plate_kana"] not in "おしへん"
        assert PLATE_CLASS.match(v["plate_class"]), v
        assert 1 <= v["plate_serial"] <= 9999
        assert v["plate_search"] == f"{v['plate_region']}{v['plate_class']}{v['plate_kana']}{v['plate_serial']}"
        assert v["plate_display"].startswith(f"{v['plate_region']} {v['plate_class']} {v['plate_kana']} ")
        if v["use"] == "rental":
            assert v["plate_kana"] in "われ"
        elif v["use"] == "commercial":
            assert v["plate_kana"] in data.COMMERCIAL_KANA
        else:
            assert v["plate_kana"] in data.PRIVATE_KANA
    assert len({v["plate_search"] for v in vehicles}) == len(vehicles)
    shown = {v["plate_serial"]: v["plate_display"].rsplit(" ", 1)[1] for v in vehicles}
    assert all(text == (f"{n // 100}-{n % 100:02d}" if n >= 1000 else f"{n:・>4}") for n, text in shown.items())
    assert Counter(v["use"] for v in vehicles)["private"] > 0.85 * len(vehicles)


def test_plate_streams_never_repeat_a_plate():
    """Each stream is a permutation; regular and kei class numbers never overlap (5xx vs 58x)."""
    streams = PlateStreams(seed=7)
    plates, classes = set(), {}
    for group, kana in (
        ("5", data.PRIVATE_KANA),
        ("58", data.PRIVATE_KANA),
        ("4", data.COMMERCIAL_KANA),
        ("48", data.COMMERCIAL_KANA),
        ("3", ("わ",)),
        ("3", ("れ",)),
    ):
        for _ in range(5000):
            plate = streams.next("品川", group, kana)
            plates.add(plate)
            classes.setdefault(group, set()).add(plate[0])
    assert len(plates) == 6 * 5000
    assert not classes["5"] & classes["58"] and not classes["4"] & classes["48"]
    assert classes["58"] == {f"58{d}" for d in range(10)}


def test_non_participating_stores_have_no_registrations(seeded):
    outside = Store.objects.filter(participates_in_remote_maintenance=False)
    assert outside.exists()
    assert not StoreRegistration.objects.filter(store__in=outside).exists()
    assert not Vehicle.objects.filter(store__in=outside).exists()
    registered = Vehicle.objects.exclude(store=None)
    assert registered.count() > 150
    for vehicle in registered:
        open_rows = vehicle.registrations.filter(ended_at=None)
        assert [row.store_id for row in open_rows] == [vehicle.store_id]
    assert not StoreRegistration.objects.filter(ended_at=None, vehicle__store=None).exists()


def test_contract_consent_and_equipment_mix(seeded):
    statuses = Counter(Contract.objects.values_list("status", flat=True))
    assert statuses["active"] > 0.6 * Vehicle.objects.count()
    assert statuses["cancelled"] > 0 and statuses["expired"] + statuses["suspended"] > 0
    assert Vehicle.objects.filter(contract=None).exclude(equipment="none").exists()  # never signed up
    assert not Contract.objects.filter(vehicle__equipment="none").exists()
    assert (
        Contract.objects.filter(status="active", remote_maintenance=True, ecare=True).count() > statuses["active"] / 2
    )
    assert not Contract.objects.filter(status="active", ends_on__isnull=False).exists()
    assert not Contract.objects.filter(status__in=["cancelled", "expired"], ends_on=None).exists()
    equipment = Counter(Vehicle.objects.values_list("equipment", flat=True))
    assert equipment["navi"] > equipment["dcm_only"] > equipment["none"] > 0
    assert 0.3 < Vehicle.objects.filter(equipment="navi", navi_paired=True).count() / equipment["navi"] < 0.7
    assert not Vehicle.objects.exclude(equipment="navi").filter(navi_paired=True).exists()
    reminders = Counter(CustomerConsent.objects.filter(category="reminders").values_list("granted", flat=True))
    marketing = Counter(CustomerConsent.objects.filter(category="marketing").values_list("granted", flat=True))
    assert reminders[True] > 3 * reminders[False] > 0
    assert 0.25 < marketing[True] / (marketing[True] + marketing[False]) < 0.55
    for consent in CustomerConsent.objects.all()[:50]:
        last = (
            ConsentRecord.objects.filter(customer=consent.customer, category=consent.category)
            .order_by("recorded_at")
            .last()
        )
        assert last.granted == consent.granted and last.recorded_at == consent.updated_at
    assert ConsentRecord.objects.filter(source=data.OPT_OUT_SOURCE, granted=False).exists()
    languages = Counter(Customer.objects.values_list("language", flat=True))
    assert languages["ja"] > 0.9 * sum(languages.values())


def test_shaken_expiry_registration_and_obd_remarks(seeded):
    vehicles = Vehicle.objects.all()
    assert all(AS_OF - dt.timedelta(days=31) <= v.shaken_expiry <= AS_OF + dt.timedelta(days=3 * 366) for v in vehicles)
    assert all((2008, 1) <= (v.first_registration_year, v.first_registration_month) <= (2026, 11) for v in vehicles)
    obd = vehicles.filter(obd_inspection_target=True)
    assert obd.exists()
    assert all(
        v.remarks == "OBD検査対象" and (v.first_registration_year, v.first_registration_month) >= (2021, 10)
        for v in obd
    )
    assert not vehicles.filter(obd_inspection_target=False, remarks__contains="OBD").exists()
    for v in vehicles.filter(use="private", vehicle_class="passenger"):
        years = (AS_OF.year - v.first_registration_year) + (AS_OF.month - v.first_registration_month) / 12
        assert v.odometer_km >= 3 and v.odometer_km < 60_000 * (years + 0.2)


def test_shaken_arithmetic_follows_the_law():
    assert period_end(dt.date(2022, 5, 1), 3) == dt.date(2025, 4, 30)  # domain §2 example
    assert period_end(dt.date(2025, 6, 1), 2) == dt.date(2027, 5, 31)  # renewed in the window
    assert period_end(dt.date(2024, 2, 29), 1) == dt.date(2025, 2, 28)  # no 29 Feb: month end
    assert shaken_years("passenger", "private") == (3, 2)
    assert shaken_years("kei_freight", "private") == (2, 2)
    assert shaken_years("freight_small", "private") == (2, 1)
    assert shaken_years("passenger", "rental") == (2, 1)
    assert shaken_years("passenger", "commercial") == (1, 1)


def test_demo_logins_have_their_roles_and_totp(seeded):
    users = {u.email: u for u in User.objects.filter(email__in=LOGINS)}
    assert {email: u.role for email, u in users.items()} == LOGINS
    assert all(u.check_password(DEMO_PASSWORD) for u in users.values())
    admin, manager, staff, agent, owner = (users[e] for e in LOGINS)
    assert admin.is_superuser and admin.is_staff
    assert manager.company.code == "kanto"
    assert staff.company == manager.company and staff.store.participates_in_remote_maintenance
    assert staff.store == Store.objects.filter(company=manager.company).order_by("code").first()
    desk = CallCenterDesk.objects.get(agents=agent)
    assert (desk.opens_at, desk.closes_at) == (dt.time(9), dt.time(18))
    assert set(desk.companies.all()) == set(DealerCompany.objects.all())
    for user in (admin, manager, staff, agent):
        totp = TOTP(Authenticator.objects.get(user=user, type=Authenticator.Type.TOTP))
        assert totp.validate_code(current_code(DEMO_TOTP_SECRET))
    assert not Authenticator.objects.filter(user=owner).exists()
    cars = owner.customer.vehicles.order_by("id")
    assert owner.customer.company == manager.company
    assert [(c.equipment, c.navi_paired) for c in cars] == [("navi", True), ("dcm_only", False)]
    assert all(c.store == staff.store and c.contract.status == "active" for c in cars)


def test_if_empty_does_nothing_on_a_seeded_database(seeded):
    before = (Vehicle.objects.count(), Customer.objects.count(), User.objects.count())
    out = io.StringIO()
    call_command("seed_demo", "--if-empty", stdout=out)
    assert out.getvalue().count("\n") == 1 and "nothing to do" in out.getvalue()
    assert (Vehicle.objects.count(), Customer.objects.count(), User.objects.count()) == before


def test_second_run_refuses(seeded):
    with pytest.raises(CommandError, match="already has dealer companies"):
        call_command("seed_demo", "--vehicles", "10", stdout=io.StringIO())
    assert Vehicle.objects.count() == 300


@pytest.mark.parametrize("args", [["--vehicles", "0"], ["--stores", "-1"], ["--as-of", "2026-02-30"]])
def test_bad_arguments_are_refused(db, args):
    with pytest.raises(CommandError):
        call_command("seed_demo", *args, stdout=io.StringIO())
    assert not DealerCompany.objects.exists()


def test_bulk_load_restores_foreign_keys_and_indexes(db):
    def schema():
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT indexdef FROM pg_indexes WHERE tablename = ANY(%s) ORDER BY 1",
                [[m._meta.db_table for m in MODELS.values()]],
            )
            indexes = cursor.fetchall()
            cursor.execute(
                "SELECT conrelid::regclass::text, conname, pg_get_constraintdef(oid) FROM pg_constraint "
                "WHERE conrelid::regclass::text = ANY(%s) ORDER BY 1, 2",
                [[m._meta.db_table for m in MODELS.values()]],
            )
            return indexes, cursor.fetchall()

    before = schema()
    assert len(before[1]) >= 8
    result = demo_seed(vehicles=120, stores=4, seed=3, as_of=AS_OF, bulk_from=1)
    assert schema() == before
    assert Vehicle.objects.count() == 120 and result.rows["vehicle"] == 120
    # The sequences moved past the loaded ids: the ORM can add rows afterwards.
    staff = StoreStaffFactory()
    assert Customer.objects.create(company=staff.company, name="後藤 茂").pk > max(
        Customer.objects.exclude(name="後藤 茂").values_list("pk", flat=True)
    )


def test_demo_totp_prints_the_current_code(seeded):
    with time_machine.travel(dt.datetime(2026, 11, 15, 1, 0, 10, tzinfo=dt.UTC), tick=False):
        out = io.StringIO()
        call_command("demo_totp", "staff@kanto.example.jp", stdout=out, stderr=io.StringIO())
        assert out.getvalue().strip() == current_code(DEMO_TOTP_SECRET)
        assert re.fullmatch(r"\d{6}", out.getvalue().strip())
    with pytest.raises(CommandError, match="no user with a TOTP"):
        call_command("demo_totp", "owner@example.jp", stdout=io.StringIO())


def test_demo_totp_refuses_real_secrets(db):
    user = StoreStaffFactory()
    TOTP.activate(user, "GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ")
    with pytest.raises(CommandError, match="not a demo login"):
        call_command("demo_totp", user.email, stdout=io.StringIO())
