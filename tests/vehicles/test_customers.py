import pytest
from django.core.exceptions import ValidationError

from dealers.models import AuditEntry
from tests.factories import CompanyAdminFactory, CustomerFactory, DealerCompanyFactory
from vehicles.models import Customer
from vehicles.services import customer_create, customer_update, phone_normalise

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("090-1234-5678", "09012345678"),
        ("０９０−１２３４−５６７８", "09012345678"),  # full width, minus sign
        ("03 (1234) 5678", "0312345678"),
        ("+81 90-1234-5678", "09012345678"),
        ("+81 (0)3-1234-5678", "0312345678"),
        ("+44 20 7946 0958", "+442079460958"),
        ("", ""),
    ],
)
def test_phone_normalise(raw, expected):
    assert phone_normalise(raw) == expected


@pytest.mark.parametrize("raw", ["12345", "090-1234-567a", "1234567890"])
def test_phone_normalise_rejects_non_numbers(raw):
    with pytest.raises(ValidationError) as exc:
        phone_normalise(raw)
    assert "phone" in exc.value.message_dict


def test_create_normalises_and_audits_field_names_only():
    company = DealerCompanyFactory()
    alice = CompanyAdminFactory(company=company)
    customer = customer_create(
        company=company,
        actor=alice,
        name=" 佐藤 花子 ",
        email="Hanako.Sato@Example.JP",
        phone="０８０-１１１１-２２２２",
        postal_code="〒1000001",
    )

    stored = Customer.objects.get(pk=customer.pk)
    assert (stored.name, stored.email, stored.phone, stored.postal_code) == (
        "佐藤 花子",
        "hanako.sato@example.jp",
        "08011112222",
        "100-0001",
    )
    entry = AuditEntry.objects.get(action="customer.create")
    assert entry.company_id == company.pk and entry.actor == alice
    assert "hanako" not in str(entry.data).lower()  # no personal data in the audit log


def test_create_reports_every_bad_field_at_once():
    with pytest.raises(ValidationError) as exc:
        customer_create(
            company=DealerCompanyFactory(), actor=None, name="", email="not-mail", phone="12", language="fr"
        )
    assert {"name", "email", "phone"} <= set(exc.value.message_dict)
    assert not Customer.objects.exists()


def test_create_validates_model_choices():
    with pytest.raises(ValidationError) as exc:
        customer_create(company=DealerCompanyFactory(), actor=None, name="佐藤", language="fr")
    assert "language" in exc.value.message_dict


def test_update_writes_only_changed_fields():
    customer = CustomerFactory(phone="09011112222", email="a@example.jp")
    customer_update(customer=customer, actor=None, phone="090-1111-2222", email="A@example.jp")
    assert not AuditEntry.objects.exists()  # same values once normalised

    customer_update(customer=customer, actor=None, phone="090-3333-4444", address="東京都港区1-1")

    stored = Customer.objects.get(pk=customer.pk)
    assert (stored.phone, stored.address) == ("09033334444", "東京都港区1-1")
    assert AuditEntry.objects.get(action="customer.update").data == {"fields": ["phone", "address"]}


def test_update_refuses_bad_value_and_leaves_instance_unchanged():
    customer = CustomerFactory(name="山田")
    with pytest.raises(ValidationError):
        customer_update(customer=customer, actor=None, name="山" * 200)
    assert customer.name == "山田"
    assert Customer.objects.get(pk=customer.pk).name == "山田"


def test_unknown_field_is_a_programming_error():
    with pytest.raises(TypeError):
        customer_update(customer=CustomerFactory(), actor=None, company_id=1)


def test_long_vowel_mark_in_names_is_kept_but_dashes_in_phones_are_unified():
    from vehicles.services.customers import customer_fields_clean

    cleaned = customer_fields_clean({"name": "佐藤 サトー", "name_kana": "サトー", "phone": "090ー1234ー5678"})
    assert cleaned["name"] == "佐藤 サトー"
    assert cleaned["name_kana"] == "サトー"
    assert cleaned["phone"] == "09012345678"
