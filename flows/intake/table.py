"""Finding the form's table in a worksheet.

Vietnamese forms carry a title block above the header ("ỦY BAN MTTQ…", "BẢNG ĐĂNG KÝ…"),
sometimes a two-row header with merged cells, a row of column numbers "(1) (2) (3)", blank
rows, a "Tổng cộng" row and a signature block below. The header is the row (or pair of rows)
whose cells best match one form's labels and aliases, compared without case, accents,
punctuation or numbering; that form, hence the milestone, is the one the file is for.
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any

from flows.intake.issues import Issue, cell_ref, error, warning
from flows.intake.sheet import CellValue, Sheet, is_blank
from flows.intake.values import shown
from flows.names import fold_accents, nfc
from flows.plan.schema import Column, Form

LIKENESS = 0.75  # how alike a header and a label must be spelled to ask if one is the other
IGNORED_HEADERS = frozenset({"stt", "tt", "so tt", "so thu tu", "thu tu"})
TOTAL_WORDS = ("tong cong", "cong", "tong so", "tong")
FOOTER_WORDS = (
    "nguoi lap",
    "nguoi tong hop",
    "tm ",
    "t m ",
    "noi nhan",
    "thu truong",
    "chu tich",
    "truong ban",
    "ky ten",
    "xac nhan cua",
)
_PARENS = re.compile(r"\([^)]*\)")
_NUMBERING = re.compile(r"^\s*(?:[0-9]+|[ivxlc]+|[a-z])\s*[.)/]\s+")
_NON_WORD = re.compile(r"[^\w]+")
_COLUMN_NUMBER = re.compile(r"^\(?\s*(\d+)\s*\)?$")
_DATE_LINE = re.compile(r"\bngay\b.*\bthang\b.*\bnam\b")


@lru_cache(maxsize=4096)
def label_key(text: str) -> str:
    """``"1. Số hộ tham gia (hộ)*"`` -> ``"so ho tham gia"``: how headers are compared."""
    text = fold_accents(nfc(text).casefold())
    text = _NUMBERING.sub("", _PARENS.sub(" ", text))
    return _NON_WORD.sub(" ", text).replace("_", " ").strip()


def _text_key(value: CellValue) -> str:
    return label_key(value) if isinstance(value, str) else ""


@dataclass(frozen=True)
class Table:
    """Where a form's table sits in a sheet, and what its header could not account for."""

    form: Form
    sheet: Sheet
    header_row: int
    header_depth: int
    columns: dict[str, int]
    rows: list[int]
    issues: list[Issue] = field(default_factory=list)

    def column_of(self, key: str) -> int | None:
        """The Excel column holding the form column ``key``, if the header had it."""
        return self.columns.get(key)


@dataclass(frozen=True)
class _Match:
    form: Form
    row: int
    depth: int
    columns: dict[str, int]
    unknown: list[int]

    @property
    def score(self) -> tuple[float, int, int]:
        matched = len(self.columns)
        jaccard = matched / (len(self.form.columns) + len(self.unknown))
        return (jaccard, matched, -self.depth)

    def acceptable(self) -> bool:
        required = [c.key for c in self.form.columns if c.required]
        found = sum(1 for key in required if key in self.columns)
        return len(self.columns) >= min(2, len(self.form.columns)) and 2 * found >= len(required)


_FORM_KEYS: dict[int, tuple[Form, dict[str, Column]]] = {}


def _form_keys(form: Form) -> dict[str, Column]:
    cached = _FORM_KEYS.get(id(form))
    if cached is not None and cached[0] is form:
        return cached[1]
    keys: dict[str, Column] = {}
    for column in form.columns:
        for text in (column.label, *column.aliases):
            keys.setdefault(label_key(text), column)
    _FORM_KEYS[id(form)] = (form, keys)
    return keys


def _header_texts(sheet: Sheet, row: int, depth: int, column: int) -> list[str]:
    upper = _text_key(_merged_value(sheet, row, column))
    if depth == 1:
        return [upper]
    lower = _text_key(sheet.value(row + 1, column))
    return [t for t in (lower, upper, f"{upper} {lower}".strip()) if t]


def _merged_value(sheet: Sheet, row: int, column: int) -> CellValue:
    value = sheet.value(row, column)
    if not is_blank(value):
        return value
    for r1, c1, r2, c2 in sheet.merged:
        if r1 <= row <= r2 and c1 <= column <= c2:
            return sheet.value(r1, c1)
    return value


def _match(sheet: Sheet, form: Form, keys: dict[str, Column], row: int, depth: int) -> _Match:
    columns: dict[str, int] = {}
    unknown: list[int] = []
    for column in range(sheet.first_column, sheet.last_column + 1):
        texts = _header_texts(sheet, row, depth, column)
        if not texts or not any(texts):
            continue
        hit = next((keys[t] for t in texts if t in keys and keys[t].key not in columns), None)
        if hit is not None:
            columns[hit.key] = column
        elif not IGNORED_HEADERS & set(texts):
            unknown.append(column)
    return _Match(form, row, depth, columns, unknown)


def _candidates(sheet: Sheet, forms: list[Form], header_rows: int) -> Iterable[_Match]:
    last = min(sheet.last_row, sheet.first_row + header_rows - 1)
    for form in forms:
        keys = _form_keys(form)
        for row in range(sheet.first_row, last + 1):
            if sum(1 for v in _row_values(sheet, row) if _text_key(v) in keys) == 0:
                continue
            for depth in (1, 2):
                yield _match(sheet, form, keys, row, depth)


def _row_values(sheet: Sheet, row: int) -> list[CellValue]:
    index = row - sheet.first_row
    return sheet.rows[index] if 0 <= index < len(sheet.rows) else []


def find_table(sheets: list[Sheet], forms: list[Form], header_rows: int = 40) -> Table | Issue:
    """The best-matching form's table across ``sheets``, or why there is none."""
    best: _Match | None = None
    best_sheet: Sheet | None = None
    per_sheet: list[tuple[Sheet, _Match]] = []
    for sheet in sheets:
        here = max(_candidates(sheet, forms, header_rows), key=lambda m: m.score, default=None)
        if here is None:
            continue
        per_sheet.append((sheet, here))
        if best is None or here.score > best.score:
            best, best_sheet = here, sheet
    if best is None or best_sheet is None or not best.acceptable():
        return _no_table(sheets, best, header_rows)
    table = _table(best_sheet, best)
    others = [
        s.name
        for s, m in per_sheet
        if s is not best_sheet and m.form is best.form and m.acceptable() and any(_data_rows(s, m))
    ]
    if others:
        names = ", ".join(f"'{n}'" for n in [best_sheet.name, *others])
        table.issues.append(
            error(
                "several_tables",
                f"Tệp có bảng '{best.form.title}' ở nhiều trang ({names}): không rõ trang nào là "
                "bản gửi. Xin để lại một trang rồi gửi lại.",
                sheet=others[0] or None,
            )
        )
    return table


def _no_table(sheets: list[Sheet], best: _Match | None, header_rows: int) -> Issue:
    sheet = sheets[0] if sheets else None
    where = sheet.name if sheet is not None and sheet.name else None
    if best is not None and best.columns:
        labels = "; ".join(c.label for c in best.form.columns if c.key in best.columns)
        return error(
            "unknown_form",
            f"Không nhận ra bảng này là biểu mẫu nào của kế hoạch: chỉ khớp các cột {labels}. "
            "Xin dùng đúng mẫu đã gửi, giữ nguyên các tiêu đề cột.",
            sheet=where,
            row=best.row,
        )
    return error(
        "no_header",
        f"Không tìm thấy dòng tiêu đề cột của biểu mẫu nào trong {header_rows} dòng đầu. Xin "
        "dùng đúng mẫu đã gửi, giữ nguyên dòng tiêu đề cột.",
        sheet=where,
    )


def _table(sheet: Sheet, match: _Match) -> Table:
    form = match.form
    where = {"sheet": sheet.name or None}
    issues: list[Issue] = []
    lookalikes = _lookalikes(sheet, match)
    seen = {c: _seen_label(sheet, match, c) for c in match.unknown}
    for column in form.columns:
        if not column.required or column.key in match.columns:
            continue
        cell = next((c for c, like in lookalikes.items() if like is column), None)
        message = f"Thiếu cột '{column.label}' (bắt buộc) trong dòng tiêu đề."
        found: dict[str, Any] = {}
        if cell is not None:
            message = (
                f"Thiếu cột '{column.label}' (bắt buộc): cột '{seen[cell]}' ở "
                f"{cell_ref(match.row, cell)} có phải là cột này? Xin sửa tiêu đề cho đúng."
            )
            found = {"column": cell, "value": seen[cell], "suggestion": column.label}
        issues.append(error("missing_column", message, row=match.row, **where, **found))
    for unknown in match.unknown:
        like = lookalikes.get(unknown)
        if like is not None and like.required:
            continue  # told in its missing_column issue
        hint = f" Có phải cột '{like.label}'? Xin sửa tiêu đề cho đúng." if like else ""
        issues.append(
            warning(
                "unknown_column",
                f"Cột '{seen[unknown]}' không có trong biểu mẫu nên không được đọc.{hint}",
                row=match.row,
                column=unknown,
                value=seen[unknown],
                suggestion=like.label if like else None,
                **where,
            )
        )
    rows = list(_data_rows(sheet, match))
    if not rows:
        issues.append(
            error(
                "no_data",
                "Bảng có dòng tiêu đề nhưng không có dòng số liệu nào.",
                row=match.row + match.depth,
                **where,
            )
        )
    return Table(form, sheet, match.row, match.depth, match.columns, rows, issues)


def _seen_label(sheet: Sheet, match: _Match, column: int) -> str:
    texts = _header_texts(sheet, match.row, match.depth, column)
    return shown(_merged_value(sheet, match.row, column)) or (texts[0] if texts else "")


def _lookalikes(sheet: Sheet, match: _Match) -> dict[int, Column]:
    """Header cells of no column that look like a column the header lacks ("Xã" for "Xã,
    thị trấn chọn làm điểm"), each column taking the likest cell left, in the form's order."""
    found: dict[int, Column] = {}
    for column in match.form.columns:
        if column.key in match.columns:
            continue
        names = [label_key(text) for text in (column.label, *column.aliases)]
        scores = {
            c: _cell_likeness(sheet, match, c, names) for c in match.unknown if c not in found
        }
        cell = max(scores, key=scores.__getitem__, default=None)
        if cell is not None and scores[cell] > 0:
            found[cell] = column
    return found


def _cell_likeness(sheet: Sheet, match: _Match, cell: int, names: list[str]) -> float:
    texts = _header_texts(sheet, match.row, match.depth, cell)
    return max((_likeness(text, name) for text in texts for name in names), default=0.0)


def _likeness(header: str, label: str) -> float:
    """How much a header looks like a label (keys of :func:`label_key`), 0 when not at all:
    1 when the words of one begin the other, 0.9 when they are among the other's, else how
    alike the two are spelled, from 0.75."""
    shorter, longer = sorted((header, label), key=len)
    if shorter and f"{longer} ".startswith(f"{shorter} "):
        return 1.0
    if shorter and f" {shorter} " in f" {longer} ":
        return 0.9
    alike = difflib.SequenceMatcher(None, header, label)
    if alike.real_quick_ratio() < LIKENESS or alike.quick_ratio() < LIKENESS:
        return 0.0  # cheap bounds first: a long header cell costs no more than a short one
    ratio = alike.ratio()
    return ratio if ratio >= LIKENESS else 0.0


def _data_rows(sheet: Sheet, match: _Match) -> Iterable[int]:
    columns = sorted(match.columns.values())
    site_column = match.columns.get(match.form.site_key or "")
    start = match.row + match.depth
    if _is_column_numbers(sheet, start, columns):
        start += 1
    for row in range(start, sheet.last_row + 1):
        values = [sheet.value(row, c) for c in columns]
        filled = [v for v in values if not is_blank(v)]
        if not filled:
            continue
        first = _text_key(next(v for v in _row_values(sheet, row) if not is_blank(v)))
        if _DATE_LINE.search(first) or first.startswith(FOOTER_WORDS):
            return
        if first.startswith(TOTAL_WORDS) and _is_total(first):
            continue
        if len(filled) == 1 and (site_column is None or is_blank(sheet.value(row, site_column))):
            continue
        yield row


def _is_total(key: str) -> bool:
    return any(key == w or key.startswith(w + " ") for w in TOTAL_WORDS)


def _is_column_numbers(sheet: Sheet, row: int, columns: list[int]) -> bool:
    numbers = []
    for column in columns:
        value = sheet.value(row, column)
        if is_blank(value):
            continue
        match = _COLUMN_NUMBER.match(shown(value))
        if not match:
            return False
        numbers.append(int(match[1]))
    return len(numbers) >= 2 and numbers == sorted(numbers)
