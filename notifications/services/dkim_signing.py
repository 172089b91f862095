"""DKIM signatures (RFC 6376) on outgoing mail, with dkimpy and the key from the environment
(DKIM_DOMAIN, DKIM_SELECTOR, DKIM_PRIVATE_KEY_PATH; README "Mail authentication").

The signature covers the headers a receiver judges the mail by, including List-Unsubscribe and
List-Unsubscribe-Post (RFC 8058 §4 requires both signed for one-click unsubscribe), with relaxed
canonicalisation so a relay that re-folds a header does not break it. The message is signed as
the exact bytes SMTP will carry: `SignedMime` hands those bytes to the backend unchanged.
"""

from __future__ import annotations

from typing import Any

import dkim
from django.conf import settings

SIGNED_HEADERS = (
    b"from", b"to", b"subject", b"date", b"message-id", b"reply-to", b"mime-version", b"content-type",
    b"list-unsubscribe", b"list-unsubscribe-post", b"auto-submitted",
)


def dkim_enabled() -> bool:
    return bool(settings.DKIM_DOMAIN and settings.DKIM_SELECTOR and settings.DKIM_PRIVATE_KEY)


def dkim_signature(raw: bytes) -> bytes:
    """The DKIM-Signature header line (CRLF-terminated) for a CRLF message."""
    present = {line.split(b":", 1)[0].strip().lower() for line in raw.split(b"\r\n\r\n", 1)[0].split(b"\r\n") if b":" in line}
    return dkim.sign(
        raw, settings.DKIM_SELECTOR.encode(), settings.DKIM_DOMAIN.encode(), settings.DKIM_PRIVATE_KEY,
        canonicalize=(b"relaxed", b"relaxed"), include_headers=[h for h in SIGNED_HEADERS if h in present],
    )


class SignedMime:
    """A MIME message whose serialisation is the signed bytes (any backend, any linesep)."""

    def __init__(self, mime: Any):
        self._mime = mime
        raw = mime.as_bytes(linesep="\r\n")
        self._raw = dkim_signature(raw) + raw

    def as_bytes(self, unixfrom: bool = False, linesep: str = "\n") -> bytes:
        return self._raw if linesep == "\r\n" else self._raw.replace(b"\r\n", linesep.encode())

    def as_string(self, unixfrom: bool = False, linesep: str = "\n") -> str:
        return self.as_bytes(linesep=linesep).decode("utf-8", "replace")

    def __getitem__(self, name: str) -> Any:
        return self._mime[name]

    def __getattr__(self, name: str) -> Any:
        return getattr(self._mime, name)
