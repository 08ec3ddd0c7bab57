"""Problems found in a submitted file: data, not exceptions.

An issue says what is wrong (a stable ``code`` and a Vietnamese ``message``), how bad it is,
and where, as the sender sees it in Excel: sheet, cell ("C7"), row and column numbers.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any, Literal

Severity = Literal["error", "warning"]

# Every issue code, with what it means; README.md lists them for operators.
CODES: dict[str, str] = {
    # the file itself
    "empty_file": "the file has 0 bytes",
    "unsupported_format": "not a spreadsheet type (.xlsx, .xls, .ods, .csv)",
    "not_a_spreadsheet": "the content is not what the name says (renamed PDF, HTML, Word...)",
    "corrupt_file": "truncated or damaged; the parser could not read it",
    "encrypted": "password-protected",
    "macros": "contains VBA or Basic macros",
    "too_large": "too big, or unpacks to too much (zip bomb)",
    "xml_entities": "XML with DOCTYPE or ENTITY declarations",
    "sheet_too_large": "a sheet reaching beyond the row or column limit",
    "parser_crashed": "the parser process died on this file",
    "parser_timeout": "the parser took longer than the time limit",
    "encoding": "a CSV in none of the accepted encodings",
    "engine_error": "the engine failed on this file (a bug: the traceback is on stderr), or the "
    "file stopped two runs while being judged",
    "unreadable": "the engine's user may not read the file (permissions) or the disk failed",
    "not_ready": "still being written or younger than the minimum age: taken by a later run",
    "several_tables": "tables of the form on more than one sheet",
    "too_many_errors": "checking stopped after many errors",
    # the table
    "no_header": "no row matches any form's column labels",
    "unknown_form": "some labels match but no form matches well enough",
    "missing_column": "a required column is not in the header",
    "unknown_column": "a header cell that is no column of the form (warning)",
    "no_data": "a header but no data rows",
    # cells
    "missing_value": "a required cell is empty",
    "formula_no_value": "a formula saved without its value (never opened in Excel)",
    "formula_text": "the text of a formula instead of a value",
    "not_integer": "not a whole number",
    "not_number": "not a number",
    "ambiguous_number": "a number read two ways (1,500: one and a half or fifteen hundred)",
    "not_date": "not a date (day first)",
    "not_yes_no": "not yes or no",
    "not_in_choices": "not one of the column's choices",
    "bad_phone": "not a phone number",
    "below_min": "below the column's minimum",
    "above_max": "above the column's maximum",
    "rule_failed": "a cross-field rule of the form does not hold",
    "unknown_unit": "no such unit (a suggestion when one is close)",
    "ambiguous_unit": "the name fits several units",
    "unit_outside": "the unit is not inside the unit of its 'within' column",
    "unknown_site": "the unit is no site of the plan",
    "site_not_in_milestone": "the site does not send this milestone",
    "unknown_model": "no such model in the plan",
    "wrong_model": "not the model the plan assigns to the site",
    "duplicate_row": "the same site twice in one file",
    # against the ledger (warnings)
    "late": "received after the due date (accepted, marked late)",
    "milestone_guessed": "the title does not name the milestone of a shared form: counted for "
    "the earliest one the site still owes",
    "not_registered": "no accepted registration from the site (no recognition without one)",
    "unit_changed": "a unit other than the one the site registered",
    "new_version": "replaces the site's earlier record for the milestone (kept in history)",
    "duplicate_file": "the same bytes were accepted before (not counted again)",
    # a blank form's marker (warnings: the content decides)
    "form_not_in_plan": "a blank form of another plan, or of a form the plan no longer has",
    "old_form_version": "a blank form of an older version of the form",
    "marker_mismatch": "the form was made for another form or site than its content",
}


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

    def as_dict(self) -> dict[str, Any]:
        """JSON-ready form, with the cell name alongside row and column."""
        data = asdict(self)
        order = ("code", "severity", "message", "sheet", "cell", "row", "column")
        return {key: self.cell if key == "cell" else data[key] for key in order} | {
            "value": self.value,
            "suggestion": self.suggestion,
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Issue:
        """Back from :meth:`as_dict` (the ledger stores issues as JSON)."""
        fields = {k: v for k, v in data.items() if k != "cell"}
        return cls(**fields)


def error(code: str, message: str, **where: Any) -> Issue:
    """An issue that rejects the file."""
    assert code in CODES, code
    return Issue(code, "error", message, **where)


def warning(code: str, message: str, **where: Any) -> Issue:
    """An issue reported to the sender without rejecting the file."""
    assert code in CODES, code
    return Issue(code, "warning", message, **where)


def has_errors(issues: list[Issue]) -> bool:
    """Whether any issue rejects the file."""
    return any(i.is_error for i in issues)
