"""Django admin for vehicles, contracts, registrations and DCM credentials.

Changes that carry rules go through the services, so admin edits leave the same history
and audit entries as the portal: the remote-maintenance store through
vehicle_register_store, contracts through contract_activate / contract_set_terms /
contract_set_status, credentials through vehicles.services.credentials. The other vehicle-layer admins
are in the sibling modules of this package.
"""

from __future__ import annotations

import unicodedata

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import ValidationError
from django.db.models import QuerySet
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from dealers.admin.companies import StoreAdmin
from dealers.admin.readonly import ReadOnlyAdminMixin
from dealers.models import Store
from vehicles.models import Contract, ContractStatus, ServiceAvailability, StoreRegistration, Vehicle, VehicleCredential
from vehicles.parsing.chassis import normalize_chassis_number
from vehicles.parsing.plate import plate_search_key
from vehicles.services import (
    contract_activate,
    contract_set_status,
    contract_set_terms,
    phone_normalise,
    store_check_registrable,
    store_leave_remote_maintenance,
    vehicle_register_store,
    vehicle_unregister_store,
)
from vehicles.services.credentials import credential_issue, credential_revoke_all

# Each rotation shows its token in a message; keep the page (and the message store) small.
MAX_ROTATIONS_PER_ACTION = 20
_TERMS = ("starts_on", "ends_on", "remote_maintenance", "ecare")


# --- Stores: leaving remote maintenance ends the registrations (vehicles layer) ----------

admin.site.unregister(Store)


@admin.register(Store)
class StoreWithRegistrationsAdmin(StoreAdmin):
    actions = [*StoreAdmin.actions, "leave_remote_maintenance"]

    @admin.action(description=_("Stop taking part in remote maintenance (ends the cars' registrations)"))
    def leave_remote_maintenance(self, request, queryset):
        ended = sum(store_leave_remote_maintenance(store=s, actor=request.user) for s in queryset)
        self.message_user(
            request,
            ngettext("%d registration ended.", "%d registrations ended.", ended) % ended,
            messages.SUCCESS,
        )


# --- Contracts ---------------------------------------------------------------------------


def _contract_save(*, vehicle: Vehicle, data: dict, actor) -> tuple[Contract, bool, list[str]]:
    """Apply an admin form's contract data through the services: (contract, created, changed)."""
    existing = Contract.objects.filter(vehicle=vehicle).first()
    terms = {name: data[name] for name in _TERMS}
    if existing is None:
        contract = contract_activate(vehicle=vehicle, actor=actor, **terms)
        if data["status"] != ContractStatus.ACTIVE:
            contract_set_status(contract=contract, status=data["status"], actor=actor)
        return contract, True, []
    changed = [name for name in _TERMS if getattr(existing, name) != terms[name]]
    if changed:
        existing = contract_set_terms(contract=existing, actor=actor, **terms)
    if existing.status != data["status"]:
        changed.append("status")
        existing = contract_set_status(contract=existing, status=data["status"], actor=actor)
    return existing, False, changed


class ContractInline(admin.StackedInline):
    model = Contract
    fields = ["status", "starts_on", "ends_on", "remote_maintenance", "ecare"]
    extra = 0
    max_num = 1
    can_delete = False


class StoreRegistrationInline(ReadOnlyAdminMixin, admin.TabularInline):
    model = StoreRegistration
    fields = ["store", "registered_at", "ended_at", "registered_by"]
    extra = 0

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("store", "registered_by")


@admin.register(Contract)
class ContractAdmin(admin.ModelAdmin):
    list_display = ["vehicle", "status", "starts_on", "ends_on", "remote_maintenance", "ecare"]
    list_filter = ["status", "remote_maintenance", "ecare", "vehicle__company"]
    search_fields = ["vehicle__chassis_number", "vehicle__plate_search", "vehicle__customer__name"]
    list_select_related = ["vehicle"]
    raw_id_fields = ["vehicle"]

    def get_readonly_fields(self, request, obj=None):
        return ["vehicle"] if obj is not None else []

    def save_model(self, request, obj, form, change):
        vehicle = obj.vehicle if change else form.cleaned_data["vehicle"]
        contract, _created, _changed = _contract_save(vehicle=vehicle, data=form.cleaned_data, actor=request.user)
        obj.pk, obj._state.adding = contract.pk, False


# --- Vehicles ----------------------------------------------------------------------------


class VehicleAdminForm(forms.ModelForm):
    class Meta:
        model = Vehicle
        # Every editable field, so fields added to Vehicle later appear without an edit here.
        fields = [f.name for f in Vehicle._meta.fields if f.editable and not f.primary_key]

    def clean_chassis_number(self):
        return normalize_chassis_number(self.cleaned_data.get("chassis_number"))

    def clean(self):
        super().clean()
        cleaned = self.cleaned_data
        store, company = cleaned.get("store"), cleaned.get("company")
        if store is not None and company is not None and store.pk != self.initial.get("store"):
            try:
                store_check_registrable(store=store, company_id=company.pk)
            except ValidationError as exc:
                self.add_error("store", exc)
        elif store is not None and company is not None and store.company_id != company.pk:
            self.add_error("store", _("The remote-maintenance store must belong to the vehicle's company."))
        return cleaned


@admin.register(Vehicle)
class VehicleAdmin(admin.ModelAdmin):
    form = VehicleAdminForm
    list_display = [
        "chassis_number",
        "car_name",
        "model_code",
        "plate_display",
        "company",
        "store",
        "customer",
        "equipment",
        "contract_status",
        "shaken_expiry",
    ]
    list_filter = [
        "company",
        "store",
        "equipment",
        "contract__status",
        "vehicle_class",
        "use",
        "obd_inspection_target",
        "third_party_obd_device",
    ]
    search_fields = [
        "chassis_number",
        "plate_search",
        "plate_display",
        "model_code",
        "car_name",
        "customer__name",
        "customer__name_kana",
        "customer__phone",
    ]
    list_select_related = ["company", "store", "customer", "contract"]
    raw_id_fields = ["customer"]
    autocomplete_fields = ["company", "store"]
    readonly_fields = ["plate_search", "created_at", "updated_at"]
    inlines = [ContractInline, StoreRegistrationInline]
    actions = ["unregister_store", "rotate_credentials", "revoke_credentials"]
    show_full_result_count = False

    @admin.display(description=_("contract"), ordering="contract__status")
    def contract_status(self, obj: Vehicle) -> str:
        contract = getattr(obj, "contract", None)
        return contract.get_status_display() if contract is not None else "—"

    def get_search_results(self, request, queryset, search_term):
        """Full-width input is searched as half-width; the whole term also matches as a plate
        key (品川 330 さ 12-34) or as a phone number however it was typed."""
        search_term = unicodedata.normalize("NFKC", search_term)
        results, may_have_duplicates = super().get_search_results(request, queryset, search_term)
        extra = queryset.none()
        plate_key = plate_search_key(search_term)
        if plate_key and plate_key != search_term:
            extra |= queryset.filter(plate_search__contains=plate_key)
        try:
            phone = phone_normalise(search_term)
        except ValidationError:
            phone = ""
        if phone:
            extra |= queryset.filter(customer__phone=phone)
        return results | extra, may_have_duplicates

    def save_model(self, request, obj, form, change):
        """Save the vehicle without its store, then change the store through the service."""
        wanted = form.cleaned_data.get("store")
        plate = f"{obj.plate_region}{obj.plate_class}{obj.plate_kana}{obj.plate_serial or ''}"
        obj.plate_search = plate_search_key(plate)
        if change:
            # Only what the form edits: fields kept by services (e.g. the store) stay untouched.
            fields = [name for name in form.cleaned_data if name != "store"]
            obj.save(update_fields=[*fields, "plate_search", "updated_at"])
        else:
            obj.store = None
            obj.save()
        current = Vehicle.objects.filter(pk=obj.pk).values_list("store_id", flat=True).get()
        if wanted is not None and wanted.pk != current:
            vehicle_register_store(vehicle=obj, store=wanted, actor=request.user)
        elif wanted is None and current is not None:
            vehicle_unregister_store(vehicle=obj, actor=request.user)
        else:
            obj.store_id = current

    def save_formset(self, request, form, formset, change):
        if formset.model is not Contract:
            return super().save_formset(request, form, formset, change)
        formset.new_objects, formset.changed_objects, formset.deleted_objects = [], [], []
        for contract_form in formset.forms:
            if not contract_form.has_changed():
                continue
            contract, created, changed = _contract_save(
                vehicle=formset.instance, data=contract_form.cleaned_data, actor=request.user
            )
            if created:
                formset.new_objects.append(contract)
            elif changed:
                formset.changed_objects.append((contract, changed))
        return None

    @admin.action(description=_("Unregister the remote-maintenance store"))
    def unregister_store(self, request, queryset: QuerySet[Vehicle]):
        ended = sum(vehicle_unregister_store(vehicle=v, actor=request.user) is not None for v in queryset)
        self.message_user(request, ngettext("%d registration ended.", "%d registrations ended.", ended) % ended)

    @admin.action(description=_("Issue a new DCM credential (rotate)"))
    def rotate_credentials(self, request, queryset: QuerySet[Vehicle]):
        _rotate(self, request, list(queryset[: MAX_ROTATIONS_PER_ACTION + 1]))

    @admin.action(description=_("Revoke all DCM credentials"))
    def revoke_credentials(self, request, queryset: QuerySet[Vehicle]):
        _revoke(self, request, list(queryset))


def _rotate(model_admin: admin.ModelAdmin, request, vehicles: list[Vehicle]) -> None:
    if len(vehicles) > MAX_ROTATIONS_PER_ACTION:
        model_admin.message_user(
            request, _("Rotate at most %d vehicles at a time.") % MAX_ROTATIONS_PER_ACTION, messages.ERROR
        )
        return
    for vehicle in vehicles:
        issued = credential_issue(vehicle=vehicle, actor=request.user)
        model_admin.message_user(
            request,
            _("New credential for %(vehicle)s: %(token)s — copy it now, it is not shown again.")
            % {"vehicle": vehicle.chassis_number, "token": issued.token},
            messages.WARNING,
        )


def _revoke(model_admin: admin.ModelAdmin, request, vehicles: list[Vehicle]) -> None:
    revoked = sum(credential_revoke_all(vehicle=v, actor=request.user) for v in vehicles)
    model_admin.message_user(
        request, ngettext("%d credential revoked.", "%d credentials revoked.", revoked) % revoked, messages.SUCCESS
    )


@admin.register(StoreRegistration)
class StoreRegistrationAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = ["vehicle", "store", "registered_at", "ended_at", "registered_by"]
    list_filter = ["store__company", ("ended_at", admin.EmptyFieldListFilter)]
    search_fields = ["vehicle__chassis_number", "store__name", "store__code"]
    list_select_related = ["vehicle", "store", "registered_by"]
    date_hierarchy = "registered_at"
    show_full_result_count = False


@admin.register(ServiceAvailability)
class ServiceAvailabilityAdmin(admin.ModelAdmin):
    list_display = ["model_code", "equipment", "remote_maintenance", "ecare"]
    list_editable = ["remote_maintenance", "ecare"]
    list_filter = ["equipment", "remote_maintenance", "ecare"]
    search_fields = ["model_code"]


@admin.register(VehicleCredential)
class VehicleCredentialAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    """Only the key id and dates are shown; the secret exists only as a hash."""

    list_display = ["key_id", "vehicle", "created_at", "expires_at", "revoked_at", "last_used_at"]
    list_filter = [("revoked_at", admin.EmptyFieldListFilter), ("expires_at", admin.EmptyFieldListFilter)]
    search_fields = ["key_id", "vehicle__chassis_number"]
    list_select_related = ["vehicle"]
    exclude = ["secret_hash"]
    actions = ["rotate", "revoke_all"]

    def _vehicles(self, queryset: QuerySet[VehicleCredential]) -> list[Vehicle]:
        return list(Vehicle.objects.filter(pk__in=queryset.values("vehicle_id")).order_by("pk"))

    @admin.action(description=_("Rotate: issue a new credential for these vehicles"))
    def rotate(self, request, queryset):
        _rotate(self, request, self._vehicles(queryset)[: MAX_ROTATIONS_PER_ACTION + 1])

    @admin.action(description=_("Revoke all credentials of these vehicles"))
    def revoke_all(self, request, queryset):
        _revoke(self, request, self._vehicles(queryset))
