"""A local SMTP sink for the mail benchmark: `python -m tests.benchmarks._smtp_sink PORT SPOOL`.

Accepts everything, appends each message to SPOOL (envelope and bytes, length-prefixed) so the
bare loop can send the very same messages, and on SIGTERM writes SPOOL.json: messages, distinct
Message-IDs, duplicates, how many carry a DKIM-Signature."""

from __future__ import annotations

import json
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
        self.spool = open(spool, "wb")  # noqa: SIM115 - open for the process's life
        self.ids: Counter[bytes] = Counter()
        self.signed = 0
        self.lock = threading.Lock()

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
    print("ready", flush=True)
    done.wait()
    controller.stop()
    sink.spool.close()
    messages = sum(sink.ids.values())
    with open(spool + ".json", "w") as out:
        json.dump({"messages": messages, "distinct": len(sink.ids), "duplicates": messages - len(sink.ids),
                   "without_id": sink.ids.get(b"", 0), "dkim_signed": sink.signed}, out)


if __name__ == "__main__":
    main()
