"""tconnect-dcm: read the car through an ELM327 adapter, spool the batch, upload it.

    TCONNECT_DCM_TOKEN=<key_id>.<secret> tconnect-dcm --port /dev/ttyUSB0 \\
        --api https://portal.example.jp/api/v1 --once
    tconnect-dcm --port socket://127.0.0.1:35000 --api ... --interval 60 --batch-size 10

--once reads the car once, uploads everything spooled (oldest first) and prints a JSON
summary. The loop reads every --interval seconds and uploads every --batch-size readings
or --upload-interval seconds; a lost adapter is reopened with backoff. Readings not yet in
a batch (at most batch-size - 1) are spooled on SIGTERM/SIGINT.

Exit codes: 0 done; 1 car or adapter unreachable; 2 usage; 75 spooled but the server is
unreachable (sent on a later run); 77 the server refused the vehicle credential.
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import signal
import sys
import threading
import time
from pathlib import Path

from vehicles.agent.spool import Spool
from vehicles.agent.upload import CredentialRejected, Uploader, batch_new, spool_flush

log = logging.getLogger("tconnect-dcm")

EXIT_CAR, EXIT_USAGE, EXIT_OFFLINE, EXIT_CREDENTIAL = 1, 2, 75, 77


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="tconnect-dcm", description=__doc__.split("\n\n")[0])
    parser.add_argument("--port", required=True, help="serial device (/dev/ttyUSB0) or socket://host:port")
    parser.add_argument("--baudrate", type=int, help="adapter baud rate (socket:// ports default to 38400)")
    parser.add_argument("--api", required=True, help="API base, e.g. https://portal.example.jp/api/v1")
    parser.add_argument("--token", help="vehicle credential <key_id>.<secret> (default: $TCONNECT_DCM_TOKEN)")
    default_spool = os.environ.get("TCONNECT_DCM_SPOOL", str(Path.home() / ".local/state/tconnect-dcm/spool"))
    parser.add_argument("--spool", default=default_spool, help="spool directory (default: %(default)s)")
    mode = parser.add_mutually_exclusive_group()
    mode.add_argument("--once", action="store_true", help="read and upload once, then exit")
    mode.add_argument("--interval", type=float, default=60.0, help="seconds between readings in loop mode")
    parser.add_argument("--batch-size", type=int, default=10, help="readings per batch in loop mode")
    parser.add_argument("--upload-interval", type=float, default=300.0, help="upload at least this often (s)")
    parser.add_argument("--cycles", type=int, default=0, help="stop the loop after this many readings (0: never)")
    parser.add_argument("--timeout", type=float, default=10.0, help="HTTP timeout (s)")
    parser.add_argument("--obd-timeout", type=float, default=1.0, help="adapter read timeout (s)")
    parser.add_argument("-v", "--verbose", action="store_true")
    return parser


def _flush(spool: Spool, uploader: Uploader) -> tuple[dict, int]:
    try:
        report = spool_flush(spool, uploader)
    except CredentialRejected as error:
        log.error("credential refused: %s", error)
        return {"sent": 0, "remaining": len(spool.pending()), "credential_rejected": True}, EXIT_CREDENTIAL
    summary = {"sent": report.sent, "rejected": report.rejected, "remaining": report.remaining,
               "warnings_opened": report.warnings_opened}
    return summary, EXIT_OFFLINE if report.offline else 0


def run_once(args, spool: Spool, uploader: Uploader) -> int:
    from vehicles.agent.car import CarReader, CarUnavailable, connect

    try:
        connection = connect(args.port, baudrate=args.baudrate, timeout=args.obd_timeout)
    except CarUnavailable as error:
        log.error("car unreachable: %s", error)
        summary, _code = _flush(spool, uploader)  # what was spooled earlier can still go
        print(json.dumps({"error": str(error), **summary}))
        return EXIT_CAR
    try:
        reader = CarReader(connection)
        vin = reader.vin()
        reading = reader.read()
    finally:
        connection.close()
    spool.put(batch_new([reading], vin=vin))
    summary, code = _flush(spool, uploader)
    print(json.dumps({"vin": vin, "reading": reading, **summary}))
    return code


def run_loop(args, spool: Spool, uploader: Uploader, stop: threading.Event) -> int:
    from vehicles.agent.car import CarReader, CarUnavailable, connect

    reader, vin, pending, retry = None, None, [], 1.0
    last_upload, taken = time.monotonic(), 0
    try:
        while not stop.is_set() and (not args.cycles or taken < args.cycles):
            if reader is None:
                try:
                    reader = CarReader(connect(args.port, baudrate=args.baudrate, timeout=args.obd_timeout))
                    vin, retry = reader.vin(), 1.0
                except CarUnavailable as error:
                    log.warning("car unreachable (%s); retrying in %.0f s", error, retry)
                    stop.wait(retry)
                    retry = min(retry * 2, 300.0)
                    continue
            try:
                pending.append(reader.read())
                taken += 1
            except CarUnavailable as error:
                log.warning("lost the car (%s); reconnecting", error)
                reader.connection.close()
                reader = None
                continue
            if len(pending) >= args.batch_size or time.monotonic() - last_upload >= args.upload_interval:
                spool.put(batch_new(pending, vin=vin))
                pending, last_upload = [], time.monotonic()
                _flush(spool, uploader)
            stop.wait(args.interval)
    finally:
        if pending:
            spool.put(batch_new(pending, vin=vin))
        if reader is not None:
            reader.connection.close()
    return _flush(spool, uploader)[1]


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    logging.basicConfig(level=logging.INFO if args.verbose else logging.WARNING, format="%(levelname)s %(name)s %(message)s")
    token = args.token or os.environ.get("TCONNECT_DCM_TOKEN", "")
    if not token:
        print("tconnect-dcm: no credential: pass --token or set TCONNECT_DCM_TOKEN", file=sys.stderr)
        return EXIT_USAGE
    if not args.api.startswith(("http://", "https://")):
        print("tconnect-dcm: --api must be an http(s) URL", file=sys.stderr)
        return EXIT_USAGE
    spool = Spool(args.spool)
    uploader = Uploader(args.api, token, timeout=args.timeout)
    if args.once:
        return run_once(args, spool, uploader)
    stop = threading.Event()
    for signum in (signal.SIGTERM, signal.SIGINT):
        signal.signal(signum, lambda *_: stop.set())
    return run_loop(args, spool, uploader, stop)


if __name__ == "__main__":
    sys.exit(main())
