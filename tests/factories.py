"""factory_boy factories for the domain; realistic Japanese values."""

from __future__ import annotations

import datetime as dt

import factory
from django.utils import timezone

from dealers.models import CallCenterDesk, DealerCompany, Role, Store, StoreHours, User
from vehicles.models import Contract, Customer, Vehicle


class DealerCompanyFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = DealerCompany

    code = factory.Sequence(lambda n: f"dealer{n}")
    name = factory.Sequence(lambda n: f"トヨタ販売{n}株式会社")
    postal_address = "東京都港区芝浦1-1-1"
    phone = "03-1234-5678"
    complaints_contact = "support@dealer.example.jp"


class StoreFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Store
        skip_postgeneration_save = True

    company = factory.SubFactory(DealerCompanyFactory)
    code = factory.Sequence(lambda n: f"S{n:03d}")
    name = factory.Sequence(lambda n: f"品川店{n}")
    prefecture = "東京都"
    address = "東京都品川区東品川2-2-2"
    phone = "03-9876-5432"

    @factory.post_generation
    def with_hours(self, create, extracted, **kwargs):
        """Open 10:00–18:00 Tuesday to Sunday (closed Mondays) unless with_hours=False."""
        if create and extracted is not False:
            StoreHours.objects.bulk_create(
                StoreHours(store=self, weekday=wd, opens_at=dt.time(10), closes_at=dt.time(18)) for wd in range(1, 7)
            )


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User
        skip_postgeneration_save = True

    email = factory.Sequence(lambda n: f"user{n}@example.jp")
    name = factory.Sequence(lambda n: f"利用者{n}")
    role = Role.OWNER
    password = factory.PostGenerationMethodCall("set_password", "pw-for-tests-123")

    @factory.post_generation
    def _save(self, create, extracted, **kwargs):
        if create:
            self.save()


class CompanyAdminFactory(UserFactory):
    role = Role.COMPANY_ADMIN
    company = factory.SubFactory(DealerCompanyFactory)


class StoreStaffFactory(UserFactory):
    role = Role.STORE_STAFF
    store = factory.SubFactory(StoreFactory)
    company = factory.SelfAttribute("store.company")


class CallCenterDeskFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = CallCenterDesk

    name = "e-Careコールセンター"


class CallCenterAgentFactory(UserFactory):
    role = Role.CALL_CENTER
    desk = factory.SubFactory(CallCenterDeskFactory)


class CustomerFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Customer

    company = factory.SubFactory(DealerCompanyFactory)
    name = factory.Sequence(lambda n: f"山田 太郎{n}")
    name_kana = "ヤマダ タロウ"
    email = factory.Sequence(lambda n: f"owner{n}@example.jp")
    phone = factory.Sequence(lambda n: f"090-0000-{n % 10000:04d}")


class VehicleFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Vehicle

    company = factory.SubFactory(DealerCompanyFactory)
    customer = factory.SubFactory(CustomerFactory, company=factory.SelfAttribute("..company"))
    chassis_number = factory.Sequence(lambda n: f"ZVW30-{1000000 + n:07d}")
    model_code = "ZVW30"
    car_name = "プリウス"
    plate_region = "品川"
    plate_class = "330"
    plate_kana = "さ"
    plate_serial = factory.Sequence(lambda n: n % 9999 + 1)
    plate_display = factory.LazyAttribute(lambda o: f"{o.plate_region} {o.plate_class} {o.plate_kana} {o.plate_serial}")
    first_registration_year = 2022
    first_registration_month = 5
    shaken_expiry = dt.date(2027, 4, 30)


class ContractFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Contract

    vehicle = factory.SubFactory(VehicleFactory)
    starts_on = factory.LazyFunction(lambda: timezone.localdate() - dt.timedelta(days=365))


class PlatformAdminFactory(UserFactory):
    role = Role.PLATFORM_ADMIN
    is_staff = True


class InvitationFactory(factory.django.DjangoModelFactory):
    """An open staff invitation (store staff of a store of the company)."""

    class Meta:
        model = "dealers.Invitation"

    company = factory.SubFactory(DealerCompanyFactory)
    email = factory.Sequence(lambda n: f"invitee{n}@example.jp")
    role = Role.STORE_STAFF
    store = factory.SubFactory(StoreFactory, company=factory.SelfAttribute("..company"))
    invited_by = factory.SubFactory(CompanyAdminFactory, company=factory.SelfAttribute("..company"))
    expires_at = factory.LazyFunction(lambda: timezone.now() + dt.timedelta(days=7))
