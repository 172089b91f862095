#!/usr/bin/env python
import os
import sys

if __name__ == "__main__":
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "tconnect.settings")
    from django.core.exceptions import ImproperlyConfigured

    try:
        from django.conf import settings

        settings.INSTALLED_APPS  # noqa: B018 - read settings now to report bad configuration in one line
    except ImproperlyConfigured as exc:
        sys.exit(f"configuration error: {exc}")

    from django.core.management import execute_from_command_line

    execute_from_command_line(sys.argv)
