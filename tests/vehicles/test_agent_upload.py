"""The agent's spool and upload policy against a scripted HTTP server (no Django in the agent)."""

from __future__ import annotations

import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from vehicles.agent.car import _answers, _decode_vin
from vehicles.agent.spool import Spool
from vehicles.agent.upload import CredentialRejected, Uploader, batch_new, spool_flush


class Scripted:
    """An HTTP server answering POSTs with the next status of a script (then 201 forever)."""

    def __init__(self, *statuses: int):
        self.statuses = list(statuses)
        self.received: list[dict] = []
        scripted = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):
                body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
                scripted.received.append({"auth": self.headers["Authorization"], "body": body})
                status = scripted.statuses.pop(0) if scripted.statuses else 201
                answer = json.dumps({"message_id": body["message_id"], "accepted": len(body["readings"]),
                                     "warnings_opened": ["P0300"] if status == 201 else []}).encode()
                self.send_response(status)
                self.send_header("Content-Length", str(len(answer)))
                self.end_headers()
                self.wfile.write(answer)

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        threading.Thread(target=self.server.serve_forever, daemon=True).start()
        self.api = f"http://127.0.0.1:{self.server.server_address[1]}/api/v1"

    def close(self):
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def spool(tmp_path):
    return Spool(tmp_path / "spool")


def _uploader(api: str, sleeps: list[float] | None = None) -> Uploader:
    return Uploader(api, "vkey.secret", attempts=3, backoff=0.5, sleep=(sleeps if sleeps is not None else []).append)


def test_spool_writes_whole_files_and_keeps_order(spool):
    first = spool.put(batch_new([{"recorded_at": "x"}]))
    second = spool.put(batch_new([{"recorded_at": "y"}], vin="SB1ZS3JE60E282102"))
    (spool.directory / "crashed.json.tmp").write_text("{")  # a write cut off by a power loss

    again = Spool(spool.directory)

    assert again.pending() == [first, second]
    assert not list(spool.directory.glob("*.tmp"))
    assert json.loads(second.read_text())["vin"] == "SB1ZS3JE60E282102"


def test_transient_failures_are_retried_with_backoff(spool):
    server = Scripted(503, 429)
    sleeps: list[float] = []
    try:
        spool.put(batch_new([{"recorded_at": "x"}]))
        report = spool_flush(spool, _uploader(server.api, sleeps))
    finally:
        server.close()

    assert (report.sent, report.remaining, report.offline) == (1, 0, False)
    assert len(server.received) == 3 and server.received[0]["auth"] == "Vehicle vkey.secret"
    assert len(sleeps) == 2 and 0.25 <= sleeps[0] <= 0.5 and 0.5 <= sleeps[1] <= 1.0  # exponential, jittered
    assert report.warnings_opened == ["P0300"] and spool.pending() == []


def test_offline_keeps_everything_spooled(spool, tmp_path):
    spool.put(batch_new([{"recorded_at": "x"}]))
    spool.put(batch_new([{"recorded_at": "y"}]))
    nobody = Scripted()
    api = nobody.api
    nobody.close()  # the port now refuses connections

    report = spool_flush(spool, _uploader(api))

    assert report.offline and report.remaining == 2 and len(spool.pending()) == 2


def test_a_batch_the_server_refuses_is_set_aside_and_the_rest_go(spool):
    server = Scripted(400)
    try:
        bad = spool.put(batch_new([{"recorded_at": "bad"}]))
        spool.put(batch_new([{"recorded_at": "good"}]))
        report = spool_flush(spool, _uploader(server.api))
    finally:
        server.close()

    assert (report.sent, report.rejected, spool.pending()) == (1, 1, [])
    assert (spool.rejected_dir / bad.name).exists()


def test_a_refused_credential_stops_uploading_and_drops_nothing(spool):
    server = Scripted(401)
    try:
        spool.put(batch_new([{"recorded_at": "x"}]))
        spool.put(batch_new([{"recorded_at": "y"}]))
        with pytest.raises(CredentialRejected):
            spool_flush(spool, _uploader(server.api))
    finally:
        server.close()

    assert len(server.received) == 1 and len(spool.pending()) == 2


def test_vin_decoding_keeps_all_17_characters_whatever_the_framing():
    class Message:
        def __init__(self, data: bytes):
            self.data = bytearray(data)

    can = b"\x49\x02\x01" + b"SB1ZS3JE60E282102"
    legacy = b"\x49\x02" + b"\x01\x00\x00\x00S" + b"\x02B1ZS" + b"\x033JE6" + b"\x040E28" + b"\x052102"
    assert _decode_vin([Message(can)]) == "SB1ZS3JE60E282102"
    assert _decode_vin([Message(legacy)]) == "SB1ZS3JE60E282102"
    assert _decode_vin([Message(b"\x49\x02\x01" + b"SHORT")]) is None
    assert _decode_vin([]) is None


def test_answers_are_matched_to_our_request():
    assert _answers("0101", bytes([0x41, 0x01, 0x00]))
    assert not _answers("0101", bytes([0x41, 0x0D, 0x00]))  # someone else asked for the speed
    assert not _answers("03", bytes([0x47, 0x00]))  # pending DTCs: not what we asked
    assert _answers("03", bytes([0x43, 0x01, 0x03, 0x00]))
    assert _answers("0902", bytes([0x7F, 0x09, 0x12]))  # a refusal addressed to us


def test_the_agent_imports_without_django(tmp_path):
    import os
    import subprocess
    import sys

    env = {k: v for k, v in os.environ.items() if k != "DJANGO_SETTINGS_MODULE"}
    code = (
        "import sys; import vehicles.agent.cli, vehicles.agent.car, vehicles.agent.upload, vehicles.agent.spool; "
        "sys.exit(any(name == 'django' or name.startswith('django.') for name in sys.modules))"
    )
    assert subprocess.run([sys.executable, "-c", code], env=env, cwd=tmp_path, timeout=60).returncode == 0
