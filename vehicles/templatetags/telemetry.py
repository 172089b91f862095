"""Template filters for what cars report: warning codes and lamps by their names, never as codes."""

from __future__ import annotations

from django import template
from django.utils import translation

from vehicles.selectors.telemetry import lamp_label, warning_code_label

register = template.Library()


@register.filter
def warning_label(code: str) -> str:
    """lamp:charging -> 充電警告灯; P0420 stays P0420."""
    return warning_code_label(code or "")


@register.filter
def lamp_labels(lamps) -> str:
    """The lamps of a reading by name, comma-separated; "—" for none."""
    names = [lamp_label(lamp) for lamp in lamps or ()]
    if not names:
        return "—"
    return ("、" if (translation.get_language() or "ja").startswith("ja") else ", ").join(names)
