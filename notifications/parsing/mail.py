"""An inbound reply mail → its Message-ID, sender (for display only) and the new text.

Pure. `mail_parse(raw)` returns an `InboundMail` or raises `MalformedMail` (never anything else
for any bytes up to INBOUND_MAIL_MAX_BYTES); its subclass `MailTooComplex` says the mail was
refused for its shape (nesting, parts, header sizes) rather than its content. Both carry `reason`,
a few plain words fit for an SMTP 554 answer.

Bounded work: a mail is refused before parsing when it nests more than MAX_CONTAINERS
multipart/message containers, has more than MAX_BOUNDARY_LINES lines that start with "--" (an
upper bound on its parts), a Content-Type/Content-Disposition field longer than MAX_FIELD, or
header comments nested deeper than MAX_COMMENT_DEPTH. Everything after that is linear and mostly
C-speed: our MIME reader (notifications.parsing.mime; the standard parser does Python work per
line, and its modern policy recurses on comments), the few headers we read capped before decoding,
a linear HTML scanner (notifications.parsing.html_text) and quote stripper
(notifications.parsing.quotes).

The body is the first text/plain part that is not an attachment, else the first text/html one
with its markup stripped (quoted blocks dropped). Japanese mail often comes in ISO-2022-JP or
Shift_JIS: those are decoded with their supersets (CP932 for Shift_JIS, which has the NEC/IBM
characters phones use), and an undecodable byte becomes U+FFFD rather than an error. NUL
characters and lone surrogates are dropped from every field (PostgreSQL text refuses NUL).
"""

from __future__ import annotations

import binascii
import hashlib
import re
from dataclasses import dataclass
from email.errors import MessageError
from email.header import decode_header, make_header

from notifications.parsing import mime
from notifications.parsing.html_text import html_to_text
from notifications.parsing.quotes import MAX_TEXT, strip_quoted

__all__ = [
    "MAX_TEXT", "InboundMail", "MailTooComplex", "MalformedMail", "decode", "html_to_text", "mail_parse",
    "mail_shape_check",
    "strip_quoted",
]

MAX_CONTAINERS = 32  # multipart/* and message/* parts; a real reply has 1–4
MAX_BOUNDARY_LINES = 2000  # lines starting with "--": each part needs one
MAX_FIELD = 4000  # characters of one Content-Type / Content-Disposition field, folded
MAX_COMMENT_DEPTH = 16  # "(" nesting in the top-level header block
MAX_HEADER_READ = 2000  # characters of From / Subject / Message-ID decoded

_CHARSET_SUPERSETS = {
    "shift_jis": "cp932", "shift-jis": "cp932", "sjis": "cp932", "x-sjis": "cp932", "ms_kanji": "cp932",
    "windows-31j": "cp932", "iso-2022-jp": "iso2022_jp_ext", "csiso2022jp": "iso2022_jp_ext",
    "euc-jp": "euc_jis_2004", "x-euc-jp": "euc_jis_2004", "us-ascii": "utf-8", "ascii": "utf-8",
}
# Searched in "\n" + the lower-cased mail: a literal start lets the engine skip ahead at C speed.
_CONTAINER = re.compile(rb"\ncontent-type:\s*(?:multipart|message)/")
_FIELD = re.compile(rb"\ncontent-(?:type|disposition):[^\n]*(?:\n[ \t][^\n]*)*")
_HEADER_END = re.compile(rb"\r?\n\r?\n")
_NOT_PARENS = bytes(b for b in range(256) if b not in b"()")


class MalformedMail(ValueError):
    """Not a mail we can read (the listener answers 554 with `reason` and logs the detail)."""

    def __init__(self, detail: str, *, reason: str = "Malformed message") -> None:
        super().__init__(detail)
        self.reason = reason


class MailTooComplex(MalformedMail):
    """Refused for its shape: nesting, number of parts or header sizes past our bounds."""

    def __init__(self, detail: str) -> None:
        super().__init__(detail, reason=detail)


@dataclass(frozen=True)
class InboundMail:
    message_id: str  # "<…>" as sent, or "sha256:<hex>" of the raw bytes when missing
    from_address: str
    subject: str
    text: str  # the owner's new text, quotes and signature removed


def decode(payload: bytes, charset: str | None) -> str:
    """Bytes of a body part → text, tolerant of mislabelled Japanese charsets."""
    label = (charset or "").strip().lower()
    tried = [_CHARSET_SUPERSETS.get(label, label)] if label else []
    for name in [*tried, "utf-8", "cp932", "iso2022_jp_ext"]:
        try:
            return payload.decode(name)
        except (LookupError, UnicodeDecodeError):
            continue
    return payload.decode(tried[0] if tried and _known(tried[0]) else "utf-8", errors="replace")


def _known(codec: str) -> bool:
    try:
        b"".decode(codec)
    except LookupError:
        return False
    return True


def _clean(text: str) -> str:
    """No NUL (PostgreSQL refuses it in text) and no lone surrogate (not encodable as UTF-8)."""
    return text.replace("\x00", "").encode("utf-8", "replace").decode("utf-8")


def _comments_too_deep(header_block: bytes) -> bool:
    """Nesting past MAX_COMMENT_DEPTH: each pass removes the innermost "()" pairs, so a pair
    still left after that many passes sits deeper (linear: a fixed number of C-speed passes)."""
    parens = header_block.translate(None, delete=_NOT_PARENS)
    for _ in range(MAX_COMMENT_DEPTH):
        if b"()" not in parens:
            return False
        parens = parens.replace(b"()", b"")
    return b"()" in parens


def check_bounds(raw: bytes) -> None:
    """MailTooComplex when parsing `raw` could take more than linear work (see the docstring)."""
    lowered = b"\n" + raw.lower()
    if len(_CONTAINER.findall(lowered)) > MAX_CONTAINERS:
        raise MailTooComplex("MIME parts nested too deeply")
    if lowered.count(b"\n--") > MAX_BOUNDARY_LINES:
        raise MailTooComplex("Too many MIME parts")
    if any(match.end() - match.start() > MAX_FIELD + 1 for match in _FIELD.finditer(lowered)):
        raise MailTooComplex("Header field too long")
    end = _HEADER_END.search(raw)
    if _comments_too_deep(raw[: end.start() if end else len(raw)]):
        raise MailTooComplex("Header comments nested too deeply")


def _header(message: mime.Part, name: str) -> str:
    """A top-level header as text: encoded words decoded, raw 8-bit bytes read as Japanese mail."""
    value = message.header(name)
    if value is None:
        return ""
    raw = value[:MAX_HEADER_READ]
    try:
        ascii_text = raw.decode("ascii")
    except UnicodeDecodeError:
        return _clean(decode(raw, None))  # raw UTF-8 / Shift_JIS in a header: sent as is by some phones
    try:
        text = str(make_header(decode_header(ascii_text)))
    except (LookupError, UnicodeError, ValueError, MessageError):
        text = ascii_text
    return _clean(" ".join(text.split()))


def _body(message: mime.Part) -> str:
    html: str | None = None
    for part in mime.walk(message):
        kind = part.content_type
        if kind not in ("text/plain", "text/html") or part.attachment:
            continue
        text = decode(part.decoded(), part.param("charset"))
        if kind == "text/plain":
            return text
        if html is None:
            html = text
    return html_to_text(html) if html is not None else ""


def mail_shape_check(raw: bytes) -> None:
    """What the SMTP listener checks before it accepts a mail (MalformedMail / MailTooComplex):
    not empty and within the bounds. Linear and C-speed (a few ms at the size cap)."""
    if not raw or not raw.strip():
        raise MalformedMail("empty message", reason="Empty message")
    check_bounds(raw)


def mail_parse(raw: bytes) -> InboundMail:
    """Parse raw RFC 5322 bytes; MalformedMail (or MailTooComplex) when it is not a mail we read."""
    mail_shape_check(raw)
    try:
        message = mime.split(raw)
        message_id = _header(message, "Message-ID")
        from_address = _header(message, "From")[:254]
        subject = _header(message, "Subject")[:200]
        body = _body(message)
    except (MessageError, LookupError, UnicodeError, ValueError, binascii.Error) as exc:
        raise MalformedMail(f"{type(exc).__name__}: {exc}") from exc
    if not message_id or len(message_id) > 200:
        message_id = "sha256:" + hashlib.sha256(raw).hexdigest()
    return InboundMail(
        message_id=message_id, from_address=from_address, subject=subject, text=_clean(strip_quoted(_clean(body))),
    )
