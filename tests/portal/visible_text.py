"""What a reader sees on a page, and the internal codes or English that must not be in it when
the page is Japanese (issue 16 point 7).

Visible text is every text node outside script/style plus the attributes a browser shows
(placeholder, title, alt, aria-label, button values). E-mail addresses and URLs are taken out
first: they are data, not words.

A leak is:
- a code: lower-case ASCII words joined by `_` or `:` (stop_now, lamp:charging, see_dealer_soon);
- a lower-case English word of three letters or more (confirmed, requested, received);
- an English word from a label of the project's choices (Confirmed, Reached the owner), which
  is what an untranslated enum label looks like;
- an ISO date (2026-12-10): staff read 2026年12月10日(木).
Brand and product names are written as they are (T-Connect, e-Care, MyTOYOTA+, OBD-II, DTC).
"""

from __future__ import annotations

import re
from html.parser import HTMLParser

from django.apps import apps
from django.utils import translation

_SHOWN_ATTRIBUTES = ("placeholder", "title", "alt", "aria-label")
_HIDDEN_TAGS = {"script", "style", "template", "noscript"}
_EMAIL_OR_URL = re.compile(r"[\w.+-]+@[\w.-]+|https?://\S+|/[\w./?=&%-]+")
CODE = re.compile(r"\b[a-z][a-z0-9]*(?:[_:][a-z0-9]+)+\b")
LOWER_WORD = re.compile(r"(?<![\w-])[a-z]{3,}(?![\w-])")
ISO_DATE = re.compile(r"\b\d{4}-\d{2}-\d{2}\b")  # dates are written 2026年12月10日 for staff
CAPITAL_WORD = re.compile(r"(?<![\w-])[A-Z][a-z]{2,}(?![\w-])")
# Names that are written in Latin letters in Japanese too.
ALLOWED_WORDS = {"English", "Connect", "Care", "Vehicle"}


class _VisibleText(HTMLParser):
    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.hidden = 0
        self.parts: list[str] = []

    def handle_starttag(self, tag, attrs):
        values = {k: v or "" for k, v in attrs}
        if tag in _HIDDEN_TAGS:
            self.hidden += 1
        if self.hidden:
            return
        self.parts += [values[name] for name in _SHOWN_ATTRIBUTES if values.get(name)]
        if tag == "input" and values.get("type") in ("submit", "button") and values.get("value"):
            self.parts.append(values["value"])

    def handle_endtag(self, tag):
        if tag in _HIDDEN_TAGS and self.hidden:
            self.hidden -= 1

    def handle_data(self, data):
        if not self.hidden and data.strip():
            self.parts.append(data.strip())


def visible_text(html: str) -> list[str]:
    parser = _VisibleText()
    parser.feed(html)
    return [_EMAIL_OR_URL.sub(" ", part) for part in parser.parts]


def _english_label_words() -> set[str]:
    """Capitalised words of every choice label of the project's models, in English."""
    words: set[str] = set()
    with translation.override("en"):
        for model in apps.get_models():
            if model._meta.app_label not in ("dealers", "vehicles", "notifications"):
                continue
            for model_field in model._meta.get_fields():
                for _value, label in getattr(model_field, "choices", None) or ():
                    words |= set(CAPITAL_WORD.findall(str(label)))
    return words - ALLOWED_WORDS


def leaks(html: str) -> list[str]:
    """The untranslated bits of a page rendered in Japanese, each with a little context."""
    english = _english_label_words()
    found = []
    for part in visible_text(html):
        bad = CODE.findall(part) + LOWER_WORD.findall(part) + [w for w in CAPITAL_WORD.findall(part) if w in english]
        bad += ISO_DATE.findall(part)
        found += [f"{word!r} in {part[:80]!r}" for word in bad]
    return found
