"""LOG_FORMAT=json: one JSON object a line, with the request id (also the X-Request-ID header)
and the Celery task id."""

from __future__ import annotations

import io
import json
import logging
import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.test import Client

from tconnect.celery import app
from tconnect.logs import JsonFormatter

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def json_lines():
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.setFormatter(JsonFormatter())
    probe = logging.getLogger("tconnect.probe")
    probe.addHandler(handler)
    probe.setLevel(logging.INFO)
    yield probe, lambda: [json.loads(line) for line in stream.getvalue().splitlines()]
    probe.removeHandler(handler)


@app.task(name="tests.operations.log_probe")
def _log_probe() -> None:
    logging.getLogger("tconnect.probe").info("inside the task", extra={"vehicle_id": 7})


def test_a_log_line_written_during_a_request_carries_its_id():
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.setFormatter(JsonFormatter())
    django_request = logging.getLogger("django.request")  # logs "Not Found: …" inside the request
    django_request.addHandler(handler)
    try:
        response = Client().get("/no-such-page/")
    finally:
        django_request.removeHandler(handler)
    line = json.loads(stream.getvalue().splitlines()[-1])
    assert response.status_code == 404
    assert line["message"] == "Not Found: /no-such-page/"
    assert line["request_id"] == response["X-Request-ID"] and len(line["request_id"]) == 32
    assert line["task_id"] == "" and line["level"] == "WARNING" and line["logger"] == "django.request"
    assert line["status_code"] == 404  # an `extra` field of Django's own


def test_an_incoming_request_id_is_kept_and_a_strange_one_replaced():
    assert Client().get("/healthz", HTTP_X_REQUEST_ID="lb-0123456789abcdef")["X-Request-ID"] == "lb-0123456789abcdef"
    replaced = Client().get("/healthz", HTTP_X_REQUEST_ID="<script>\n")["X-Request-ID"]
    assert replaced != "<script>\n" and len(replaced) == 32


def test_a_log_line_written_in_a_task_carries_the_task_id(json_lines):
    _probe, lines = json_lines
    _log_probe.apply(task_id="0f6c-task-id")
    line = lines()[-1]
    assert (line["message"], line["task_id"], line["task"]) == ("inside the task", "0f6c-task-id", "tests.operations.log_probe")
    assert line["vehicle_id"] == 7 and line["request_id"] == ""


def test_exceptions_are_one_json_line_too(json_lines):
    probe, lines = json_lines
    try:
        raise ValueError("bad input")
    except ValueError:
        probe.exception("failed")
    (line,) = lines()
    assert "ValueError: bad input" in line["exception"]


def test_log_format_json_configures_the_console_handler_and_a_bad_value_stops_start_up():
    env = {**os.environ, "LOG_FORMAT": "json", "DJANGO_SETTINGS_MODULE": "tconnect.settings"}
    code = "import django, logging; django.setup(); logging.getLogger('x').warning('hello %s', 'world')"
    result = subprocess.run([sys.executable, "-c", code], cwd=ROOT, env=env, capture_output=True, text=True, timeout=60)
    line = json.loads(result.stderr.strip().splitlines()[-1])
    assert (line["message"], line["level"], line["request_id"], line["task_id"]) == ("hello world", "WARNING", "", "")
    bad = subprocess.run([sys.executable, "-c", code], cwd=ROOT, env={**env, "LOG_FORMAT": "xml"}, capture_output=True,
                         text=True, timeout=60)
    assert bad.returncode != 0 and "LOG_FORMAT must be plain or json" in bad.stderr
