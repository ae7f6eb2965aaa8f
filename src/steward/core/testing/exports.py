"""Reading the CSV exports of list pages and reports, for tests."""

from __future__ import annotations

import csv
import io
from typing import Any

# What a spreadsheet would run as a formula at the start of a cell (core.csvsafe).
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def _text(response: Any) -> str:
    body = b"".join(response.streaming_content) if response.streaming else response.content
    # The byte-order mark is there for Excel; the rows start after it.
    return body.decode("utf-8").lstrip("\ufeff")


def csv_rows(response: Any) -> list[list[str]]:
    """The rows of a CSV export, the header first."""
    return list(csv.reader(io.StringIO(_text(response))))


def csv_records(response: Any) -> list[dict[str, str]]:
    """The rows of a CSV export, each by its column headings."""
    return list(csv.DictReader(io.StringIO(_text(response))))


def assert_formulas_defused(response: Any, values: list[str]) -> None:
    """Each of ``values`` (text a spreadsheet would run) is in the export only behind a
    leading apostrophe."""
    cells = {cell for row in csv_rows(response) for cell in row}
    assert all(value.startswith(FORMULA_STARTS) for value in values)
    assert {"'" + value for value in values} <= cells
    assert not cells & set(values)
