from django.conf import settings
from django.contrib.postgres.indexes import GinIndex, OpClass
from django.db import models
from django.db.models import F
from django.utils.translation import gettext_lazy as _

from dealers.models import DealerCompany
from vehicles.models.search_keys import digits_only, without_spaces


class Customer(models.Model):
    """A car owner or user, as a dealer company knows them (personal data: APPI)."""

    company = models.ForeignKey(DealerCompany, on_delete=models.PROTECT, related_name="customers", verbose_name=_("company"))
    name = models.CharField(_("name"), max_length=120)
    name_kana = models.CharField(_("name (kana)"), max_length=120, blank=True)
    email = models.EmailField(_("e-mail"), blank=True)
    phone = models.CharField(_("phone"), max_length=20, blank=True, db_index=True)
    postal_code = models.CharField(_("postal code"), max_length=8, blank=True)
    prefecture = models.CharField(_("prefecture"), max_length=8, blank=True)
    address = models.CharField(_("address"), max_length=200, blank=True)
    language = models.CharField(_("language"), max_length=5, choices=[("ja", "日本語"), ("en", "English")], default="ja")
    # The owner's MyTOYOTA+ app account, when they have one.
    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="customer", verbose_name=_("app account")
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        verbose_name = _("customer")
        verbose_name_plural = _("customers")
        ordering = ["id"]
        indexes = [
            models.Index(fields=["company", "name"], name="customer_company_name_idx"),
            # Staff search by owner name (kanji or kana) and phone (vehicles.selectors.search).
            GinIndex(OpClass(without_spaces("name"), name="gin_trgm_ops"), name="customer_name_trgm_idx"),
            GinIndex(OpClass(without_spaces("name_kana"), name="gin_trgm_ops"), name="customer_kana_trgm_idx"),
            GinIndex(OpClass(digits_only("phone"), name="gin_trgm_ops"), name="customer_phone_trgm_idx"),
            # One or two characters (a surname) hold no trigram: matched at the start instead,
            # within the company, from the index alone (佐藤: 19,000 of a company's customers).
            models.Index(F("company"), OpClass(without_spaces("name"), name="text_pattern_ops"),
                         include=["id"], name="customer_name_prefix_idx"),
            models.Index(F("company"), OpClass(without_spaces("name_kana"), name="text_pattern_ops"),
                         include=["id"], name="customer_kana_prefix_idx"),
        ]

    def __str__(self) -> str:
        return self.name


class ConsentCategory(models.TextChoices):
    """Consent is kept per category (domain §5)."""

    MARKETING = "marketing", _("Marketing (dealer events)")
    REMINDERS = "reminders", _("Service reminders")
    SAFETY = "safety", _("Safety (recalls, warnings, lapsed shaken)")


class CustomerConsent(models.Model):
    """Current consent per customer and category; the daily run joins this table."""

    customer = models.ForeignKey(Customer, on_delete=models.CASCADE, related_name="consents", verbose_name=_("customer"))
    category = models.CharField(_("category"), max_length=16, choices=ConsentCategory.choices)
    granted = models.BooleanField(_("granted"))
    updated_at = models.DateTimeField(_("updated at"))

    class Meta:
        verbose_name = _("consent")
        verbose_name_plural = _("consents")
        constraints = [models.UniqueConstraint(fields=["customer", "category"], name="consent_one_per_category")]

    def __str__(self) -> str:
        return f"{self.customer_id} {self.category}={self.granted}"


class ConsentRecord(models.Model):
    """Append-only evidence of each grant or refusal (kept at least a month after the last mail)."""

    customer = models.ForeignKey(Customer, on_delete=models.PROTECT, related_name="consent_records", verbose_name=_("customer"))
    category = models.CharField(_("category"), max_length=16, choices=ConsentCategory.choices)
    granted = models.BooleanField(_("granted"))
    source = models.CharField(_("how it was given"), max_length=64, help_text=_("e.g. paper form at store, app, one-click opt-out"))
    evidence = models.TextField(_("evidence"), blank=True)
    recorded_at = models.DateTimeField(_("recorded at"), auto_now_add=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+", verbose_name=_("recorded by")
    )

    class Meta:
        verbose_name = _("consent record")
        verbose_name_plural = _("consent records")
        ordering = ["-recorded_at"]

    def __str__(self) -> str:
        return f"{self.customer_id} {self.category}={self.granted} @ {self.recorded_at:%Y-%m-%d}"
