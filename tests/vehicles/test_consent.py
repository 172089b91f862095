import pytest
from django.core.exceptions import ValidationError

from dealers.models import AuditEntry
from tests.factories import CustomerFactory, StoreStaffFactory, VehicleFactory
from vehicles.models import ConsentCategory, ConsentRecord, CustomerConsent, Vehicle
from vehicles.services import (
    consent_granted,
    consent_granted_exists,
    consent_opt_out_by_token,
    consent_opt_out_token,
    consent_set,
)

pytestmark = pytest.mark.django_db

MARKETING = ConsentCategory.MARKETING
REMINDERS = ConsentCategory.REMINDERS
SAFETY = ConsentCategory.SAFETY


@pytest.fixture
def customer():
    return CustomerFactory()


def test_grant_creates_current_row_record_and_audit(customer):
    bob = StoreStaffFactory(store__company=customer.company)
    consent = consent_set(
        customer=customer,
        category=MARKETING,
        granted=True,
        source="paper form at store",
        actor=bob,
        evidence="form no. 1234",
    )

    assert consent.granted is True
    record = ConsentRecord.objects.get()
    assert (record.category, record.granted, record.source, record.evidence, record.recorded_by) == (
        MARKETING,
        True,
        "paper form at store",
        "form no. 1234",
        bob,
    )
    entry = AuditEntry.objects.get(action="consent.set")
    assert entry.company_id == customer.company_id and entry.actor == bob
    assert entry.data == {"category": "marketing", "granted": True, "source": "paper form at store"}
    assert consent_granted(customer, MARKETING) is True


def test_change_updates_current_row_and_appends_record(customer):
    consent_set(customer=customer, category=MARKETING, granted=True, source="app")
    consent_set(customer=customer, category=MARKETING, granted=False, source="app")

    assert CustomerConsent.objects.get(customer=customer, category=MARKETING).granted is False
    assert list(ConsentRecord.objects.order_by("id").values_list("granted", flat=True)) == [True, False]
    assert consent_granted(customer, MARKETING) is False


def test_repeating_the_current_answer_writes_nothing(customer):
    consent_set(customer=customer, category=REMINDERS, granted=True, source="app")
    consent_set(customer=customer, category=REMINDERS, granted=True, source="paper form")

    assert ConsentRecord.objects.count() == 1
    assert AuditEntry.objects.count() == 1


def test_categories_are_independent(customer):
    consent_set(customer=customer, category=MARKETING, granted=False, source="app")
    consent_set(customer=customer, category=REMINDERS, granted=True, source="app")

    assert consent_granted(customer, MARKETING) is False
    assert consent_granted(customer, REMINDERS) is True


def test_missing_answer_means_not_granted_but_safety_is_always_granted(customer):
    assert consent_granted(customer, MARKETING) is False
    assert consent_granted(customer, REMINDERS) is False
    assert consent_granted(customer, SAFETY) is True


def test_refusing_safety_is_refused(customer):
    with pytest.raises(ValidationError) as exc:
        consent_set(customer=customer, category=SAFETY, granted=False, source="app")

    assert exc.value.error_dict["category"][0].code == "safety_not_refusable"
    assert not CustomerConsent.objects.exists()
    assert not ConsentRecord.objects.exists()
    assert consent_granted(customer, SAFETY) is True


@pytest.mark.parametrize(("category", "source", "field"), [("spam", "app", "category"), (MARKETING, "  ", "source")])
def test_bad_input_is_a_field_error(customer, category, source, field):
    with pytest.raises(ValidationError) as exc:
        consent_set(customer=customer, category=category, granted=True, source=source)
    assert field in exc.value.message_dict
    assert not ConsentRecord.objects.exists()


def test_opt_out_token_round_trip(customer):
    consent_set(customer=customer, category=MARKETING, granted=True, source="app")
    token = consent_opt_out_token(customer, MARKETING)

    consent = consent_opt_out_by_token(token, evidence="clicked from 203.0.113.5")

    assert consent.granted is False and consent.category == MARKETING
    assert consent_granted(customer, MARKETING) is False
    record = ConsentRecord.objects.order_by("-id").first()
    assert (record.granted, record.source, record.recorded_by) == (False, "one-click opt-out", None)
    assert record.evidence == "clicked from 203.0.113.5"
    entry = AuditEntry.objects.get(action="consent.opt_out")
    assert entry.actor is None and entry.data["category"] == "marketing"
    # Clicking the link again still works and changes nothing.
    assert consent_opt_out_by_token(token).granted is False
    assert ConsentRecord.objects.count() == 2


def test_opt_out_token_is_per_customer_and_category(customer):
    other = CustomerFactory(company=customer.company)
    tokens = {
        consent_opt_out_token(customer, MARKETING),
        consent_opt_out_token(customer, REMINDERS),
        consent_opt_out_token(other, MARKETING),
    }
    assert len(tokens) == 3
    consent_set(customer=other, category=MARKETING, granted=True, source="app")
    consent_opt_out_by_token(consent_opt_out_token(customer, MARKETING))
    assert consent_granted(other, MARKETING) is True


def _tamper(token: str) -> str:
    # Swap the customer id inside the signed payload, keeping the old signature.
    payload, _, signature = token.rpartition(":")
    return payload[:-1] + ("A" if payload[-1] != "A" else "B") + ":" + signature


@pytest.mark.parametrize("make_bad", [_tamper, lambda t: t[:-2], lambda t: "", lambda t: "not-a-token"])
def test_tampered_or_garbage_token_is_refused(customer, make_bad):
    consent_set(customer=customer, category=MARKETING, granted=True, source="app")
    with pytest.raises(ValidationError) as exc:
        consent_opt_out_by_token(make_bad(consent_opt_out_token(customer, MARKETING)))
    assert exc.value.code == "invalid_token"
    assert consent_granted(customer, MARKETING) is True


def test_token_of_a_deleted_customer_is_refused(customer):
    token = consent_opt_out_token(customer, MARKETING)
    customer.delete()
    with pytest.raises(ValidationError):
        consent_opt_out_by_token(token)


def test_no_opt_out_token_for_safety(customer):
    with pytest.raises(ValueError, match="no opt-out"):
        consent_opt_out_token(customer, SAFETY)


def test_consent_granted_exists_filters_vehicles_in_sql(django_assert_num_queries):
    yes, no, unknown = VehicleFactory(), VehicleFactory(), VehicleFactory()
    consent_set(customer=yes.customer, category=MARKETING, granted=True, source="app")
    consent_set(customer=no.customer, category=MARKETING, granted=False, source="app")

    with django_assert_num_queries(1):
        found = list(Vehicle.objects.filter(consent_granted_exists(MARKETING)).values_list("pk", flat=True))

    assert found == [yes.pk]
    assert unknown.pk not in found
    with pytest.raises(ValueError):
        consent_granted_exists(SAFETY)
