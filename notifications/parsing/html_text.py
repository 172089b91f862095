"""The visible text of an HTML mail body, without quoted blocks (pure, linear).

Not the standard library's HTMLParser: it is quadratic on malformed input ("<a<a<a…" or "</</…"
take seconds for 100 KB) and slow on plain markup (about 10 µs a tag), and a reply body is
anyone's input. This scanner finds tags with one regular expression searched forward (C speed),
skips a hidden element by searching only for its own tag name, reads at most MAX_TAGS tags, and
keeps only what a person sees: text between tags, a line break for block elements, nothing inside
script/style/head/title, blockquote, or the quote containers of common mail clients (Gmail, Yahoo!,
Thunderbird, Outlook). Entities are decoded once per text run.
"""

from __future__ import annotations

import functools
import html
import re

_BLOCK = frozenset({"p", "div", "br", "tr", "li", "h1", "h2", "h3", "h4", "h5", "h6", "table", "hr", "ul", "ol", "pre"})
_HIDDEN = frozenset({"script", "style", "head", "title", "blockquote", "template", "noscript"})
_RAW_TEXT = frozenset({"script", "style", "title"})  # hidden, and their text may hold "<"
_VOID = frozenset({"br", "hr", "img", "meta", "link", "input", "wbr", "col", "area", "base", "source", "embed"})
_QUOTE_MARKERS = ("gmail_quote", "yahoo_quoted", "moz-cite-prefix", "divrplyfwdmsg", "appendonsend", "mail-quote")
_NAME = re.compile(r"/?([a-zA-Z][a-zA-Z0-9:-]*)")
# A tag, comment or declaration; "[^<>]*" stops at the next "<", so a stray "<" (text, as browsers
# show it) costs one failed attempt, never a scan to the end.
_TAG = re.compile(r"<!--|<[!?][^<>]*>|</?[a-zA-Z][^<>]*>")
MAX_TAGS = 10_000  # a reply's words come long before this; past it the rest of the markup is not read
_MARKED = re.compile(r"""\b(?:class|id)\s*=\s*(?:"([^"]*)"|'([^']*)'|([^\s"'>]+))""", re.I)
_ATTR_SCAN = 2000  # class/id are near the start of a tag; a huge tag is not searched further


class _Scanner:
    def __init__(self, markup: str) -> None:
        self.markup = markup
        self.lower = ""  # lower-cased markup, made on the first script/style met
        self.parts: list[str] = []
        self.tags = 0
        self.skip_name = ""  # inside a hidden element: its name and how deep the same name nests
        self.skip_depth = 0

    def run(self) -> str:
        markup, pos = self.markup, 0
        while pos < len(markup) and self.tags < MAX_TAGS:
            found = (_same_name(self.skip_name) if self.skip_name else _TAG).search(markup, pos)
            if found is None:
                self._text(markup[pos:])
                break
            self._text(markup[pos : found.start()])
            self.tags += 1
            pos = self._construct(found)
        return "".join(self.parts)

    def _text(self, data: str) -> None:
        if data and not self.skip_name:
            self.parts.append(html.unescape(data))

    def _construct(self, found: re.Match[str]) -> int:
        """Act on a tag, comment or declaration; returns where the text goes on."""
        construct = found.group()
        if construct == "<!--":
            end = self.markup.find("-->", found.end())
            return len(self.markup) if end < 0 else end + 3
        if construct.startswith(("<!", "<?")):
            return found.end()
        self._tag(construct[1:-1])
        if self.skip_name in _RAW_TEXT:  # script/style text may hold "<": go straight to its end tag
            self.lower = self.lower or self.markup.lower()
            close = self.lower.find(f"</{self.skip_name}", found.end())
            return len(self.markup) if close < 0 else close
        return found.end()

    def _tag(self, inside: str) -> None:
        match = _NAME.match(inside)
        if not match:
            return
        name, closing = match.group(1).lower(), inside.startswith("/")
        if self.skip_name:
            self._skipping(name, closing)
        elif closing:
            self._block(name)
        elif name in _HIDDEN or self._quote_marker(inside):
            if name not in _VOID and not inside.rstrip().endswith("/"):
                self.skip_name, self.skip_depth = name, 1
        else:
            self._block(name)

    def _skipping(self, name: str, closing: bool) -> None:
        if name != self.skip_name:
            return
        self.skip_depth += -1 if closing else 1
        if self.skip_depth == 0:
            self.skip_name = ""

    def _block(self, name: str) -> None:
        if name in _BLOCK:
            self.parts.append("\n")

    @staticmethod
    def _quote_marker(inside: str) -> bool:
        for found in _MARKED.finditer(inside[:_ATTR_SCAN]):
            value = (found.group(1) or found.group(2) or found.group(3) or "").lower()
            if any(marker in value for marker in _QUOTE_MARKERS):
                return True
        return False


@functools.lru_cache(maxsize=64)
def _same_name(name: str) -> re.Pattern[str]:
    """Inside a hidden element only tags of its own name matter (nesting); the rest is skipped in C."""
    return re.compile(rf"</?{re.escape(name)}\b[^<>]*>", re.I)


def html_to_text(markup: str) -> str:
    text = _Scanner(markup).run().replace("\xa0", " ")
    lines = [line.strip() for line in text.splitlines()]
    return re.sub(r"\n{3,}", "\n\n", "\n".join(lines)).strip()
