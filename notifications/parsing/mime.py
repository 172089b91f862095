"""A small MIME reader for reply mail: headers, parts and transfer encodings, in linear time.

Why not `email.parser`: its feed parser does Python work for every line (1 MB of short lines
takes about a second, a second more inside a multipart), its modern policy recurses on header
comments and is quadratic on long encoded headers. Everything here is a regular expression or a
`bytes` method that runs once over its input, so a message costs a few milliseconds per megabyte
whatever its shape; the caller bounds the shape first (`mail.check_bounds`).

What it reads is what a reply needs: a header by name (first occurrence, unfolded), the content
type, charset, boundary, disposition and transfer encoding of each part, and the parts of a
multipart in order, depth first (message/rfc822 parts are entered as `email` walks them).
"""

from __future__ import annotations

import binascii
import re
from collections.abc import Iterator
from dataclasses import dataclass, field

# A header block: lines that look like "Name: value" or continue the previous one ("From " is
# the mbox envelope line some tools leave at the top).
_HEADER_RUN = re.compile(rb"(?:From [^\n]*\n)?(?:[!-9;-~]+[ \t]*:[^\n]*(?:\n|$)|[ \t][^\n]*(?:\n|$))*")
_BLANK = re.compile(rb"\r?\n")
_FOLDED = re.compile(rb"[^\n]*(?:\n[ \t][^\n]*)*")  # a header value and its continuation lines
_PARAM = re.compile(rb"""(?:^|;)\s*([a-z0-9*_-]{1,40})\s*=\s*(?:"([^"]{0,200})"|([^;\s"]{1,200}))""", re.I)
_NOT_B64 = bytes(b for b in range(256) if b not in b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/")
FIELD_CAP = 4000  # characters of a header value looked at
MAX_HEAD = 100_000  # bytes of a header block read (Postfix's default header_size_limit); the rest is body


@dataclass
class Part:
    head: bytes  # the raw header block (at most MAX_HEAD bytes)
    body: bytes  # the raw body, still transfer-encoded
    _seen: dict[str, bytes | None] = field(default_factory=dict, repr=False)
    _lowered: bytes = field(default=b"", repr=False)

    def header(self, name: str) -> bytes | None:
        """The first `name:` header's value, unfolded, capped at FIELD_CAP bytes; None if absent."""
        if name not in self._seen:
            self._seen[name] = self._find(name)
        return self._seen[name]

    def _find(self, name: str) -> bytes | None:
        # Searched as "\n" + name in the lower-cased block: a literal start is skipped to at C speed
        # (a "^name" search under re.M tries every position), then the value read from the original.
        if not self._lowered:
            self._lowered = b"\n" + self.head.lower()
        found = re.compile(rb"\n" + re.escape(name.lower().encode()) + rb"[ \t]*:").search(self._lowered)
        if found is None:
            return None
        value = _FOLDED.match(self.head, found.end() - 1)
        return b" ".join(value.group()[:FIELD_CAP].split()) if value else b""

    def _value_and_params(self, name: str) -> tuple[str, dict[str, str]]:
        raw = self.header(name) or b""
        value, _sep, rest = raw.partition(b";")
        params = {
            m.group(1).decode("ascii").lower(): (m.group(2) if m.group(2) is not None else m.group(3)).decode("latin-1")
            for m in _PARAM.finditer(b";" + rest)
        }
        return value.strip().decode("latin-1").lower(), params

    @property
    def content_type(self) -> str:
        value, _params = self._value_and_params("content-type")
        return value if value.count("/") == 1 and " " not in value else "text/plain"

    def param(self, name: str) -> str | None:
        return self._value_and_params("content-type")[1].get(name)

    @property
    def attachment(self) -> bool:
        return self._value_and_params("content-disposition")[0] == "attachment"

    def decoded(self) -> bytes:
        """The body with its Content-Transfer-Encoding undone (unknown encodings: as is)."""
        encoding = (self.header("content-transfer-encoding") or b"").strip().lower()
        if encoding == b"base64":
            letters = self.body.translate(None, delete=_NOT_B64)
            tail = len(letters) % 4  # padding was removed with the other non-letters: put it back
            letters = letters[:-1] if tail == 1 else letters + b"=" * ((4 - tail) % 4)
            return binascii.a2b_base64(letters) if letters else b""
        if encoding == b"quoted-printable":
            return binascii.a2b_qp(self.body)
        return self.body


def split(raw: bytes) -> Part:
    """One message or part: its header block and its body (no header block: all body)."""
    run = _HEADER_RUN.match(raw, 0, MAX_HEAD)
    end = run.end() if run else 0
    blank = _BLANK.match(raw, end)
    body_start = blank.end() if blank else end
    return Part(head=raw[:end], body=raw[body_start:])


def _children(part: Part) -> list[Part]:
    boundary = part.param("boundary")
    if not boundary:
        return []
    delimiter = re.compile(rb"(?:^|\n)--" + re.escape(boundary.encode("latin-1")) + rb"(--)?[ \t]*\r?(?=\n|$)")
    children: list[Part] = []
    start: int | None = None
    for found in delimiter.finditer(part.body):
        if start is not None:
            end = found.start() - (1 if found.start() > 0 and part.body[found.start() - 1 : found.start()] == b"\r" else 0)
            children.append(split(part.body[start:end]))
        if found.group(1):
            return children
        start = found.end() + 1
    if start is not None and start < len(part.body):
        children.append(split(part.body[start:]))  # no closing delimiter: the rest is the last part
    return children


def walk(message: Part) -> Iterator[Part]:
    """Every part, depth first in order (like email.message.Message.walk), without recursion."""
    stack = [message]
    while stack:
        part = stack.pop()
        yield part
        kind = part.content_type
        if kind.startswith("multipart/"):
            children = _children(part)
            if kind == "multipart/digest":
                children = [c if c.header("content-type") else Part(b"Content-Type: message/rfc822\n", c.body)
                            for c in children]
            stack.extend(reversed(children))
        elif kind == "message/rfc822":
            stack.append(split(part.decoded()))
