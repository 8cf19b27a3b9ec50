"""Spreadsheet-safe cells for every CSV and XLSX export (formula injection, CWE-1236).

A text cell that starts with = + - @, a tab or a carriage return is run as a formula by Excel,
LibreOffice and Sheets; such a cell gets a leading apostrophe so it is shown as text. Numbers,
and text that is just a number (a signed amount), are left as they are.
"""

from __future__ import annotations

import csv
import re
from collections.abc import Iterable
from typing import Any

FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")
PLAIN_NUMBER = re.compile(r"^[+-]?[0-9]+(\.[0-9]+)?$")


def safe_cell(value: Any) -> Any:
    """The value to write into a spreadsheet cell: formula-looking text is quoted."""
    if isinstance(value, str) and value.startswith(FORMULA_PREFIXES):
        if PLAIN_NUMBER.match(value) and not value.startswith("+"):
            return value
        return "'" + value
    return value


def safe_row(row: Iterable[Any]) -> list[Any]:
    return [safe_cell(value) for value in row]


class SafeCsvWriter:
    """`csv.writer` whose rows go through `safe_cell`; writerow returns what the target returns
    (so it also works with an echo buffer for streaming responses)."""

    def __init__(self, target: Any) -> None:
        self._writer = csv.writer(target)

    def writerow(self, row: Iterable[Any]) -> Any:
        return self._writer.writerow(safe_row(row))

    def writerows(self, rows: Iterable[Iterable[Any]]) -> None:
        self._writer.writerows(safe_row(row) for row in rows)
