"""Input forms of the staff pages: they type and label input; the rules live in services."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from dealers.models import DealerCompany, Role, Store


class StaffInviteForm(forms.Form):
    email = forms.EmailField(
        label=_("E-mail address"), max_length=254, widget=forms.EmailInput(attrs={"autocomplete": "off"})
    )
    role = forms.ChoiceField(
        label=_("Role"),
        choices=[(Role.STORE_STAFF.value, Role.STORE_STAFF.label), (Role.COMPANY_ADMIN.value, Role.COMPANY_ADMIN.label)],
        initial=Role.STORE_STAFF.value,
    )
    store = forms.ModelChoiceField(
        label=_("Store"),
        queryset=Store.objects.none(),
        required=False,
        help_text=_("Required for store staff. Company admins see every store."),
    )

    def __init__(self, *args, company: DealerCompany, **kwargs):
        super().__init__(*args, **kwargs)
        # Only the admin's own stores are choices: another company's store id is "not a valid choice".
        store_field = self.fields["store"]
        assert isinstance(store_field, forms.ModelChoiceField)
        store_field.queryset = Store.objects.filter(company=company, is_active=True).order_by("code")


class InvitationAcceptForm(forms.Form):
    name = forms.CharField(label=_("Your name"), max_length=120, widget=forms.TextInput(attrs={"autocomplete": "name"}))
    password = forms.CharField(
        label=_("Password"), strip=False, widget=forms.PasswordInput(attrs={"autocomplete": "new-password"})
    )
    password_confirm = forms.CharField(
        label=_("Password (again)"), strip=False, widget=forms.PasswordInput(attrs={"autocomplete": "new-password"})
    )

    def clean(self):
        data = super().clean() or {}
        if data.get("password") and data.get("password_confirm") and data["password"] != data["password_confirm"]:
            self.add_error("password_confirm", _("The two passwords do not match."))
        return data
