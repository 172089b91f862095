"""Admin for appointments and the bays they hold: read-only. Appointments change state only
through the services (confirm / propose / cancel tell the owner; see
notifications.services.appointment_notices), which the portal calls.

Imported from vehicles/admin/vehicles.py.
"""

from django.contrib import admin

from dealers.admin.readonly import ReadOnlyAdminMixin
from vehicles.models import Appointment


@admin.register(Appointment)
class AppointmentAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = ["starts_at", "store", "vehicle", "work_type", "state", "due_kind", "due_event_date", "created_at"]
    list_filter = ["state", "due_kind"]
    search_fields = ["vehicle__chassis_number", "vehicle__plate_search", "store__name"]
    list_select_related = ["store", "vehicle", "work_type"]
    date_hierarchy = "starts_at"
    show_full_result_count = False
