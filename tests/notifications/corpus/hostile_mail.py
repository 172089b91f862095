"""Hostile reply mail at the inbound size cap, one per shape that once cost quadratic time or
deep recursion (used by the tests and by `make bench BENCH=reply_parsing`)."""

from __future__ import annotations

import base64
from collections.abc import Callable


def _mail(body: bytes, *, content_type: str = "text/plain; charset=utf-8", encoding: str = "8bit") -> bytes:
    head = f"From: owner@example.jp\r\nMessage-ID: <m@example.jp>\r\nContent-Type: {content_type}\r\n"
    return f"{head}Content-Transfer-Encoding: {encoding}\r\n\r\n".encode() + body


def _fill(unit: str, *, room: int) -> str:
    return unit * (room // len(unit.encode()))


def _base64(text_unit: str, cap: int, *, content_type: str = "text/plain; charset=utf-8") -> bytes:
    # base64 grows text by 4/3 and a line break per 76 characters: one decoded "line" near the cap
    text = _fill(text_unit, room=(cap - 400) * 3 * 76 // (4 * 77))
    return _mail(base64.encodebytes(text.encode()), content_type=content_type, encoding="base64")


def hostile(cap: int) -> dict[str, Callable[[], bytes]]:
    """Each builder returns one mail between 90 % of `cap` and `cap` bytes."""
    room = cap - 200
    return {
        "date then @ (quadratic before)": lambda: _base64("2026年11月24日 <" + "@" * 50, cap),
        "one long @ line": lambda: _base64("@", cap),
        "date and < on one line": lambda: _mail(("2026/11/24 " + _fill("<@", room=room)).encode()),
        "quote lines": lambda: _mail(_fill("> a\n", room=room).encode()),
        "blank lines": lambda: _mail(b"\n" * room),
        "colons above quotes": lambda: _mail(_fill("x:\n\n>\n", room=room).encode()),
        "On lines": lambda: _mail(_fill("On x wrote\n", room=room).encode()),
        "html <a<a": lambda: _base64("<a", cap, content_type="text/html; charset=utf-8"),
        "html </": lambda: _mail(_fill("</", room=room).encode(), content_type="text/html"),
        "html tags": lambda: _mail(_fill("<p>x</p>", room=room).encode(), content_type="text/html"),
        "html quote containers": lambda: _mail(_fill('<div class="gmail_quote">', room=room).encode(),
                                               content_type="text/html"),
        "many headers": lambda: _fill("X-A: b\r\n", room=cap - 100).encode() + b"\r\nhello",
        "folded subject": lambda: b"Subject: a\r\n" + _fill(" b\r\n", room=cap - 100).encode() + b"\r\nhello",
        "dense dates": lambda: _mail(_fill("12月5日 10時 ", room=room).encode()),
    }
