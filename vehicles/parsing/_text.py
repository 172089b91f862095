"""Shared text clean-up for the parsers: width, case and hyphen-like characters."""

from __future__ import annotations

import re
import unicodedata

# Characters people (and IMEs) type where a hyphen is meant. NFKC already maps the
# full-width hyphen-minus (U+FF0D) to "-" and the half-width prolonged mark to "ー".
_HYPHENS = "ー‐‑‒–—―−﹣"
_HYPHEN_RE = re.compile(f"[{_HYPHENS}]")
_SPACE_RE = re.compile(r"\s+")


def nfkc(raw: object) -> str:
    """NFKC-normalise (full-width → half-width) and strip; None becomes ""."""
    if raw is None:
        return ""
    return unicodedata.normalize("NFKC", str(raw)).strip()


def unify_hyphens(text: str) -> str:
    return _HYPHEN_RE.sub("-", text)


def remove_spaces(text: str) -> str:
    return _SPACE_RE.sub("", text)
