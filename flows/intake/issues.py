"""Problems found in a submitted file: data, not exceptions.

An issue says what is wrong (a stable ``code`` and a Vietnamese ``message``), how bad it is,
and where, as the sender sees it in Excel: sheet, cell ("C7"), row and column numbers.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, replace
from typing import Any, Literal

Severity = Literal["error", "warning"]


def column_letter(column: int) -> str:
    """1 -> ``A``, 27 -> ``AA``, 16384 -> ``XFD``."""
    letters = ""
    while column > 0:
        column, rest = divmod(column - 1, 26)
        letters = chr(65 + rest) + letters
    return letters


def cell_ref(row: int, column: int) -> str:
    """The Excel name of a cell from 1-based row and column: ``cell_ref(7, 3) == "C7"``."""
    return f"{column_letter(column)}{row}"


@dataclass(frozen=True)
class Issue:
    """One problem, with where it is (1-based row and column, as Excel shows them)."""

    code: str
    severity: Severity
    message: str
    sheet: str | None = None
    row: int | None = None
    column: int | None = None
    value: str | None = None
    suggestion: str | None = None

    @property
    def cell(self) -> str | None:
        """``"C7"`` when the issue is about one cell."""
        if self.row is None or self.column is None:
            return None
        return cell_ref(self.row, self.column)

    @property
    def is_error(self) -> bool:
        """Errors reject the file; warnings are reported with an accepted file."""
        return self.severity == "error"

    def at(self, **where: Any) -> Issue:
        """The same issue placed elsewhere (``issue.at(sheet="Sheet1")``)."""
        return replace(self, **where)

    def as_dict(self) -> dict[str, Any]:
        """JSON-ready form, with the cell name alongside row and column."""
        data = asdict(self)
        data["cell"] = self.cell
        return data

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Issue:
        """Back from :meth:`as_dict` (the ledger stores issues as JSON)."""
        fields = {k: v for k, v in data.items() if k != "cell"}
        return cls(**fields)


def error(code: str, message: str, **where: Any) -> Issue:
    """An issue that rejects the file."""
    return Issue(code, "error", message, **where)


def warning(code: str, message: str, **where: Any) -> Issue:
    """An issue reported to the sender without rejecting the file."""
    return Issue(code, "warning", message, **where)


def has_errors(issues: list[Issue]) -> bool:
    """Whether any issue rejects the file."""
    return any(i.is_error for i in issues)
