"""Which actions the front desk is offered on an appointment (vehicles.selectors.appointments):
a page shows a button only when the action would be accepted."""

from __future__ import annotations

from django import template

from vehicles.models import Appointment
from vehicles.selectors.appointments import appointment_actions

register = template.Library()


@register.filter
def allowed_actions(appointment: Appointment) -> frozenset[str]:
    """{% with actions=a|allowed_actions %}{% if "no_show" in actions %}…"""
    return appointment_actions(appointment)
