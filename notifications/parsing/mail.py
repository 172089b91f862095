"""An inbound reply mail → its Message-ID, sender (for display only) and the new text.

Pure. The body is the first text/plain part that is not an attachment, else the first
text/html one with its markup stripped (quoted blocks dropped). Japanese mail often comes in
ISO-2022-JP or Shift_JIS: those are decoded with their supersets (CP932 for Shift_JIS, which
has the NEC/IBM characters phones use), and an undecodable byte becomes U+FFFD rather than an
error. Then the quoted original is cut off: everything from the first attribution line
("On … wrote:", "…のメッセージ:", "-----Original Message-----", "--- 元のメッセージ ---", an
Outlook "From:/Sent:" block, Gmail's 「2026年3月2日(月) 10:00 T-Connect <…>:」) or signature
separator ("-- "), and every line starting with ">".
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass
from email import policy
from email.errors import MessageError
from email.message import EmailMessage, Message
from email.parser import BytesParser
from html.parser import HTMLParser

MAX_TEXT = 4000
_CHARSET_SUPERSETS = {
    "shift_jis": "cp932", "shift-jis": "cp932", "sjis": "cp932", "x-sjis": "cp932", "ms_kanji": "cp932",
    "windows-31j": "cp932", "iso-2022-jp": "iso2022_jp_ext", "csiso2022jp": "iso2022_jp_ext",
    "euc-jp": "euc_jis_2004", "x-euc-jp": "euc_jis_2004", "us-ascii": "utf-8", "ascii": "utf-8",
}


class MalformedMail(ValueError):
    """Not a mail we can read (the listener logs and refuses it)."""


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


class _HtmlText(HTMLParser):
    """Visible text of an HTML body without quoted blocks (blockquote, gmail_quote…)."""

    _BLOCK = {"p", "div", "br", "tr", "li", "h1", "h2", "h3", "h4", "table", "hr"}
    _HIDDEN = {"script", "style", "head", "title", "blockquote"}
    _QUOTE_MARKERS = ("gmail_quote", "yahoo_quoted", "moz-cite-prefix", "divrplyfwdmsg", "appendonsend")

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self._skip: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        marker = " ".join(f"{v}" for k, v in attrs if k in ("class", "id") and v).lower()
        if self._skip or tag in self._HIDDEN or any(m in marker for m in self._QUOTE_MARKERS):
            if tag not in ("br", "hr", "img", "meta", "link", "input"):
                self._skip.append(tag)
            return
        if tag in self._BLOCK:
            self.parts.append("\n")

    def handle_endtag(self, tag: str) -> None:
        if self._skip:
            if self._skip[-1] == tag:
                self._skip.pop()
            return
        if tag in self._BLOCK:
            self.parts.append("\n")

    def handle_data(self, data: str) -> None:
        if not self._skip:
            self.parts.append(data)


def html_to_text(html: str) -> str:
    parser = _HtmlText()
    parser.feed(html)
    parser.close()
    text = "".join(parser.parts).replace("\xa0", " ")
    return re.sub(r"\n{3,}", "\n\n", "\n".join(line.strip() for line in text.splitlines()))


_CUT_LINES = [
    re.compile(r"^-{2,}\s*(original message|元のメッセージ|forwarded message|転送メッセージ)\s*-{2,}", re.I),
    re.compile(r"^_{10,}$"),  # Outlook's rule above the quoted header block
    re.compile(r".{0,300}のメッセージ\s*[:：]\s*$"),
    re.compile(r".{0,300}(さん)?(は|が)(次のように)?書きました\s*[:：]\s*$"),
    re.compile(r"^\d{4}年\d{1,2}月\d{1,2}日.{0,200}[<＜][^<>＜＞]*@[^<>＜＞]*[>＞]\s*[:：]?\s*$"),
    re.compile(r"^\d{4}/\d{1,2}/\d{1,2}.{0,200}[<＜][^<>＜＞]*@[^<>＜＞]*[>＞]\s*[:：]\s*$"),
    re.compile(r"^-- ?$"),
]
_ON_WROTE = re.compile(r"^on\b.{0,300}\bwrote\s*:\s*$", re.I)
_HEADER_FROM = re.compile(r"^\*?(from|差出人|送信者)\s*\*?\s*[:：]", re.I)
_HEADER_NEXT = re.compile(r"^\*?(sent|date|to|送信日時|日時|宛先|件名|subject)\s*\*?\s*[:：]", re.I)


def _cut_index(lines: list[str]) -> int:
    for i, raw in enumerate(lines):
        line = raw.strip()
        if any(p.match(line) for p in _CUT_LINES):
            return i
        # "On Mon, 2 Mar 2026 at 10:00, T-Connect <…>" + "wrote:" wrapped over two lines.
        joined = f"{line} {lines[i + 1].strip()}" if i + 1 < len(lines) else line
        if line.lower().startswith("on ") and (_ON_WROTE.match(line) or _ON_WROTE.match(joined)):
            return i
        if _HEADER_FROM.match(line) and any(_HEADER_NEXT.match(n.strip()) for n in lines[i + 1 : i + 4]):
            return i
    return len(lines)


def strip_quoted(text: str) -> str:
    """The new part of a reply: before the quoted original, without ">" lines."""
    lines = text.replace("\r\n", "\n").replace("\r", "\n").split("\n")
    kept = [line for line in lines[: _cut_index(lines)] if not line.lstrip().startswith((">", "＞"))]
    return "\n".join(kept).strip()[:MAX_TEXT]


def _body(message: Message) -> str:
    html: str | None = None
    for part in message.walk():
        if part.is_multipart() or part.get_content_disposition() == "attachment":
            continue
        kind = part.get_content_type()
        if kind not in ("text/plain", "text/html"):
            continue
        payload = part.get_payload(decode=True)
        text = decode(payload if isinstance(payload, bytes) else b"", part.get_content_charset())
        if kind == "text/plain":
            return text
        if html is None:
            html = text
    return html_to_text(html) if html is not None else ""


def mail_parse(raw: bytes) -> InboundMail:
    """Parse raw RFC 5322 bytes; MalformedMail when it is not a readable mail."""
    if not raw or not raw.strip():
        raise MalformedMail("empty message")
    try:
        message: EmailMessage = BytesParser(policy=policy.default).parsebytes(raw)  # type: ignore[assignment]
        message_id = str(message.get("Message-ID", "") or "").strip()
        from_address = str(message.get("From", "") or "")[:254]
        subject = str(message.get("Subject", "") or "")[:200]
        body = _body(message)
    except (MessageError, LookupError, UnicodeError, ValueError, TypeError, IndexError, AttributeError) as exc:
        raise MalformedMail(f"{type(exc).__name__}: {exc}") from exc
    if not message_id or len(message_id) > 200:
        message_id = "sha256:" + hashlib.sha256(raw).hexdigest()
    return InboundMail(message_id=message_id, from_address=from_address, subject=subject, text=strip_quoted(body))
