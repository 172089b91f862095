"""A local spool of batches waiting for upload: nothing is lost while the car is offline.

Every batch is written here before any upload is tried (one JSON file per batch, written to
a temporary name, fsync'd, renamed, directory fsync'd), and deleted only after the server
answered 2xx. File names start with a nanosecond timestamp, so the oldest go first. The
message id inside makes a resend after a lost answer harmless.
"""

from __future__ import annotations

import json
import os
import time
from pathlib import Path


def _fsync_dir(directory: Path) -> None:
    fd = os.open(directory, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


class Spool:
    def __init__(self, directory: Path | str):
        self.directory = Path(directory)
        self.rejected_dir = self.directory / "rejected"
        self.rejected_dir.mkdir(parents=True, exist_ok=True)
        # A .tmp file is a write that never completed (power cut): never acknowledged, drop it.
        for partial in self.directory.glob("*.tmp"):
            partial.unlink()

    def put(self, batch: dict) -> Path:
        name = f"{time.time_ns():020d}-{batch['message_id']}.json"
        temporary = self.directory / f"{name}.tmp"
        with open(temporary, "wb") as handle:
            handle.write(json.dumps(batch, separators=(",", ":")).encode())
            handle.flush()
            os.fsync(handle.fileno())
        path = self.directory / name
        os.replace(temporary, path)
        _fsync_dir(self.directory)
        return path

    def pending(self) -> list[Path]:
        """Spooled batches, oldest first."""
        return sorted(self.directory.glob("*.json"))

    def done(self, path: Path) -> None:
        path.unlink()
        _fsync_dir(self.directory)

    def reject(self, path: Path) -> Path:
        """Keep a batch the server refused as invalid out of the queue (it would fail forever)."""
        target = self.rejected_dir / path.name
        os.replace(path, target)
        _fsync_dir(self.directory)
        return target
