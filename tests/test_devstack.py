"""`make run`'s dev stack: links in mail follow the port it serves (issue 16 point 13)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from tconnect import devstack

ROOT = Path(__file__).resolve().parent.parent
# What a process started by the dev stack would put in an opt-out link.
PRINT_LINK = (
    "import django, os; os.environ.setdefault('DJANGO_SETTINGS_MODULE', 'tconnect.settings'); django.setup(); "
    "from notifications.services.render import marketing_opt_out_url; print(marketing_opt_out_url(1))"
)


def _link_in_a_child_process() -> str:
    env = {k: v for k, v in os.environ.items() if not k.startswith("DJANGO_")}
    done = subprocess.run([sys.executable, "-c", PRINT_LINK], cwd=ROOT, env=env, capture_output=True, text=True,
                          timeout=120, check=True)
    return done.stdout.strip()


@pytest.mark.parametrize(
    ("host", "port", "expected"),
    [("127.0.0.1", "8123", "http://127.0.0.1:8123"), ("0.0.0.0", "8800", "http://127.0.0.1:8800"),  # noqa: S104
     ("::1", "8000", "http://[::1]:8000")],
)
def test_site_url_follows_the_running_port_unless_set(monkeypatch, host, port, expected):
    monkeypatch.setenv("SITE_URL", "")  # unset, and restored after the test (the function writes it)
    monkeypatch.setenv("TCONNECT_HOST", host)
    monkeypatch.setenv("TCONNECT_PORT", port)
    assert devstack.site_url_follow_port() == expected
    assert _link_in_a_child_process().startswith(f"{expected}/optout/")


def test_a_site_url_that_is_set_wins(monkeypatch):
    monkeypatch.setenv("SITE_URL", "https://portal.example.jp")
    monkeypatch.setenv("TCONNECT_PORT", "8123")
    assert devstack.site_url_follow_port() == "https://portal.example.jp"
    assert _link_in_a_child_process().startswith("https://portal.example.jp/optout/")
