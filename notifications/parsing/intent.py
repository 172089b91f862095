"""What an e-mail reply wants, from its words: book, change, cancel, or ask (pure).

The app and the navi send the intent explicitly; mail has only text. Cancel and change words
win over booking words (「予約をキャンセル」 is a cancellation); a reply with a date and no other
cue is a booking; a reply without either is a question for the store. (A change or a booking
without a usable date becomes a request for the store to propose a time.)
"""

from __future__ import annotations

import re
import unicodedata

BOOK, ASK, CANCEL, CHANGE = "book", "ask", "cancel", "change"

_CANCEL = re.compile(r"キャンセル|取り消し|取消|取りやめ|とりやめ|中止|\bcancel", re.I)
_CHANGE = re.compile(r"変更|振替|日程を変え|別の日|\breschedul|\bchange\b|\bmove\b", re.I)
_BOOK = re.compile(r"予約|入庫|お願いしたい|伺います|伺いたい|行きます|持って行|\bbook|\bappointment|\breserv", re.I)


def reply_intent(text: str, *, has_dates: bool) -> str:
    words = unicodedata.normalize("NFKC", text or "")
    if _CANCEL.search(words):
        return CANCEL
    if _CHANGE.search(words):
        return CHANGE
    if has_dates or _BOOK.search(words):
        return BOOK
    return ASK


_YES = re.compile(
    r"^\W*(?:はい|ええ|うん|それで|その日時で|その時間で|それでお願い|お願いします|大丈夫|よろしい|問題ありません|結構です|ok|okay|yes|yep|sure|correct|"
    r"that'?s (?:right|fine|correct)|sounds good|fine)",
    re.I,
)


def affirmation(text: str) -> bool:
    """「はい、お願いします」 / "Yes, that's right": the owner confirms what we asked them about."""
    return bool(_YES.match(unicodedata.normalize("NFKC", text or "").strip()))
