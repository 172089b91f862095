"""Reading an import file the same way for every import (vehicles, service records): the
encoding, the format, the header, the CSV rows with the physical line each starts on, and the
JSON list of objects. Pure: no database. A problem with the file as a whole is raised as the
caller's error class, with a one-line message.
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Callable, Iterator, Mapping
from typing import Any

from django.utils.translation import gettext as _

from vehicles.parsing._text import nfkc, remove_spaces


def column_key(name: object) -> str:
    """A header cell as compared with the column names: width, spaces, case and _ ignored."""
    return remove_spaces(nfkc(name)).lower().replace("_", "")


def column_lookup(columns: tuple[str, ...], aliases: Mapping[str, tuple[str, ...]]) -> dict[str, str]:
    return {column_key(alias): column for column in columns for alias in (column, *aliases.get(column, ()))}


def decode(data: bytes, error: type[Exception]) -> str:
    """UTF-8 (with or without BOM), else Shift_JIS (cp932, Excel's Japanese CSV)."""
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        try:
            text = data.decode("cp932")
        except UnicodeDecodeError:
            raise error(_("the file is neither UTF-8 nor Shift_JIS text")) from None
    if not text.strip():
        raise error(_("the file is empty"))
    return text


def detect_format(name: str, text: str) -> str:
    """json or csv: from the file name, else from the first character."""
    lowered = name.lower()
    if lowered.endswith(".json"):
        return "json"
    if lowered.endswith((".csv", ".txt")):
        return "csv"
    return "json" if text.lstrip()[:1] in ("{", "[") else "csv"


def read_header(
    cells: list[str], lookup: Mapping[str, str], error: type[Exception], *, required: tuple[str, ...],
    missing: Callable[[str], str],
) -> list[str]:  # fmt: skip
    """The header row → the canonical column of each cell; unknown or repeated names and a
    missing required column are the file's error (`missing(column)` says which)."""
    columns: list[str] = []
    unknown = []
    for cell in cells:
        column = lookup.get(column_key(cell))
        if column is None:
            unknown.append(" ".join(cell.split()))  # one line: a quoted cell may hold line breaks
        elif column in columns:
            raise error(_("the header names column %(column)s twice") % {"column": column})
        columns.append(column or "")
    if unknown:
        raise error(_("unknown column(s) in the header: %(names)s") % {"names": ", ".join(unknown)[:200]})
    for column in required:
        if column not in columns:
            raise error(missing(column))
    return columns


def csv_rows(text: str, error: type[Exception]) -> Iterator[tuple[int, list[str]]]:
    """(line, cells) of every non-blank row, the line being the physical one the row starts on
    (a quoted cell may span lines); the header is the first."""
    reader = csv.reader(io.StringIO(text, newline=""))
    try:
        while True:
            line = reader.line_num + 1
            try:
                cells = next(reader)
            except StopIteration:
                return
            if any(cell.strip() for cell in cells):
                yield line, cells
    except csv.Error as exc:
        raise error(_("line %(line)s: not valid CSV: %(error)s") % {"line": reader.line_num, "error": exc}) from None


def json_items(text: str, error: type[Exception], *, key: str, expected: str) -> tuple[str, list[Any]]:
    """The file's list of objects and the prefix of their places: a list, one object, or
    {key: [...]} (prefix `key`); anything else is the file's error (`expected` says what)."""
    try:
        data = json.loads(text)
    except (json.JSONDecodeError, RecursionError) as exc:
        detail = f"{exc.msg} at line {exc.lineno} column {exc.colno}" if isinstance(exc, json.JSONDecodeError) else "nested too deeply"
        raise error(_("not valid JSON: %(error)s") % {"error": detail}) from None
    prefix = ""
    if isinstance(data, Mapping) and key in data:
        data, prefix = data[key], key
    if isinstance(data, Mapping):
        data = [data]
    if not isinstance(data, list):
        raise error(expected)
    return prefix, data
