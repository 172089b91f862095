"""The owner's new words in a reply body: the quoted original and the signature taken away.

Pure and linear: one pass over the lines, constant work per line (a line is looked at through its
first `SCAN_CHARS` characters, an attribution through at most three lines joined), and the pass
stops once `MAX_TEXT` characters are kept.

Read as a person reads a reply:
- Everything from a cut line on is the original or a signature: "-----Original Message-----",
  「--- 元のメッセージ ---」, Outlook's rule of underscores, a "From:/Sent:" (「差出人:/送信日時:」)
  header block, a signature separator ("-- "), or an attribution ("On … wrote:", 「…のメッセージ:」,
  「…さんは書きました:」, Gmail's 「2026年11月24日(火) 10:00 T-Connect <…>:」), also when the mail
  client wrapped it over two or three lines.
- An attribution followed by a block of ">" lines only introduces that block: both are dropped and
  the reading goes on, so an answer written below or between quotes is kept (as a person would).
- Lines starting with ">" are dropped; so are device signatures ("Sent from my iPhone",
  「iPhoneから送信」, "Get Outlook for iOS").
"""

from __future__ import annotations

import re

MAX_TEXT = 4000  # characters of new text kept (what staff read; the reply's stored text)
MAX_LINES = 10_000  # lines read: past a long quoted block, a reply has said what it had to say
SCAN_CHARS = 400  # an attribution or a separator is never longer than this on one line
_JOIN = 3  # an attribution wrapped by the client spans at most this many lines

_SEPARATOR = re.compile(
    r"-{2,}\s*(?:original message|元のメッセージ|forwarded message|転送メッセージ|転送されたメッセージ)\s*-{2,}"
    r"|_{10,}$|-- ?$",
    re.I,
)
_DATE_START = re.compile(r"(?:on\s+)?(?:\d{4}\s*[年/.-]\s*\d{1,2}\s*[月/.-]\s*\d{1,2}|\d{1,2}/\d{1,2}/\d{2,4})")
_ON_START = re.compile(r"on\s", re.I)
_JA_ENDINGS = ("のメッセージ:", "のメッセージ：", "書きました:", "書きました：", "wrote:", "wrote：", "schrieb:")
_HEADER_FROM = re.compile(r"\*?(?:from|差出人|送信者)\s*\*?\s*[:：]", re.I)
_HEADER_NEXT = re.compile(r"\*?(?:sent|date|to|cc|subject|送信日時|日時|宛先|件名)\s*\*?\s*[:：]", re.I)
_DEVICE = re.compile(
    r"(?:sent from my [\w ]{1,40}|sent from (?:outlook|yahoo mail|mail for windows)[\w ]{0,30}"
    r"|get outlook for (?:ios|android)\S*|.{1,30}から送信(?:しました)?[。.]?)$",
    re.I,
)


def _quoted(line: str) -> bool:
    return line.lstrip().startswith((">", "＞"))


def _head(line: str) -> str:
    return line[:SCAN_CHARS].strip()


def _is_attribution(text: str) -> bool:
    """One to three joined lines that introduce the quoted original."""
    flat = text.replace("=\n", "").rstrip()
    if _ON_START.match(flat) and flat.lower().endswith(("wrote:", "wrote：")):
        return True
    if flat.endswith(("書きました:", "書きました：")):
        return True
    if flat.endswith(_JA_ENDINGS) and ("@" in flat or _DATE_START.match(flat)):
        return True
    # Gmail (ja): 「2026年11月24日(火) 10:00 T-Connect <x@reply…>:」, often wrapped after "<".
    return bool(_DATE_START.match(flat)) and "@" in flat and flat.endswith((">:", ">：", ">", "> :"))


def _header_block(lines: list[str], i: int) -> bool:
    if not _HEADER_FROM.match(_head(lines[i])):
        return False
    return any(_HEADER_NEXT.match(_head(n)) for n in lines[i + 1 : i + 4])


def _attribution_span(lines: list[str], i: int) -> int:
    """How many lines (1–3) from `i` form an attribution; 0 when none starts here."""
    if not any(_head(line).endswith((":", "：", ">")) for line in lines[i : i + _JOIN]):
        return 0  # every attribution ends so: most lines are done with at this test
    joined = ""
    for width in range(1, _JOIN + 1):
        if i + width > len(lines) or (width > 1 and not lines[i + width - 1].strip()):
            return 0
        if width == 2 and not (_ON_START.match(joined) or _DATE_START.match(joined)):
            return 0  # a wrapped attribution starts with "On" or its date, never mid-sentence
        joined = f"{joined} {_head(lines[i + width - 1])}".strip() if width > 1 else _head(lines[i])
        if _is_attribution(joined):
            return width
    return 0


def _block_follows(lines: list[str], i: int) -> int:
    """Index of the first ">" line after `i` when only blank lines lie between, else -1."""
    for j in range(i, min(len(lines), i + 8)):
        if _quoted(lines[j]):
            return j
        if lines[j].strip():
            return -1
    return -1


def _ends_with_colon_before_block(lines: list[str], i: int) -> bool:
    """"… Cody Hart <x@example.com> w=" / "rote:" above a ">" block: an attribution we cannot
    read word by word (a mangled one), recognised by its colon and the quote right below it."""
    head = _head(lines[i])
    return head.endswith((":", "：")) and len(head) < SCAN_CHARS and _block_follows(lines, i + 1) >= 0


def _skip_block(lines: list[str], j: int) -> int:
    while j < len(lines) and (_quoted(lines[j]) or not lines[j].strip()):
        j += 1
    return j


def _drop_wrapped_head(kept: list[str]) -> None:
    """A mangled attribution's first lines ("On Mon, … w=") were kept before its colon was seen."""
    for _ in range(_JOIN - 1):
        if kept and kept[-1].strip() and (_ON_START.match(kept[-1].strip()) or _DATE_START.match(kept[-1].strip())):
            kept.pop()
            return
        if not kept or not kept[-1].strip():
            return


def strip_quoted(text: str) -> str:
    """The new part of a reply (see the module docstring), at most MAX_TEXT characters."""
    lines = text.replace("\r\n", "\n").replace("\r", "\n").split("\n", MAX_LINES)[:MAX_LINES]
    kept: list[str] = []
    size, i = 0, 0
    while i < len(lines) and size <= MAX_TEXT:
        line = lines[i]
        if _quoted(line):
            i += 1
            continue
        head = _head(line)
        span = _attribution_span(lines, i) if head else 0
        if span or (head and _ends_with_colon_before_block(lines, i)):
            if not span:
                _drop_wrapped_head(kept)
            block = _block_follows(lines, i + max(span, 1))
            if block < 0:
                break  # the original follows unquoted (Outlook, Japanese clients): nothing more is new
            i = _skip_block(lines, block)
            continue
        if _SEPARATOR.match(head) or _header_block(lines, i):
            break
        if not _DEVICE.match(head):
            kept.append(line)
            size += len(line) + 1
        i += 1
    return "\n".join(kept).strip()[:MAX_TEXT]
