"""Words of dates and times (Japanese and English) and the normalisation the readers rely on.

Pure and linear: every step is one regular-expression pass or a str method. After `normalise`:
NFKC (full-width digits, colons and slashes), lower case, one "~" for 〜/～, runs of spaces as one,
kanji numerals that count days, weeks, months or clock hours as digits (not 「一時的」「二時間」),
English number words as digits ("two weeks", "half past ten" → "10:30", "eleven thirty" → "11:30",
"fifth" → "5th"), and "a.m."/"p.m." as "am"/"pm".
"""

from __future__ import annotations

import re
import unicodedata

KANJI_DIGITS = {"〇": 0, "一": 1, "二": 2, "三": 3, "四": 4, "五": 5, "六": 6, "七": 7, "八": 8, "九": 9}
WEEKDAYS_JA = "月火水木金土日"
WEEKDAYS_EN = {
    "monday": 0, "tuesday": 1, "wednesday": 2, "thursday": 3, "friday": 4, "saturday": 5, "sunday": 6,
    "mon": 0, "tue": 1, "tues": 1, "wed": 2, "thu": 3, "thur": 3, "thurs": 3, "fri": 4, "sat": 5, "sun": 6,
}
FULL_WEEKDAYS = frozenset(name for name in WEEKDAYS_EN if name.endswith("day"))
MONTHS_EN = {
    "jan": 1, "january": 1, "feb": 2, "february": 2, "mar": 3, "march": 3, "apr": 4, "april": 4, "may": 5,
    "jun": 6, "june": 6, "jul": 7, "july": 7, "aug": 8, "august": 8, "sep": 9, "sept": 9, "september": 9,
    "oct": 10, "october": 10, "nov": 11, "november": 11, "dec": 12, "december": 12,
}
MONTH_RE = "|".join(sorted(MONTHS_EN, key=len, reverse=True))
WEEKDAY_EN_RE = "|".join(sorted(WEEKDAYS_EN, key=len, reverse=True))
ORD = r"(?:st|nd|rd|th)?"

_NUMBERS = {
    "one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7, "eight": 8, "nine": 9, "ten": 10,
    "eleven": 11, "twelve": 12, "thirteen": 13, "fourteen": 14, "fifteen": 15, "sixteen": 16, "seventeen": 17,
    "eighteen": 18, "nineteen": 19, "twenty": 20, "thirty": 30,
}
_ORDINALS = {
    "first": 1, "second": 2, "third": 3, "fourth": 4, "fifth": 5, "sixth": 6, "seventh": 7, "eighth": 8, "ninth": 9,
    "tenth": 10, "eleventh": 11, "twelfth": 12, "thirteenth": 13, "fourteenth": 14, "fifteenth": 15,
    "sixteenth": 16, "seventeenth": 17, "eighteenth": 18, "nineteenth": 19, "twentieth": 20, "thirtieth": 30,
}
_SUFFIX = {1: "st", 2: "nd", 3: "rd"}
_HOUR_WORDS = "|".join(w for w, n in _NUMBERS.items() if n <= 12)
_KANJI_COUNT = re.compile(r"[〇一二三四五六七八九十]+(?=[月日分]|週間|[ヶか箇カケ]月|時(?![的間期]))")
_ORDINAL_WORD = re.compile(r"\b(?:(twenty|thirty)-?)?(" + "|".join(_ORDINALS) + r")\b")
_NUMBER_WORD = re.compile(r"\b(?:(twenty|thirty)-?)?(" + "|".join(_NUMBERS) + r")\b")
_CLOCK_WORDS = re.compile(rf"\b(half|quarter) (past|to) ({_HOUR_WORDS}|\d{{1,2}})\b|\b({_HOUR_WORDS}) (fifteen|thirty|forty-five)\b")
_MINUTES = {"fifteen": 15, "thirty": 30, "forty-five": 45}


def kanji_number(text: str) -> int | None:
    """一…九, 十, 十二, 二十, 二十三, 三十一 (enough for months, days and hours)."""
    if "十" not in text:
        return int("".join(str(KANJI_DIGITS[c]) for c in text)) if all(c in KANJI_DIGITS for c in text) else None
    tens, _sep, ones = text.partition("十")
    if any(c not in KANJI_DIGITS for c in tens + ones) or len(tens) > 1 or len(ones) > 1:
        return None
    return (KANJI_DIGITS[tens] if tens else 1) * 10 + (KANJI_DIGITS[ones] if ones else 0)


def _kanji(match: re.Match[str]) -> str:
    value = kanji_number(match.group())
    return str(value) if value is not None else match.group()


def _word_value(table: dict[str, int], tens: str | None, unit: str) -> int:
    return (_NUMBERS[tens] if tens else 0) + table[unit]


def _clock(match: re.Match[str]) -> str:
    if match.group(1):
        hour = _NUMBERS.get(match.group(3)) or int(match.group(3))
        minutes = {"half": 30, "quarter": 15}[match.group(1)]
        if match.group(2) == "to":
            hour, minutes = hour - 1, 60 - minutes
        return f"{hour}:{minutes:02d}"
    return f"{_NUMBERS[match.group(4)]}:{_MINUTES[match.group(5)]:02d}"


def _ordinal(match: re.Match[str]) -> str:
    value = _word_value(_ORDINALS, match.group(1), match.group(2))
    return f"{value}{_SUFFIX.get(value % 10 if value not in (11, 12, 13) else 0, 'th')}"


def normalise(text: str) -> str:
    text = unicodedata.normalize("NFKC", text).lower().replace("〜", "~").replace("–", "-").replace("—", "-")
    text = re.sub(r"[^\S\n]+", " ", text)
    text = re.sub(r"\b([ap])\.m\.?", r"\1m", text)
    text = _KANJI_COUNT.sub(_kanji, text)
    text = _CLOCK_WORDS.sub(_clock, text)
    text = _ORDINAL_WORD.sub(_ordinal, text)
    return _NUMBER_WORD.sub(lambda m: str(_word_value(_NUMBERS, m.group(1), m.group(2))), text)
