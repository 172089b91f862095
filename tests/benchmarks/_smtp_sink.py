"""A local SMTP sink for the mail benchmark: `python -m tests.benchmarks._smtp_sink PORT SPOOL`.

Accepts everything and counts it by phase, so the outbox and the bare loop of one run are measured
against the same server process. Phase n's messages are appended to SPOOL.n (envelope and bytes,
length-prefixed) so the bare loop can send the very same messages. SIGUSR1 ends the phase: its
counts (messages, distinct Message-IDs, duplicates, how many carry a DKIM-Signature) go to
SPOOL.n.json and phase n+1 begins. SIGTERM ends the last phase the same way and stops."""

from __future__ import annotations

import json
import os
import re
import signal
import struct
import sys
import threading
from collections import Counter

from aiosmtpd.controller import Controller

_MESSAGE_ID = re.compile(rb"^Message-ID:\s*(<[^>]+>)", re.I | re.M)


class Sink:
    def __init__(self, spool: str):
        self.base, self.phase = spool, 0
        self.lock = threading.Lock()
        self._begin()

    def _begin(self) -> None:
        self.phase += 1
        self.spool = open(f"{self.base}.{self.phase}", "wb")  # noqa: SIM115 - open for the phase
        self.ids: Counter[bytes] = Counter()
        self.signed = 0

    def end_phase(self, *, next_phase: bool) -> None:
        """Write the phase's counts (atomically: the harness waits for the file) and start the next."""
        with self.lock:
            self.spool.close()
            messages = sum(self.ids.values())
            counts = {"messages": messages, "distinct": len(self.ids), "duplicates": messages - len(self.ids),
                      "without_id": self.ids.get(b"", 0), "dkim_signed": self.signed}
            path = f"{self.base}.{self.phase}.json"
            with open(path + ".tmp", "w") as out:
                json.dump(counts, out)
            os.replace(path + ".tmp", path)
            if next_phase:
                self._begin()

    async def handle_DATA(self, server, session, envelope):
        raw = envelope.original_content or b""
        head = raw.split(b"\r\n\r\n", 1)[0]
        found = _MESSAGE_ID.search(head)
        header = json.dumps({"from": envelope.mail_from, "to": envelope.rcpt_tos}).encode()
        with self.lock:
            self.ids[found.group(1) if found else b""] += 1
            self.signed += head.startswith(b"DKIM-Signature:")
            self.spool.write(struct.pack(">II", len(header), len(raw)) + header + raw)
        return "250 OK"


def main() -> None:
    port, spool = int(sys.argv[1]), sys.argv[2]
    sink = Sink(spool)
    controller = Controller(sink, hostname="127.0.0.1", port=port, data_size_limit=10_000_000)
    controller.start()
    done = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: done.set())
    signal.signal(signal.SIGUSR1, lambda *_: sink.end_phase(next_phase=True))
    print("ready", flush=True)
    done.wait()
    controller.stop()
    sink.end_phase(next_phase=False)


if __name__ == "__main__":
    main()
