from django.core.validators import MaxValueValidator, MinValueValidator, RegexValidator
from django.db import models
from django.utils.translation import gettext_lazy as _

phone_validator = RegexValidator(r"^[0-9+\-() ]{6,20}$", _("Enter a phone number such as 03-1234-5678."))


class DealerCompany(models.Model):
    """販売会社: the tenant. Everything a dealer sees is rooted here."""

    code = models.SlugField(_("code"), max_length=32, unique=True)
    name = models.CharField(_("name"), max_length=120)
    # Sender block required in every advertising mail (特定電子メール法).
    postal_address = models.CharField(_("postal address"), max_length=200)
    phone = models.CharField(_("phone"), max_length=20, validators=[phone_validator])
    complaints_contact = models.CharField(
        _("contact for complaints"), max_length=200, help_text=_("E-mail address or phone for mail complaints.")
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        verbose_name = _("dealer company")
        verbose_name_plural = _("dealer companies")
        ordering = ["code"]

    def __str__(self) -> str:
        return self.name


class Store(models.Model):
    """店舗. A car's remote-maintenance store must take part (seed note 3)."""

    company = models.ForeignKey(DealerCompany, on_delete=models.PROTECT, related_name="stores", verbose_name=_("company"))
    code = models.CharField(_("store code"), max_length=32)
    name = models.CharField(_("name"), max_length=120)
    prefecture = models.CharField(_("prefecture"), max_length=8)
    address = models.CharField(_("address"), max_length=200)
    phone = models.CharField(_("phone"), max_length=20, validators=[phone_validator])
    participates_in_remote_maintenance = models.BooleanField(_("takes part in remote maintenance"), default=True)
    # Domain §6: national holidays are usually business days for dealers.
    closed_on_national_holidays = models.BooleanField(_("closed on national holidays"), default=False)
    service_bays = models.PositiveSmallIntegerField(
        _("service bays"), default=2, validators=[MinValueValidator(0), MaxValueValidator(50)]
    )
    slot_minutes = models.PositiveSmallIntegerField(
        _("slot length (minutes)"), default=60, validators=[MinValueValidator(15), MaxValueValidator(480)]
    )
    # Cars left for the day (a work type that occupies a day, e.g. shaken): how many a day.
    day_places = models.PositiveSmallIntegerField(
        _("cars left for the day (per day)"), default=2, validators=[MinValueValidator(0), MaxValueValidator(100)]
    )
    is_active = models.BooleanField(_("active"), default=True)

    class Meta:
        verbose_name = _("store")
        verbose_name_plural = _("stores")
        ordering = ["company_id", "code"]
        constraints = [models.UniqueConstraint(fields=["company", "code"], name="store_code_unique_per_company")]

    def __str__(self) -> str:
        return self.name


class CallCenterDesk(models.Model):
    """The e-Care call center desk that answers when a store is closed (it has its own hours)."""

    name = models.CharField(_("name"), max_length=120)
    companies = models.ManyToManyField(DealerCompany, related_name="call_center_desks", verbose_name=_("companies served"))
    opens_at = models.TimeField(_("opens at"), default="09:00")
    closes_at = models.TimeField(_("closes at"), default="18:00")
    open_every_day = models.BooleanField(_("open every day"), default=True)

    class Meta:
        verbose_name = _("call-center desk")
        verbose_name_plural = _("call-center desks")

    def __str__(self) -> str:
        return self.name
