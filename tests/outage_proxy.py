"""A TCP proxy in front of the test's PostgreSQL that a test can cut and restore: a database
outage for a server process, without stopping the PostgreSQL other tests use.

`cut()` closes every connection through it and refuses new ones (as a server that went away);
`restore()` lets them through again.
"""

from __future__ import annotations

import contextlib
import os
import socket
import threading

from django.db import connection


def _upstream() -> tuple[int, object]:
    """(address family, address) of the server the test database lives on."""
    with connection.cursor() as cursor:
        cursor.execute("SHOW port")
        port = int(cursor.fetchone()[0])
    host = connection.settings_dict.get("HOST") or "/tmp"
    if host.startswith("/"):
        return socket.AF_UNIX, os.path.join(host, f".s.PGSQL.{port}")
    return socket.AF_INET, (host, port)


class OutageProxy:
    def __init__(self) -> None:
        self.family, self.address = _upstream()
        self.listener = socket.socket()
        self.listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self.listener.bind(("127.0.0.1", 0))
        self.listener.listen(64)
        self.port = self.listener.getsockname()[1]
        self.down = threading.Event()
        self.lock = threading.Lock()
        self.open: list[socket.socket] = []
        threading.Thread(target=self._accept, daemon=True).start()

    def _accept(self) -> None:
        while True:
            try:
                client, _ = self.listener.accept()
            except OSError:
                return  # closed
            if self.down.is_set():
                client.close()
                continue
            upstream = socket.socket(self.family, socket.SOCK_STREAM)
            upstream.connect(self.address)
            with self.lock:
                self.open += [client, upstream]
            threading.Thread(target=self._pipe, args=(client, upstream), daemon=True).start()
            threading.Thread(target=self._pipe, args=(upstream, client), daemon=True).start()

    @staticmethod
    def _pipe(source: socket.socket, target: socket.socket) -> None:
        with contextlib.suppress(OSError):
            while data := source.recv(65536):
                target.sendall(data)
        for end in (source, target):
            with contextlib.suppress(OSError):
                end.shutdown(socket.SHUT_RDWR)

    def cut(self) -> None:
        self.down.set()
        with self.lock:
            ends, self.open = self.open, []
        for end in ends:
            with contextlib.suppress(OSError):
                end.shutdown(socket.SHUT_RDWR)
            end.close()

    def restore(self) -> None:
        self.down.clear()

    def close(self) -> None:
        self.cut()
        self.listener.close()
