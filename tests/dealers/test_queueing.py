"""A management command run without a broker (`make manage ARGS=seed_demo` with no `make run`):
one warning line, no traceback, and the task kept for the sweep (issue 12)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from dealers.models import UnpublishedTask
from tests.gunicorn_harness import free_port, this_test_database_url

ROOT = Path(__file__).resolve().parent.parent.parent
QUEUE_TWO = (
    "from django.db import transaction; from dealers.services.queueing import task_queue_on_commit\n"
    "with transaction.atomic():\n"
    "    task_queue_on_commit('notifications.tasks.send_due_deliveries')\n"
    "    task_queue_on_commit('notifications.reply_process', 41)\n"
    "print('done')"
)


@pytest.mark.django_db(transaction=True)
def test_a_command_without_a_broker_prints_one_warning_line_and_loses_nothing():
    env = {k: v for k, v in os.environ.items() if not k.startswith(("DJANGO_", "CELERY_"))}
    env |= {"DATABASE_URL": this_test_database_url(), "CELERY_BROKER_URL": f"redis://127.0.0.1:{free_port()}/0"}
    done = subprocess.run([sys.executable, "manage.py", "shell", "-c", QUEUE_TWO], cwd=ROOT, env=env,
                          capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip().splitlines()[-1] == "done"
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1, done.stderr
    assert "WARNING" in lines[0] and "Celery broker unavailable" in lines[0]
    assert sorted(UnpublishedTask.objects.values_list("name", flat=True)) == [
        "notifications.reply_process", "notifications.tasks.send_due_deliveries",
    ]
