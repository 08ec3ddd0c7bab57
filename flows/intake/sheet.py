"""A worksheet as plain values, with the Excel position of every cell kept."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta

CellValue = str | float | int | bool | date | datetime | time | timedelta | None


@dataclass(frozen=True)
class Sheet:
    """The used area of one worksheet; ``rows[i][j]`` is the cell at Excel row
    ``first_row + i`` and column ``first_column + j`` (both 1-based)."""

    name: str
    rows: list[list[CellValue]]
    first_row: int = 1
    first_column: int = 1
    merged: list[tuple[int, int, int, int]] = field(default_factory=list)

    def value(self, row: int, column: int) -> CellValue:
        """The value at Excel ``row`` and ``column``, ``None`` outside the used area."""
        i, j = row - self.first_row, column - self.first_column
        if 0 <= i < len(self.rows) and 0 <= j < len(self.rows[i]):
            return self.rows[i][j]
        return None

    @property
    def last_row(self) -> int:
        """The last Excel row of the used area."""
        return self.first_row + len(self.rows) - 1

    @property
    def last_column(self) -> int:
        """The last Excel column of the used area."""
        width = max((len(r) for r in self.rows), default=0)
        return self.first_column + width - 1


def is_blank(value: CellValue) -> bool:
    """An empty cell, or one holding only spaces."""
    return value is None or (isinstance(value, str) and not value.strip())
