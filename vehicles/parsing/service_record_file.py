"""Reading a DMS export of service records (CSV or JSON) into visits to record.

Pure: no database. The file as a whole is refused with one line (ServiceRecordFileError);
a bad row is reported with its place ("line 7", "[3]") and its column, and left out.
Encodings, format, header and rows as every import reads them (vehicles.parsing._file): UTF-8
with or without BOM, else Shift_JIS (cp932).
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import re
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

from vehicles.models.service_records import LABELLED_ITEMS, ServiceItem
from vehicles.parsing import _file
from vehicles.parsing._text import nfkc, remove_spaces
from vehicles.parsing.chassis import DOMESTIC_RE, VIN_RE, normalize_chassis_number
from vehicles.parsing.era import parse_japanese_date
from vehicles.services.service_records import ItemInput, RecordColumns, RecordInput

# A DMS export of a large dealer for a year fits well below these.
MAX_FILE_BYTES = 200_000_000
MAX_ROWS = 2_000_000
MAX_CELL = 2_000

COLUMNS = ("chassis_number", "performed_on", "store_code", "odometer_km", "items", "recall_number", "label",
           "meter_replaced", "external_id", "note")  # fmt: skip
ALIASES: dict[str, tuple[str, ...]] = {
    "chassis_number": ("車台番号", "chassis", "vin"),
    "performed_on": ("実施日", "作業日", "入庫日", "date", "performed"),
    "store_code": ("店舗コード", "store"),
    "odometer_km": ("走行距離", "走行距離(km)", "odometer", "mileage"),
    "items": ("作業項目", "作業", "item", "work"),
    "recall_number": ("届出番号", "リコール届出番号", "recall"),
    "label": ("作業内容", "内容", "detail", "description"),
    "meter_replaced": ("メーター交換", "meter_replaced"),
    "external_id": ("伝票番号", "外部ID", "作業伝票番号", "id", "slip"),
    "note": ("備考", "メモ", "remarks"),
}  # fmt: skip


_key = _file.column_key
_LOOKUP = _file.column_lookup(COLUMNS, ALIASES)

# Item names as DMS exports and front desks write them (keys normalised by _item_key).
_ITEM_NAMES: dict[str, str] = {
    **{item.value: item.value for item in ServiceItem},
    "車検": "shaken", "継続検査": "shaken", "車検整備": "shaken",
    "12ヶ月点検": "inspection_12m", "法定12ヶ月点検": "inspection_12m", "1年点検": "inspection_12m",
    "24ヶ月点検": "inspection_24m", "法定24ヶ月点検": "inspection_24m",
    "6ヶ月点検": "inspection_6m", "3ヶ月点検": "inspection_3m",
    "販売店点検": "company_inspection", "点検": "company_inspection",
    "リコール": "recall", "改善対策": "recall", "サービスキャンペーン": "recall",
    "エンジンオイル": "engine_oil", "オイル交換": "engine_oil", "エンジンオイル交換": "engine_oil", "オイル": "engine_oil",
    "オイルフィルター": "oil_filter", "オイルエレメント": "oil_filter", "エレメント": "oil_filter",
    "オイルフィルター交換": "oil_filter", "オイルエレメント交換": "oil_filter",
    "バッテリー": "battery_12v", "バッテリー交換": "battery_12v", "12vバッテリー": "battery_12v",
    "補機バッテリー": "battery_12v", "補機バッテリー交換": "battery_12v",
    "スマートキー電池": "smart_key_battery", "キー電池": "smart_key_battery", "スマートキー電池交換": "smart_key_battery",
    "タイヤ": "tyres", "タイヤ交換": "tyres", "tires": "tyres",
    "ブレーキフルード": "brake_fluid", "ブレーキフルード交換": "brake_fluid", "ブレーキオイル": "brake_fluid",
    "その他": "other",
}  # fmt: skip
_ITEM_SPLIT = re.compile(r"[;|、,]")
_TRUE = {"1", "yes", "true", "y", "はい", "有", "あり", "済", "○"}
_FALSE = {"", "0", "no", "false", "n", "いいえ", "無", "なし", "×"}


def _item_key(text: str) -> str:
    return remove_spaces(text).lower().replace("ヵ", "ヶ").replace("カ月", "ヶ月").replace("か月", "ヶ月").replace("ケ月", "ヶ月")


class ServiceRecordFileError(Exception):
    """The file as a whole cannot be read; the message is one line."""


@dataclass
class ParsedRow:
    where: str
    record: RecordInput | None = None
    errors: list[tuple[str, str]] = field(default_factory=list)  # (column, message)


class ParsedFile(Sequence[ParsedRow]):
    """The file's rows: the good ones as columns for the engine (no object per row), the
    problems of the others, and each row's place ("line 7", "[3]")."""

    def __init__(self, places: list[int], place_format: str, good: list[int], records: RecordColumns,
                 errors: dict[int, list[tuple[str, str]]]) -> None:  # fmt: skip
        self.places, self.place_format = places, place_format
        self.good, self.records, self.errors = good, records, errors  # good[i]: the row of records' i-th visit

    @classmethod
    def from_rows(cls, rows: list[ParsedRow]) -> ParsedFile:
        good = [index for index, row in enumerate(rows) if row.record is not None]
        records = RecordColumns.from_rows([rows[index].record for index in good])  # type: ignore[misc]
        errors = {index: row.errors for index, row in enumerate(rows) if row.record is None}
        parsed = cls(list(range(len(rows))), "", good, records, errors)
        parsed._wheres = [row.where for row in rows]
        return parsed

    _wheres: list[str] | None = None

    def where(self, index: int) -> str:
        if self._wheres is not None:
            return self._wheres[index]
        return self.place_format.format(self.places[index])

    def __len__(self) -> int:
        return len(self.places)

    def __getitem__(self, index):  # type: ignore[override]
        if isinstance(index, slice):
            return [self[i] for i in range(*index.indices(len(self)))]
        index = range(len(self))[index]
        if index in self.errors:
            return ParsedRow(where=self.where(index), errors=self.errors[index])
        position = self._positions()[index]
        r = self.records
        record = RecordInput(
            where=self.where(index), chassis_number=r.chassis_number[position] if r.chassis_number else "",
            performed_on=r.performed_on[position], store_code=r.store_code[position] if r.store_code else "",
            odometer_km=r.odometer_km[position] if r.odometer_km else None,
            meter_replaced=r.meter_replaced[position] if r.meter_replaced else False,
            external_id=r.external_id[position] if r.external_id else "", note=r.note[position] if r.note else "",
            items=r.items[position],
        )  # fmt: skip
        return ParsedRow(where=record.where, record=record)

    def _positions(self) -> dict[int, int]:
        if not hasattr(self, "_by_row"):
            self._by_row = {row: position for position, row in enumerate(self.good)}
        return self._by_row


def _text(raw: Any) -> str:
    if raw is None:
        return ""
    if type(raw) is str and raw.isascii():  # NFKC leaves ASCII as it is: the common case, fast
        text = raw.strip()
    elif isinstance(raw, (dict, list)):
        raise ValidationError(_("must be text"))
    else:
        text = nfkc(raw)
    if len(text) > MAX_CELL:
        raise ValidationError(_("is longer than %(n)s characters") % {"n": MAX_CELL})
    return text


def _chassis(raw: Any) -> str:
    text = _text(raw)
    if DOMESTIC_RE.match(text) or VIN_RE.match(text):  # already canonical
        return text
    return normalize_chassis_number(text)


@lru_cache(maxsize=4096)
def _date_text(text: str) -> dt.date:
    """Dates repeat across a file (a year has 365 of them): each is read once."""
    if len(text) == 10 and text[4] == "-":
        try:
            return dt.date.fromisoformat(text)
        except ValueError:
            pass
    return parse_japanese_date(text)


def _date(raw: Any) -> dt.date:
    return _date_text(_text(raw))


def _odometer(raw: Any) -> int | None:
    if isinstance(raw, int) and not isinstance(raw, bool):
        value = raw
    else:
        text = _text(raw)
        if not text.isdigit():
            text = re.sub(r"(?i)\s*km$", "", text).replace(",", "")
            if not text:
                return None
            if not text.isdigit():
                raise ValidationError(_("%(value)s is not a distance in km") % {"value": text})
        value = int(text)
    if not 0 <= value <= 2_000_000:
        raise ValidationError(_("%(value)s is not a distance in km") % {"value": value})
    return value


def _bool(raw: Any) -> bool:
    if isinstance(raw, bool):
        return raw
    key = _text(raw).lower()
    if key in _TRUE:
        return True
    if key in _FALSE:
        return False
    raise ValidationError(_("%(value)s is not yes/no (1/0)") % {"value": key})


def _one_item(raw: str, *, recall_number: str, label: str) -> ItemInput:
    """`車検`, `engine_oil`, `リコール:外-1234`, `その他:ワイパー交換`, `点検:プロケア10`."""
    name, _sep, detail = raw.partition(":")
    code = _ITEM_NAMES.get(_item_key(name))
    if code is None:
        raise ValidationError(_("%(value)s is not a work item") % {"value": raw})
    detail = detail.strip()
    if code == ServiceItem.RECALL:
        return ItemInput(code, recall_number=detail or recall_number)
    if code in LABELLED_ITEMS:
        return ItemInput(code, label=detail or label)
    return ItemInput(code)


@lru_cache(maxsize=4096)
def _items_text(text: str, recall_number: str, label: str) -> tuple[ItemInput, ...]:
    """The same few item lists repeat across a file: each is read once (ItemInput is frozen)."""
    return _item_list(_ITEM_SPLIT.split(text.replace("：", ":")), recall_number=recall_number, label=label)


def _item_list(parts: list[str], *, recall_number: str, label: str) -> tuple[ItemInput, ...]:
    names = [part.strip() for part in parts if part and part.strip()]
    if not names:
        raise ValidationError(_("no work item"))
    return tuple(_one_item(name, recall_number=recall_number, label=label) for name in names)


def _items(raw: Any, *, recall_number: str, label: str) -> tuple[ItemInput, ...]:
    if isinstance(raw, list):
        return _item_list([nfkc(p) for p in raw], recall_number=recall_number, label=label)
    return _items_text(_text(raw), recall_number, label)


_PARSERS: tuple[tuple[str, Any], ...] = (
    ("chassis_number", _chassis), ("performed_on", _date), ("store_code", _text), ("odometer_km", _odometer),
    ("meter_replaced", _bool), ("external_id", _text), ("note", _text), ("recall_number", _text), ("label", _text),
)  # fmt: skip


def clean_row(where: str, values: Mapping[str, Any]) -> ParsedRow:
    """One row's raw values by column → a visit to record, or its problems by column."""
    row = ParsedRow(where=where)
    parsed: dict[str, Any] = {}
    get = values.get
    for column, parse in _PARSERS:
        try:
            parsed[column] = parse(get(column))
        except ValidationError as exc:
            row.errors.append((column, " ".join(exc.messages)))
    if not row.errors:
        try:
            parsed["items"] = _items(get("items"), recall_number=parsed["recall_number"], label=parsed["label"])
        except ValidationError as exc:
            row.errors.append(("items", " ".join(exc.messages)))
    if not row.errors and not parsed["store_code"]:
        row.errors.append(("store_code", _("required")))
    if row.errors:
        return row
    row.record = RecordInput(
        where=where, chassis_number=parsed["chassis_number"], performed_on=parsed["performed_on"],
        store_code=parsed["store_code"], odometer_km=parsed["odometer_km"], meter_replaced=parsed["meter_replaced"],
        external_id=parsed["external_id"], note=parsed["note"], items=parsed["items"],
    )
    return row


# --- the file ----------------------------------------------------------------------------------


def read_file(data: bytes, *, name: str = "", fmt: str | None = None) -> ParsedFile:
    if len(data) > MAX_FILE_BYTES:
        raise ServiceRecordFileError(_("the file is larger than %(n)s bytes") % {"n": f"{MAX_FILE_BYTES:,}"})
    text = _file.decode(data, ServiceRecordFileError)
    fmt = fmt or _file.detect_format(name, text)
    rows = ParsedFile.from_rows(list(_json_rows(text))) if fmt == "json" else _csv_file(text)
    if not rows:
        raise ServiceRecordFileError(_("the file contains no service records"))
    if len(rows) > MAX_ROWS:
        raise ServiceRecordFileError(_("the file has more than %(n)s rows") % {"n": f"{MAX_ROWS:,}"})
    return rows


def _header(cells: list[str]) -> list[str]:
    return _file.read_header(
        cells, _LOOKUP, ServiceRecordFileError, required=("chassis_number", "performed_on", "items"),
        missing=lambda column: _("the header has no %(column)s column") % {"column": column},
    )  # fmt: skip


def _csv_rows(text: str, *, rows: list[tuple[int, list[str]]] | None = None, columns: list[str] | None = None
              ) -> Iterator[ParsedRow]:  # fmt: skip
    """Row by row (the careful reader: any CSV); `rows` read already are cleaned with `columns`."""
    if rows is not None:
        for line, cells in rows:
            yield _csv_row(f"line {line}", columns or [], cells)
        return
    lines = _file.csv_rows(text, ServiceRecordFileError)
    header = next(lines, None)
    if header is None:
        raise ServiceRecordFileError(_("the file is empty"))
    columns = _header(header[1])
    for line, cells in lines:
        yield _csv_row(f"line {line}", columns, cells)


# --- the fast CSV path: column by column --------------------------------------------------------
#
# A DMS export of a hundred thousand rows is read column by column: a value is parsed once per
# distinct value (dates, stores, item lists repeat), or checked for the common, already-clean
# form in one pass (ASCII chassis numbers and distances). Any cell the fast path does not accept
# sends its whole row through clean_row, so every row gets exactly the values and the messages
# the row-by-row reader gives.

_SLOW = object()  # a cell for clean_row
_CANONICAL_CHASSIS = re.compile(r"(?:(?:[A-Z0-9]{2,10}-[0-9]{5,8}|[A-HJ-NPR-Z0-9]{17})\n)*")


def _each(values: Sequence[str], parse: Callable[[Any], Any]) -> list[Any]:
    out: list[Any] = []
    for value in values:
        try:
            out.append(parse(value))
        except ValidationError:
            out.append(_SLOW)
    return out


def _distinct(values: Sequence[Any], parse: Callable[[Any], Any]) -> list[Any]:
    distinct = list(set(values))
    table = dict(zip(distinct, _each(distinct, parse), strict=True))
    return [table[value] for value in values]


def _chassis_column(values: Sequence[str]) -> list[Any]:
    if _CANONICAL_CHASSIS.fullmatch("\n".join(values) + "\n"):
        return list(values)  # every value already canonical: _chassis would return it as it is
    return _each(values, _chassis)


def _odometer_column(values: Sequence[str]) -> list[Any]:
    if "".join(values).isascii() and all(value.isdigit() and len(value) < 8 for value in values):
        out = [int(value) for value in values]
        if max(out, default=0) <= 2_000_000:
            return list(out)
    return _each(values, _odometer)


def _store_column(values: Sequence[str]) -> list[Any]:
    return [value or _SLOW for value in _distinct(values, _text)]  # required: clean_row says so


def _text_column(values: Sequence[str]) -> list[Any]:
    if "".join(values).isascii():
        out: list[Any] = [value.strip() for value in values]
        if max(map(len, out), default=0) <= MAX_CELL:
            return out
    return _each(values, _text)


_FAST: dict[str, Callable[[Sequence[str]], list[Any]]] = {
    "chassis_number": _chassis_column, "performed_on": lambda values: _distinct(values, _date),
    "store_code": _store_column, "odometer_km": _odometer_column,
    "meter_replaced": lambda values: _distinct(values, _bool), "external_id": _text_column, "note": _text_column,
    "recall_number": lambda values: _distinct(values, _text), "label": lambda values: _distinct(values, _text),
}  # fmt: skip


def _items_column(items: Sequence[str], recall_numbers: Sequence[Any], labels: Sequence[Any]) -> list[Any]:
    def parse(key: tuple[str, Any, Any]) -> Any:
        text, recall_number, label = key
        if recall_number is _SLOW or label is _SLOW:
            return _SLOW
        return _items(text, recall_number=recall_number, label=label)

    if not any(recall_numbers) and not any(labels):  # the usual file: neither column, or both empty
        return _distinct(items, lambda text: _items(text, recall_number="", label=""))
    return _distinct(list(zip(items, recall_numbers, labels, strict=True)), parse)


def _csv_file(text: str) -> ParsedFile:
    """Without quotes every physical line is one row; else the row-by-row reader (a quoted cell
    may span lines, and its line numbers are the reader's)."""
    if '"' in text:
        return ParsedFile.from_rows(list(_csv_rows(text)))
    try:
        lines = list(csv.reader(io.StringIO(text, newline="")))
    except csv.Error:
        return ParsedFile.from_rows(list(_csv_rows(text)))  # raises with the line
    start = next((index for index, cells in enumerate(lines) if "".join(cells).strip()), None)
    if start is None:
        raise ServiceRecordFileError(_("the file is empty"))
    columns = _header(lines[start])
    width = len(columns)
    places: list[int] = []
    fast: list[list[str]] = []  # rows with as many cells as columns, each with its place
    fast_at: list[int] = []
    others: dict[int, ParsedRow] = {}
    for index in range(start + 1, len(lines)):
        cells = lines[index]
        if not "".join(cells).strip():
            continue
        if len(cells) == width:
            fast_at.append(len(places))
            fast.append(cells)
        else:
            others[len(places)] = next(_csv_rows(text, rows=[(index + 1, cells)], columns=columns))
        places.append(index + 1)
    by_column = {column: [cells[at] for cells in fast] for at, column in enumerate(columns) if column}
    count = len(fast)

    def raw(column: str) -> Sequence[str]:
        return by_column.get(column) or ("",) * count

    parsed = {column: parse(raw(column)) for column, parse in _FAST.items()}
    parsed["items"] = _items_column(raw("items"), parsed["recall_number"], parsed["label"])
    slow: set[int] = set()
    for values in parsed.values():
        if _SLOW in values:
            slow.update(index for index, value in enumerate(values) if value is _SLOW)
    for index in sorted(slow):
        others[fast_at[index]] = clean_row(f"line {places[fast_at[index]]}", dict(zip(columns, fast[index], strict=False)))
    return _assemble(places, fast_at, parsed, slow, others)


_RECORD_FIELDS = ("chassis_number", "performed_on", "store_code", "odometer_km", "meter_replaced", "external_id", "note",
                  "items")  # fmt: skip


def _assemble(places: list[int], fast_at: list[int], parsed: dict[str, list[Any]], slow: set[int],
              others: dict[int, ParsedRow]) -> ParsedFile:  # fmt: skip
    """Fast rows and the rows clean_row read, in file order, as one ParsedFile."""
    errors = {row: parsed_row.errors for row, parsed_row in others.items() if parsed_row.record is None}
    if not others:
        good, values = list(fast_at), {name: parsed[name] for name in _RECORD_FIELDS}
    else:
        rows: dict[int, Any] = {fast_at[index]: index for index in range(len(fast_at)) if index not in slow}
        rows.update((row, parsed_row.record) for row, parsed_row in others.items() if parsed_row.record is not None)
        good = sorted(rows)
        values = {name: [parsed[name][rows[row]] if isinstance(rows[row], int) else getattr(rows[row], name) for row in good]
                  for name in _RECORD_FIELDS}  # fmt: skip
    return ParsedFile(places, "line {}", good, RecordColumns(**values), errors)


def _csv_row(where: str, columns: list[str], cells: list[str]) -> ParsedRow:
    if len(cells) > len(columns) and any(cell.strip() for cell in cells[len(columns):]):
        return ParsedRow(where=where, errors=[("", _("has %(cells)s cells but the header has %(columns)s columns") % {
            "cells": len(cells), "columns": len(columns)})])  # fmt: skip
    return clean_row(where, dict(zip(columns, cells, strict=False)))


def _json_rows(text: str) -> Iterator[ParsedRow]:
    prefix, data = _file.json_items(
        text, ServiceRecordFileError, key="service_records",
        expected=_('expected a JSON object, a list of objects or {"service_records": [...]}'),
    )  # fmt: skip
    for index, item in enumerate(data):
        where = f"{prefix}[{index}]"
        if not isinstance(item, Mapping):
            yield ParsedRow(where=where, errors=[("", _("is not a JSON object"))])
            continue
        values = {}
        for name, value in item.items():
            column = _LOOKUP.get(_key(name))
            if column is not None and value is not None:
                values[column] = value
        yield clean_row(where, values)


FORMAT_DOC = """\
CSV: UTF-8 (with or without BOM) or Shift_JIS, comma-separated, one header row. Column names
in English or Japanese (in brackets). One row is one visit, or one item of a visit (rows of the
same car and day are one visit).

  chassis_number  [車台番号] required; a car of the company (full-width accepted).
  performed_on    [実施日] required: 2026-05-31, 2026/5/31, 令和8年5月31日, R8.5.31.
  store_code      [店舗コード] required: a store of the company.
  items           [作業項目] required: one or more of 車検, 12ヶ月点検, 24ヶ月点検, 6ヶ月点検, 3ヶ月点検,
                  点検:<name> (the dealer's own), リコール:<届出番号>, エンジンオイル, オイルフィルター,
                  バッテリー (12 V), スマートキー電池, タイヤ, ブレーキフルード, その他:<text> — or the codes
                  shaken, inspection_12m, …, other — separated by ; | 、 or ,.
  recall_number   [届出番号] the recall campaign for a bare リコール item.
  label           [作業内容] what was done, for a bare 点検 or その他 item.
  odometer_km     [走行距離] whole km: 45000, 45,000 or 45000km.
  meter_replaced  [メーター交換] 1/0: the meter was replaced (a lower reading is expected).
  external_id     [伝票番号] the DMS's id of the visit: the same id again is the same visit.
  note            [備考] free text.

JSON: one object, a list of objects, or {"service_records": [...]} with the same keys; items may
be a list.

Each row is recorded whole or not at all; errors name the row (CSV: "line 7", the file's
physical line; JSON: "[3]") and the column. Refused rows: a car of another company or unknown,
a date in the future or before the first registration, an odometer below the last known one
(unless meter_replaced), recall work for a campaign the car is not a target of. Importing the
same file again changes nothing; a visit already entered in the portal is the same record.
A shaken moves the car's expiry forward (never back); recall work marks the recall done.
The command exits non-zero when any row failed; the good rows are recorded.
"""
