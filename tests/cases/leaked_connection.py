"""Run by tests/test_test_databases.py in a pytest of its own (the name keeps the main run from
collecting it): a test that leaves another client connected to its test database."""

from __future__ import annotations

import os
from pathlib import Path

import psycopg
import pytest
from django.db import connection

from tests.gunicorn_harness import this_test_database_url

LEAKED: list[psycopg.Connection] = []


@pytest.mark.django_db
def test_leaves_a_connection_open():
    LEAKED.append(psycopg.connect(this_test_database_url()))  # as a server or worker a test started
    Path(os.environ["TCONNECT_LEAK_REPORT"]).write_text(connection.settings_dict["NAME"])
