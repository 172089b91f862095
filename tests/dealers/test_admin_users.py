"""The user admin works with the e-mail login user (no username)."""

import pytest
from django.urls import reverse

from dealers.models import Role, User
from tests.adminform import form_data
from tests.auth import login_staff
from tests.factories import StoreFactory, StoreStaffFactory

pytestmark = pytest.mark.django_db

ADD = "admin:dealers_user_add"


@pytest.fixture
def root(client):
    user = User.objects.create_superuser("root@tconnect.example.jp", "pw-for-tests-123")
    login_staff(client, user)  # admin sessions pass TOTP
    return user


def _add(client, **fields):
    page = client.get(reverse(ADD))
    assert page.status_code == 200
    return client.post(reverse(ADD), form_data(page.content.decode(), fields))


def test_add_store_staff_with_lower_cased_email(client, root):
    store = StoreFactory()
    response = _add(
        client,
        email="Hanako.Sato@Dealer.Example.JP",
        name="佐藤 花子",
        role=Role.STORE_STAFF,
        company=str(store.company_id),
        store=str(store.pk),
        password1="a-long-pass-phrase-9",
        password2="a-long-pass-phrase-9",
    )

    assert response.status_code == 302, response.context["adminform"].form.errors
    user = User.objects.get(email="hanako.sato@dealer.example.jp")
    assert (user.role, user.store, user.check_password("a-long-pass-phrase-9")) == (Role.STORE_STAFF, store, True)


def test_duplicate_email_in_other_case_is_refused(client, root):
    StoreStaffFactory(email="taro@dealer.example.jp")
    response = _add(client, email="TARO@dealer.example.jp", role=Role.OWNER, usable_password="false")
    assert response.status_code == 200
    assert "email" in response.context["adminform"].form.errors


def test_role_without_its_tenant_is_a_form_error(client, root):
    response = _add(client, email="nostore@dealer.example.jp", role=Role.STORE_STAFF, usable_password="false")
    assert response.status_code == 200
    assert response.context["adminform"].form.errors
    assert not User.objects.filter(email="nostore@dealer.example.jp").exists()


def test_change_user_page_and_search(client, root):
    staff = StoreStaffFactory(email="jiro@dealer.example.jp", name="山田 次郎")
    change = reverse("admin:dealers_user_change", args=[staff.pk])

    page = client.get(change)
    assert page.status_code == 200
    response = client.post(change, form_data(page.content.decode(), {"name": "山田 二郎", "is_active": None}))

    assert response.status_code == 302, response.context["adminform"].form.errors
    staff.refresh_from_db()
    assert (staff.name, staff.is_active) == ("山田 二郎", False)
    listing = client.get(reverse("admin:dealers_user_changelist"), {"q": "jiro@"})
    assert list(listing.context["cl"].result_list) == [staff]
