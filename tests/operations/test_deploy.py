"""The deploy/ folder: its environment passes `check --deploy`, its processes cover every queue,
and its files name commands that exist."""

from __future__ import annotations

import os
import re
import runpy
import subprocess
import sys
from pathlib import Path

from django.conf import settings

ROOT = Path(__file__).resolve().parents[2]
DEPLOY = ROOT / "deploy"


def _example_env() -> dict[str, str]:
    pairs = [line.split("=", 1) for line in (DEPLOY / "tconnect.env.example").read_text().splitlines()
             if line.strip() and not line.startswith("#")]
    return {key: value for key, value in pairs}


def test_check_deploy_is_clean_with_the_example_environment():
    env = {k: v for k, v in os.environ.items() if not k.startswith(("DJANGO_", "DATABASE_", "CACHE_", "CELERY_"))}
    env.update(_example_env())
    result = subprocess.run([sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
                            cwd=ROOT, env=env, capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "System check identified no issues (0 silenced)." in result.stdout


def test_the_workers_of_the_procfile_and_the_units_consume_every_routed_queue():
    routed = {route["queue"] for route in settings.CELERY_TASK_ROUTES.values()}
    procfile = (DEPLOY / "Procfile").read_text()
    consumed = {q for match in re.findall(r"celery -A tconnect worker -Q (\S+)", procfile) for q in match.split(",")}
    assert consumed == routed
    unit = (DEPLOY / "systemd" / "tconnect-worker@.service").read_text()
    assert "-Q %i" in unit
    readme = (DEPLOY / "README.md").read_text()
    assert all(f"tconnect-worker@{queue}" in readme for queue in routed)
    assert procfile.count("celery -A tconnect beat") == 1


def test_the_processes_name_commands_that_exist():
    text = (DEPLOY / "Procfile").read_text() + "".join(p.read_text() for p in (DEPLOY / "systemd").glob("*.service"))
    for command in set(re.findall(r"manage\.py (\w+)", text)):
        result = subprocess.run([sys.executable, "manage.py", command, "--help"], cwd=ROOT, capture_output=True, timeout=120)
        assert result.returncode == 0, command
    assert "tconnect.wsgi" in text and (ROOT / "tconnect" / "wsgi.py").exists()
    assert "deploy/gunicorn.conf.py" in text


def test_the_gunicorn_settings_load_and_clean_up_multiprocess_figures(tmp_path, monkeypatch):
    config = runpy.run_path(str(DEPLOY / "gunicorn.conf.py"))
    assert config["worker_class"] == "sync" and config["workers"] >= 2
    monkeypatch.setenv("PROMETHEUS_MULTIPROC_DIR", str(tmp_path))
    (tmp_path / "gauge_livesum_4242.db").write_bytes(b"")
    config["child_exit"](None, type("Worker", (), {"pid": 4242})())
    assert not (tmp_path / "gauge_livesum_4242.db").exists()


def test_nginx_keeps_metrics_private_and_passes_the_request_id_and_scheme():
    nginx = (DEPLOY / "nginx.conf").read_text()
    assert "location = /metrics { return 404; }" in nginx
    assert "proxy_set_header X-Request-ID $request_id;" in nginx
    assert "proxy_set_header X-Forwarded-Proto $scheme;" in nginx
    assert _example_env()["BEHIND_TLS_PROXY"] == "1"
