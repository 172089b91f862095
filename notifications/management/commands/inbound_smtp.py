"""Listen for reply mail: `manage.py inbound_smtp --host 127.0.0.1 --port 8025`.

Runs until SIGINT / SIGTERM. `make run` starts it; in production it sits behind the MX (or a
relay) for REPLY_DOMAIN.
"""

from __future__ import annotations

import signal
import threading

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from notifications.api.smtp import inbound_smtp_controller


def _port(value: str) -> int:
    try:
        port = int(value)
    except ValueError:
        raise CommandError(f"--port: not a number: {value!r}") from None
    if not 1 <= port <= 65535:
        raise CommandError(f"--port: out of range 1–65535: {port}")
    return port


class Command(BaseCommand):
    help = "Receive owners' reply mail for REPLY_DOMAIN and queue it for processing."

    def add_arguments(self, parser):
        parser.add_argument("--host", default="127.0.0.1", help="Address to listen on (default 127.0.0.1).")
        parser.add_argument("--port", default="8025", help="Port to listen on (default 8025).")

    def handle(self, *args, **options):
        host, port = options["host"], _port(options["port"])
        controller = inbound_smtp_controller(host=host, port=port)
        try:
            controller.start()
        except (OSError, RuntimeError) as exc:
            raise CommandError(f"cannot listen on {host}:{port}: {exc}") from None
        stop = threading.Event()
        for signum in (signal.SIGINT, signal.SIGTERM):
            signal.signal(signum, lambda *_: stop.set())
        self.stdout.write(
            f"Reply mail for @{settings.REPLY_DOMAIN} on smtp://{host}:{port} "
            f"(max {settings.INBOUND_MAIL_MAX_BYTES} bytes); Ctrl-C stops."
        )
        try:
            stop.wait()
        finally:
            controller.stop()
            controller.handler.close()
