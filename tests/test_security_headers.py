"""Content-Security-Policy on every page, beside the headers we already sent (issue 12 point 4).
The browser test (tests/browser/test_csp.py) checks that no page logs a violation."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

pytestmark = pytest.mark.django_db
TEMPLATES = Path(__file__).resolve().parent.parent / "templates"


def _policy(response) -> dict[str, list[str]]:
    return {d.split()[0]: d.split()[1:] for d in response["Content-Security-Policy"].split(";") if d.strip()}


def test_pages_send_a_policy_without_inline_script_and_keep_the_other_headers(client):
    response = client.get("/accounts/login/")
    policy = _policy(response)
    assert policy["default-src"] == ["'self'"]
    assert "'unsafe-inline'" not in policy["script-src"] and "'unsafe-eval'" not in policy["script-src"]
    assert policy["frame-ancestors"] == ["'none'"] and policy["object-src"] == ["'none'"]
    assert response["X-Frame-Options"] == "DENY"
    assert response["Referrer-Policy"] == "same-origin"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Cross-Origin-Opener-Policy"] == "same-origin"


def test_the_api_docs_style_carries_the_nonce_and_load_their_script_from_a_file(client):
    response = client.get("/api/docs/")
    nonce = re.search(r"'nonce-([^']+)'", response["Content-Security-Policy"]).group(1)
    html = response.content.decode()
    assert f'<style nonce="{nonce}">' in html
    assert re.search(r"<script>\s*\S", html) is None  # no inline script
    assert client.get("/api/docs/", {"script": ""}).status_code == 200


def test_no_template_has_an_inline_event_handler():
    handlers = re.compile(r"<[^>]+\son[a-z]+\s*=", re.IGNORECASE)
    found = [str(p.relative_to(TEMPLATES)) for p in TEMPLATES.rglob("*.html") if handlers.search(p.read_text())]
    assert found == []
