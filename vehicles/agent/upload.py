"""Upload spooled batches to POST {api}/dcm/telemetry/ with urllib (no extra dependencies).

Retry policy: network errors, timeouts, 408, 429 and 5xx are transient and retried with
exponential backoff and jitter; a batch that still fails stays spooled for the next cycle.
400/413/422 mean this batch can never succeed: it moves to spool/rejected/ so it does not
block the queue. 401/403 mean the credential is wrong or revoked: uploading stops (every
batch would fail the same way) and nothing is dropped.
"""

from __future__ import annotations

import json
import logging
import random
import time
import urllib.error
import urllib.request
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field

from vehicles.agent.spool import Spool

log = logging.getLogger(__name__)

TRANSIENT = {408, 429}
AUTH_FAILED = {401, 403}


class CredentialRejected(Exception):
    """The server refused the vehicle credential (401/403)."""


class Offline(Exception):
    """The server could not be reached (or kept failing) after every retry."""


def batch_new(readings: list[dict], *, vin: str | None = None) -> dict:
    """A batch body with a fresh message id (the server's dedupe key)."""
    body: dict = {"message_id": uuid.uuid4().hex, "readings": readings}
    if vin:
        body["vin"] = vin
    return body


class Uploader:
    def __init__(
        self,
        api: str,
        token: str,
        *,
        timeout: float = 10.0,
        attempts: int = 4,
        backoff: float = 1.0,
        max_backoff: float = 60.0,
        sleep: Callable[[float], None] = time.sleep,
    ):
        self.url = api.rstrip("/") + "/dcm/telemetry/"
        self.token = token
        self.timeout = timeout
        self.attempts = attempts
        self.backoff = backoff
        self.max_backoff = max_backoff
        self.sleep = sleep

    def post_once(self, body: bytes) -> tuple[int, dict]:
        request = urllib.request.Request(  # noqa: S310 (the scheme is the operator's --api)
            self.url,
            data=body,
            method="POST",
            headers={
                "Content-Type": "application/json",
                "Authorization": f"Vehicle {self.token}",
                "User-Agent": "tconnect-dcm/1",
            },
        )
        try:
            with urllib.request.urlopen(request, timeout=self.timeout) as response:  # noqa: S310
                return response.status, _json(response.read())
        except urllib.error.HTTPError as error:
            return error.code, _json(error.read())

    def send(self, body: bytes) -> tuple[int, dict]:
        """POST with retries; returns the final non-transient (status, body) or raises Offline."""
        problem = ""
        for attempt in range(self.attempts):
            try:
                status, data = self.post_once(body)
            except OSError as error:  # URLError, refused, reset, timeout
                problem = str(error)
            else:
                if status < 500 and status not in TRANSIENT:
                    return status, data
                problem = f"HTTP {status}"
            if attempt + 1 < self.attempts:
                delay = min(self.max_backoff, self.backoff * 2**attempt)
                self.sleep(delay * (0.5 + random.random() / 2))  # jitter: cars must not retry in step
        raise Offline(problem)


def _json(raw: bytes) -> dict:
    try:
        data = json.loads(raw or b"{}")
    except ValueError:
        return {}
    return data if isinstance(data, dict) else {"body": data}


@dataclass
class FlushReport:
    sent: int = 0
    rejected: int = 0
    remaining: int = 0
    offline: bool = False
    warnings_opened: list[str] = field(default_factory=list)


def spool_flush(spool: Spool, uploader: Uploader) -> FlushReport:
    """Send every spooled batch, oldest first, until done or the server is unreachable."""
    report = FlushReport()
    pending = spool.pending()
    for index, path in enumerate(pending):
        try:
            status, data = uploader.send(path.read_bytes())
        except Offline as error:
            log.warning("offline (%s): %d batch(es) stay spooled", error, len(pending) - index)
            report.offline, report.remaining = True, len(pending) - index
            return report
        if 200 <= status < 300:
            spool.done(path)
            report.sent += 1
            report.warnings_opened.extend(data.get("warnings_opened", []))
        elif status in AUTH_FAILED:
            report.remaining = len(pending) - index
            raise CredentialRejected(f"HTTP {status}: {data.get('detail', '')}")
        else:
            target = spool.reject(path)
            log.error("batch refused (HTTP %d), kept in %s: %s", status, target, data)
            report.rejected += 1
    return report
