"""Excel workbooks written by the engine: plain tables, and the sender's file marked with issues.

Every value that reaches a cell goes through :func:`set_text_safe` (or, in the workbooks
:func:`write_workbook` streams, :func:`_cell_xml`, which applies the same rules to the XML it
writes). Text from senders (names, notes, whatever they typed) is never allowed to become a
formula, an error value or anything else a spreadsheet would interpret: a string is always
stored as a string cell, and a string that Excel or LibreOffice would turn into something
else when the cell is edited (it starts with ``=``, ``+``, ``-``, ``@``, a digit...) also gets
the "quote prefix" style, so that it stays text there too. Characters that XML cannot hold
are dropped.

Files are written to a temporary name in the target's folder and moved into place, so a
reader never sees half a workbook. :func:`write_workbook` streams its sheets into the file a
few hundred rows at a time, so its memory does not grow with the rows; each sheet prints on A4
(:mod:`flows.documents.printing`), and its totals are ``SUM`` formulas (:class:`ColumnSum`),
the only formulas it writes.

A sender's workbook is marked in a child process (:func:`mark_workbook_apart`, run as
``python -m flows.documents.workbooks``) under the parser's memory and time limits: openpyxl
builds every cell in memory, and a few kilobytes can ask it for billions.
"""

from __future__ import annotations

import math
import pickle
import re
import resource
import subprocess
import sys
import unicodedata
import warnings
import zipfile
from contextlib import suppress
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from pathlib import Path
from typing import IO
from xml.parsers import expat
from xml.sax.saxutils import escape, quoteattr

from openpyxl import Workbook, load_workbook  # type: ignore[import-untyped]
from openpyxl.cell.cell import Cell, MergedCell  # type: ignore[import-untyped]
from openpyxl.comments import Comment  # type: ignore[import-untyped]
from openpyxl.styles import (  # type: ignore[import-untyped]
    Alignment,
    Border,
    Font,
    PatternFill,
    Side,
)
from openpyxl.utils import get_column_letter  # type: ignore[import-untyped]
from openpyxl.utils.cell import range_boundaries  # type: ignore[import-untyped]
from openpyxl.utils.datetime import to_excel  # type: ignore[import-untyped]
from openpyxl.worksheet.hyperlink import Hyperlink  # type: ignore[import-untyped]
from openpyxl.worksheet.worksheet import Worksheet  # type: ignore[import-untyped]

from flows.documents.atomic import atomic_target
from flows.documents.instruction import resend_instruction
from flows.documents.printing import (
    PageLayout,
    page_layout,
    page_setup_xml,
    print_titles_ref,
    set_page_layout,
    sheet_pr_xml,
)
from flows.intake.issues import Issue, cell_ref
from flows.intake.limits import DEFAULT_LIMITS, Limits
from flows.intake.preflight import preflight_file
from flows.intake.sheet import Sheet


@dataclass(frozen=True)
class ColumnSum:
    """A cell of a total row: the sum of its column over the table's rows above the totals,
    written as a ``SUM`` formula whose result is ``value`` (what a reader that does not
    calculate shows). Made by the engine from its own numbers, never from a sender's text."""

    value: int | float


CellValue = str | int | float | date | datetime | bool | ColumnSum | None
"""What :class:`SheetTable` rows hold."""

AnyValue = CellValue | time | timedelta
"""What a cell may receive (a parsed :class:`Sheet` also holds times and durations)."""

ISSUE_SHEET = "Danh sách lỗi"
ISSUE_TITLE = "PHIẾU PHẢN HỒI – DANH SÁCH LỖI CẦN SỬA"
ISSUE_HEADER = [
    "STT",
    "Trang tính",
    "Ô",
    "Dòng",
    "Mức độ",
    "Nội dung",
    "Giá trị trong tệp",
    "Gợi ý sửa",
]
ISSUE_WIDTHS = [6.0, 18.0, 8.0, 7.0, 9.0, 60.0, 28.0, 45.0]
SEVERITY_WORDS = {"error": "Lỗi", "warning": "Lưu ý"}
AUTHOR = "mohinh"

MAX_TEXT = 32_767  # Excel's limit on the characters of one cell
MAX_ROW = 1_048_576
MAX_COLUMN = 16_384
MAX_WIDTH = 60.0
MIN_WIDTH = 6.0
# openpyxl builds every cell of a workbook in memory: above this much XML, no marked copy.
MARK_MAX_UNPACKED = 64 * 1024 * 1024
# openpyxl also builds a cell for every position a merge or a ranged hyperlink spans (a title
# merged across a row is 16,384): above this many, no marked copy.
MARK_MAX_SPANNED = 100_000
_SPANNING = ("mergeCell", "hyperlink")

# Text that a spreadsheet would read as something else if the cell were typed in again.
_INTERPRETED_START = ("=", "+", "-", "@", "\t", "\r", "\n")
_NUMBER_LIKE = re.compile(r"\s*[\d.,]")
# Characters XML 1.0 cannot hold (openpyxl raises IllegalCharacterError on the C0 controls;
# lone surrogates, from undecodable file names, would fail when the file is saved).
_ILLEGAL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")
_TITLE_FORBIDDEN = re.compile(r"[\[\]:*?/\\\x00-\x1f\x7f]")

ERROR_FILL = PatternFill(fill_type="solid", start_color="FFFFC7CE", end_color="FFFFC7CE")
WARNING_FILL = PatternFill(fill_type="solid", start_color="FFFFEB9C", end_color="FFFFEB9C")
HEADER_FILL = PatternFill(fill_type="solid", start_color="FFDDEBF7", end_color="FFDDEBF7")
_THIN = Side(style="thin", color="FF9E9E9E")
BORDER = Border(left=_THIN, right=_THIN, top=_THIN, bottom=_THIN)
WRAP = Alignment(wrap_text=True, vertical="top")
DATE_FORMAT = "dd/mm/yyyy"
DATETIME_FORMAT = "dd/mm/yyyy hh:mm"


@dataclass(frozen=True)
class SheetTable:
    """One worksheet of a written workbook: an optional note line, a header, the rows."""

    title: str
    header: list[str]
    rows: list[list[CellValue]]
    widths: list[float] | None = None
    """Excel character widths of the columns; estimated from the content when missing."""
    note: str | None = None
    """A line written above the header, e.g. "Tính đến ngày 05/9/2017"."""
    totals: int = 0
    """How many of the last rows are totals: in bold, below the autofilter's range (sorting
    the table leaves them at the bottom)."""
    title_columns: int = 0
    """How many first columns name a row: printed again on every page when the sheet is too
    wide for one page across."""


# --------------------------------------------------------------------------- safe values


def safe_cell_value(value: AnyValue) -> AnyValue:
    """``value`` as a cell may hold it: text without XML-illegal characters and at most
    32,767 characters, no time zone, no NaN or infinity (those become empty)."""
    if isinstance(value, str):
        return _ILLEGAL.sub("", value)[:MAX_TEXT]
    if isinstance(value, ColumnSum):
        value = value.value
    if isinstance(value, float) and not math.isfinite(value):
        return None
    if isinstance(value, datetime | time) and value.tzinfo is not None:
        return value.replace(tzinfo=None)
    return value


def needs_quote_prefix(text: str) -> bool:
    """Whether Excel or LibreOffice would read ``text`` as a formula, number or date when the
    cell is typed in again (so it must carry the quote prefix to stay text)."""
    return text.startswith(_INTERPRETED_START) or bool(_NUMBER_LIKE.match(text))


def set_text_safe(cell: Cell, value: AnyValue) -> None:
    """Put ``value`` in ``cell`` so that no string is ever a formula or interpreted.

    openpyxl makes a formula of any string starting with "=" and an error value of "#N/A" and
    the like: a string is forced back to a plain string cell. Dates get a day-first format.
    """
    value = safe_cell_value(value)
    cell.value = value
    if isinstance(value, str):
        cell.data_type = "s"
        if needs_quote_prefix(value):
            cell.quotePrefix = True
    elif isinstance(value, datetime):
        cell.number_format = DATETIME_FORMAT if value.time() != time() else DATE_FORMAT
    elif isinstance(value, date):
        cell.number_format = DATE_FORMAT


def _clean_text(text: str) -> str:
    return _ILLEGAL.sub("", text)


# --------------------------------------------------------------------------- sheet titles


def sheet_title(name: str, taken: set[str] | None = None) -> str:
    """A valid Excel sheet title from ``name``: at most 31 characters, none of ``[]:*?/\\``,
    not empty, no apostrophe at either end, and (case-insensitively) not in ``taken``."""
    title = _TITLE_FORBIDDEN.sub(" ", _clean_text(unicodedata.normalize("NFC", name)))
    title = re.sub(r"\s+", " ", title).strip().strip("'").strip()[:31].strip()
    if not title or title.casefold() == "history":  # Excel reserves "History"
        title = f"Trang {title}".strip() if title else "Trang"
    used = {t.casefold() for t in taken or set()}
    if title.casefold() not in used:
        return title
    number = 2
    while True:
        suffix = f" ({number})"
        candidate = title[: 31 - len(suffix)].rstrip() + suffix
        if candidate.casefold() not in used:
            return candidate
        number += 1


def _unique_titles(names: list[str]) -> list[str]:
    titles: list[str] = []
    for name in names:
        titles.append(sheet_title(name, set(titles)))
    return titles


# --------------------------------------------------------------------------- writing files


def _shown_length(value: AnyValue) -> int:
    if isinstance(value, str):  # most cells: one line, no need to split
        return max(map(len, value.splitlines()), default=0) if "\n" in value else len(value)
    if value is None:
        return 0
    if isinstance(value, ColumnSum):
        return _shown_length(value.value)
    if isinstance(value, datetime):
        return 16
    if isinstance(value, date):
        return 10
    if isinstance(value, float):
        return len(f"{value:.2f}")
    return max((len(line) for line in str(value).splitlines()), default=0)


def estimate_widths(header: list[str], rows: list[list[CellValue]]) -> list[float]:
    """Column widths (Excel characters) that fit the content, between 6 and 60."""
    count = max([len(header), *(len(r) for r in rows)], default=0)
    widths: list[float] = []
    for j in range(count):
        lengths = [_shown_length(r[j]) for r in rows if j < len(r)]
        if j < len(header):
            # A header wraps: its longest word matters more than its whole length.
            words = header[j].split() or [""]
            lengths.append(max(max(len(w) for w in words), min(len(header[j]), 20)))
        widths.append(min(MAX_WIDTH, max(MIN_WIDTH, max(lengths, default=0) + 2.0)))
    return widths


def _chosen_widths(
    header: list[str], rows: list[list[CellValue]], widths: list[float] | None
) -> list[float]:
    """The given ``widths``, and widths estimated from the content for the columns without."""
    chosen = estimate_widths(header, rows)
    for j, width in enumerate(widths or []):
        if j < len(chosen):
            chosen[j] = width
    return chosen


def _line_height(text: str, size: float, span: float) -> float:
    """The height (points) of a row holding ``text`` wrapped across ``span`` characters."""
    lines = sum(math.ceil(max(len(line), 1) * size / 11 / span) for line in text.splitlines())
    return max(lines, 1) * size * 1.4 + 4


def _fill_table(
    ws: Worksheet,
    header: list[str],
    rows: list[list[CellValue]],
    widths: list[float] | None,
    above: list[tuple[str, Font]],
) -> int:
    """Write lines ``above`` the table (each merged across it), then the header and rows, with
    widths, frozen panes and an autofilter; returns the header's row number."""
    count = max([len(header), *(len(r) for r in rows)], default=0)
    chosen = _chosen_widths(header, rows, widths)
    for j, width in enumerate(chosen, start=1):
        ws.column_dimensions[get_column_letter(j)].width = width
    span = max(sum(chosen), 40.0)
    for i, (text, font) in enumerate(above, start=1):
        cell = ws.cell(row=i, column=1)
        set_text_safe(cell, text)
        cell.font = font
        cell.alignment = Alignment(wrap_text=True, vertical="center")
        if count > 1:
            ws.merge_cells(start_row=i, start_column=1, end_row=i, end_column=count)
        ws.row_dimensions[i].height = _line_height(text, float(font.sz or 11), span)
    top = len(above) + 1
    for j, label in enumerate(header, start=1):
        cell = ws.cell(row=top, column=j)
        set_text_safe(cell, label)
        cell.font = Font(bold=True)
        cell.fill = HEADER_FILL
        cell.border = BORDER
        cell.alignment = Alignment(wrap_text=True, vertical="center", horizontal="center")
    for i, row in enumerate(rows, start=top + 1):
        for j, value in enumerate(row, start=1):
            cell = ws.cell(row=i, column=j)
            set_text_safe(cell, value)
            cell.border = BORDER
            cell.alignment = WRAP
    if count:
        ws.freeze_panes = ws.cell(row=top + 1, column=1)
        ws.auto_filter.ref = f"A{top}:{get_column_letter(count)}{top + max(len(rows), 1)}"
    return top


# --------------------------------------------------------------------------- streaming xlsx

# write_workbook streams each sheet's XML straight into the zip, a few hundred rows at a time:
# nothing grows with the rows, and a cell costs a formatted string instead of the dozens of
# microseconds openpyxl spends on a Cell object and its style (even in write-only mode). The
# parts are the ones openpyxl writes, with every cell's text inline (no shared-string table
# to hold in memory).

_MAIN_NS = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
_DOC_RELS = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
_PACKAGE_RELS = "http://schemas.openxmlformats.org/package/2006/relationships"
_XML_HEAD = '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
_FLUSH_ROWS = 500  # rows formatted before they go to the zip stream
_COMPRESS = 6  # zlib level of the parts
_DATE_FORMAT_ID, _DATETIME_FORMAT_ID = 164, 165
_LINE_POINTS = 15.0  # a line of 11 pt text in a row
_MAX_ROW_POINTS = 409.0  # Excel's tallest row


@dataclass(frozen=True)
class _Role:
    """The cell formats (indexes into styles.xml's cellXfs) of one kind of cell: plain, with
    the quote prefix, and for a date or a date with a time."""

    plain: int
    quoted: int
    date: int
    datetime: int


# cellXfs: (fontId, fillId, borderId, numFmtId, alignment attributes, quote prefix)
_CELL_FORMATS: list[tuple[int, int, int, int, str, bool]] = [
    (0, 0, 0, 0, "", False),  # 0: default
    (2, 0, 0, 0, 'vertical="center" wrapText="1"', False),  # 1: note
    (2, 0, 0, 0, 'vertical="center" wrapText="1"', True),  # 2: note, quoted
    (1, 2, 1, 0, 'horizontal="center" vertical="center" wrapText="1"', False),  # 3: header
    (1, 2, 1, 0, 'horizontal="center" vertical="center" wrapText="1"', True),  # 4: header, quoted
    (0, 0, 1, 0, 'vertical="top" wrapText="1"', False),  # 5: body
    (0, 0, 1, 0, 'vertical="top" wrapText="1"', True),  # 6: body, quoted
    (0, 0, 1, _DATE_FORMAT_ID, 'vertical="top" wrapText="1"', False),  # 7: body, date
    (0, 0, 1, _DATETIME_FORMAT_ID, 'vertical="top" wrapText="1"', False),  # 8: body, date-time
    (1, 0, 1, 0, 'vertical="top" wrapText="1"', False),  # 9: total
    (1, 0, 1, 0, 'vertical="top" wrapText="1"', True),  # 10: total, quoted
    (1, 0, 1, _DATE_FORMAT_ID, 'vertical="top" wrapText="1"', False),  # 11: total, date
]
_NOTE = _Role(1, 2, 1, 1)
_HEADER = _Role(3, 4, 3, 3)
_BODY = _Role(5, 6, 7, 8)
_TOTAL = _Role(9, 10, 11, 11)


def _styles_xml() -> str:
    font = '<sz val="11"/><name val="Calibri"/><family val="2"/>'
    fonts = [f"<font>{font}</font>", f'<font><b val="1"/>{font}</font>']
    fonts.append(f'<font><i val="1"/>{font}</font>')
    header = HEADER_FILL.fgColor.rgb
    fills = [
        '<fill><patternFill patternType="none"/></fill>',
        '<fill><patternFill patternType="gray125"/></fill>',
        f'<fill><patternFill patternType="solid"><fgColor rgb="{header}"/>'
        f'<bgColor rgb="{header}"/></patternFill></fill>',
    ]
    line = f'style="thin"><color rgb="{_THIN.color.rgb}"/>'
    borders = [
        "<border><left/><right/><top/><bottom/><diagonal/></border>",
        f"<border><left {line}</left><right {line}</right><top {line}</top>"
        f"<bottom {line}</bottom><diagonal/></border>",
    ]
    formats = "".join(_format_xml(*spec) for spec in _CELL_FORMATS)
    return (
        f'{_XML_HEAD}<styleSheet xmlns="{_MAIN_NS}">'
        f'<numFmts count="2"><numFmt numFmtId="{_DATE_FORMAT_ID}" formatCode="{DATE_FORMAT}"/>'
        f'<numFmt numFmtId="{_DATETIME_FORMAT_ID}" formatCode="{DATETIME_FORMAT}"/></numFmts>'
        f'<fonts count="{len(fonts)}">{"".join(fonts)}</fonts>'
        f'<fills count="{len(fills)}">{"".join(fills)}</fills>'
        f'<borders count="{len(borders)}">{"".join(borders)}</borders>'
        '<cellStyleXfs count="1"><xf numFmtId="0" fontId="0" fillId="0" borderId="0"/>'
        f'</cellStyleXfs><cellXfs count="{len(_CELL_FORMATS)}">{formats}</cellXfs>'
        '<cellStyles count="1"><cellStyle name="Normal" xfId="0" builtinId="0"/></cellStyles>'
        "</styleSheet>"
    )


def _format_xml(font: int, fill: int, border: int, number: int, align: str, quoted: bool) -> str:
    """One ``<xf>`` of cellXfs."""
    flags = [
        ("applyNumberFormat", bool(number)),
        ("applyFont", bool(font)),
        ("applyFill", bool(fill)),
        ("applyBorder", bool(border)),
        ("quotePrefix", quoted),
        ("applyAlignment", bool(align)),
    ]
    applied = "".join(f' {name}="1"' for name, on in flags if on)
    start = f'<xf numFmtId="{number}" fontId="{font}" fillId="{fill}" borderId="{border}" xfId="0"'
    return f"{start}{applied}><alignment {align}/></xf>" if align else f"{start}{applied}/>"


def _text_xml(text: str) -> str:
    """Text as element content: escaped, a carriage return kept as one."""
    return escape(text).replace("\r", "&#13;")


def _cell_xml(ref: str, raw: AnyValue, role: _Role) -> str:
    """One ``<c>`` element: ``value`` made safe (:func:`safe_cell_value`), a string always
    a string (never a formula), with the quote prefix when a spreadsheet would read it as
    something else (:func:`needs_quote_prefix`); dates day first. Anything else (a time of
    day) is written as its text."""
    value = safe_cell_value(raw)
    if isinstance(value, str):
        style = role.quoted if needs_quote_prefix(value) else role.plain
        return (
            f'<c r="{ref}" s="{style}" t="inlineStr"><is><t xml:space="preserve">'
            f"{_text_xml(value)}</t></is></c>"
        )
    if value is None:
        return f'<c r="{ref}" s="{role.plain}"/>'
    if isinstance(value, bool):
        return f'<c r="{ref}" s="{role.plain}" t="b"><v>{int(value)}</v></c>'
    if isinstance(value, int | float):
        return f'<c r="{ref}" s="{role.plain}"><v>{value!r}</v></c>'
    if isinstance(value, datetime):
        style = role.datetime if value.time() != time() else role.date
        return f'<c r="{ref}" s="{style}"><v>{to_excel(value)!r}</v></c>'
    if isinstance(value, date):
        return f'<c r="{ref}" s="{role.date}"><v>{to_excel(value)!r}</v></c>'
    return _cell_xml(ref, str(value), role)  # a time of day, a duration


def _row_start(number: int, values: list[CellValue], widths: list[float], bold: bool) -> str:
    """A ``<row>`` tall enough for its wrapped text: neither Excel nor LibreOffice sizes the
    rows of a file it opens, and a row of one line would print its lines over the next."""
    lines = 1
    for value, width in zip(values, widths, strict=False):
        if isinstance(value, str) and (len(value) > width - 2 or "\n" in value):
            per_line = max(width - 2.0, 1.0) / (1.1 if bold else 1.0)
            shown = sum(math.ceil(max(len(part), 1) / per_line) for part in value.split("\n"))
            lines = max(lines, shown)
    if lines == 1:
        return f'<row r="{number}">'
    return (
        f'<row r="{number}" ht="{min(_LINE_POINTS * lines, _MAX_ROW_POINTS):g}" customHeight="1">'
    )


def _row_xml(
    number: int, letters: list[str], values: list[CellValue], role: _Role, widths: list[float]
) -> str:
    cells = "".join(
        _cell_xml(f"{letter}{number}", value, role)
        for letter, value in zip(letters, values, strict=False)
    )
    return f"{_row_start(number, values, widths, role is _HEADER)}{cells}</row>"


def _total_row_xml(
    number: int,
    letters: list[str],
    values: list[CellValue],
    body: tuple[int, int],
    widths: list[float],
) -> str:
    """A total row: each :class:`ColumnSum` a ``SUM`` over the ``body`` rows (first, last) of
    its column with its value cached, everything else as :func:`_cell_xml` writes it."""
    cells = []
    for letter, value in zip(letters, values, strict=False):
        ref = f"{letter}{number}"
        if isinstance(value, ColumnSum) and body[0] <= body[1] and math.isfinite(value.value):
            cells.append(
                f'<c r="{ref}" s="{_TOTAL.plain}"><f>SUM({letter}{body[0]}:{letter}{body[1]})'
                f"</f><v>{value.value!r}</v></c>"
            )
        else:
            cells.append(_cell_xml(ref, value, _TOTAL))
    return f"{_row_start(number, values, widths, True)}{''.join(cells)}</row>"


@dataclass(frozen=True)
class _Layout:
    """Where a sheet's table sits: its columns and widths, the header's row, the last row."""

    table: SheetTable
    count: int
    widths: list[float]
    page: PageLayout

    @property
    def top(self) -> int:
        """The header's row (below the note, if any)."""
        return 2 if self.table.note else 1

    @property
    def body(self) -> tuple[int, int]:
        """The first and last rows of the table's body (after the header, before the totals;
        the last is above the first when there is no body)."""
        kept = len(self.table.rows) - min(self.table.totals, len(self.table.rows))
        return self.top + 1, self.top + kept

    @property
    def filtered(self) -> str | None:
        """The autofilter's range: the header and every row but the totals (at least one)."""
        if not self.count:
            return None
        last = max(self.body[1], self.top + 1)
        return f"A{self.top}:{get_column_letter(self.count)}{last}"

    @property
    def print_titles(self) -> tuple[tuple[int, int], int] | None:
        """The rows (the header's) and how many first columns print on every page."""
        if not self.count:
            return None
        columns = self.table.title_columns if self.page.pages_across > 1 else 0
        return (self.top, self.top), min(columns, self.count)


def _layout(table: SheetTable) -> _Layout:
    count = max([len(table.header), *(len(r) for r in table.rows)], default=0)
    widths = _chosen_widths(table.header, table.rows, table.widths)
    return _Layout(table, count, widths, page_layout(widths))


def _write_sheet(stream: IO[bytes], layout: _Layout | None, selected: bool) -> None:
    """Stream one worksheet's XML: view (frozen below the header), column widths, the note
    merged across the table, the header, the rows (a few hundred at a time), the totals, the
    autofilter, the page setup."""
    write = stream.write
    write(f'{_XML_HEAD}<worksheet xmlns="{_MAIN_NS}" xmlns:r="{_DOC_RELS}">'.encode())
    write(sheet_pr_xml().encode())
    view = '<sheetView workbookViewId="0"' + (' tabSelected="1"' if selected else "")
    table = layout.table if layout is not None else SheetTable("", [], [])
    note = ""
    if table.note:
        span = max(sum(layout.widths), 40.0) if layout is not None else 40.0
        height = _line_height(table.note, 11.0, span)
        note = f'<row r="1" ht="{height:g}" customHeight="1">{_cell_xml("A1", table.note, _NOTE)}'
        note += "</row>"
    if layout is None or not layout.count:
        write(f"<sheetViews>{view}/></sheetViews><sheetData>{note}</sheetData>".encode())
        write(f"{page_setup_xml(page_layout([]))}</worksheet>".encode())
        return
    count, top = layout.count, layout.top
    letters = [get_column_letter(j) for j in range(1, count + 1)]
    below = f"A{top + 1}"
    head = [
        f'<dimension ref="A1:{letters[-1]}{top + len(table.rows)}"/>',
        f'<sheetViews>{view}><pane ySplit="{top}" topLeftCell="{below}" activePane="bottomLeft"'
        f' state="frozen"/><selection pane="bottomLeft" activeCell="{below}" sqref="{below}"/>'
        "</sheetView></sheetViews>",
        '<sheetFormatPr defaultRowHeight="15"/><cols>',
        *(
            f'<col min="{j}" max="{j}" width="{width:g}" customWidth="1"/>'
            for j, width in enumerate(layout.widths, start=1)
        ),
        f"</cols><sheetData>{note}",
        _row_xml(top, letters, list(table.header), _HEADER, layout.widths),
    ]
    write("".join(head).encode())
    body = layout.body
    for start in range(0, len(table.rows), _FLUSH_ROWS):
        chunk = table.rows[start : start + _FLUSH_ROWS]
        first = top + 1 + start
        rows = (
            _row_xml(first + i, letters, row, _BODY, layout.widths)
            if first + i <= body[1]
            else _total_row_xml(first + i, letters, row, body, layout.widths)
            for i, row in enumerate(chunk)
        )
        write("".join(rows).encode())
    tail = [f'</sheetData><autoFilter ref="{layout.filtered}"/>']
    if table.note and count > 1:
        tail.append(f'<mergeCells count="1"><mergeCell ref="A1:{letters[-1]}1"/></mergeCells>')
    write("".join([*tail, page_setup_xml(layout.page), "</worksheet>"]).encode())


def _package_parts(titles: list[str], layouts: list[_Layout | None]) -> dict[str, str]:
    """Every part but the worksheets: content types, relationships, workbook, styles."""
    sheets = range(1, len(titles) + 1)
    types = "".join(
        f'<Override PartName="/xl/worksheets/sheet{n}.xml" ContentType="application/'
        'vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/>'
        for n in sheets
    )
    office = "application/vnd.openxmlformats-officedocument"
    names = "".join(
        f'<definedName name="_xlnm._FilterDatabase" localSheetId="{n - 1}" hidden="1">'
        f"{escape(_quoted(title))}!{_absolute(layout.filtered)}</definedName>"
        for n, title, layout in zip(sheets, titles, layouts, strict=True)
        if layout is not None and layout.filtered
    )
    names += "".join(
        f'<definedName name="_xlnm.Print_Titles" localSheetId="{n - 1}">'
        f"{escape(print_titles_ref(_quoted(title), *layout.print_titles))}</definedName>"
        for n, title, layout in zip(sheets, titles, layouts, strict=True)
        if layout is not None and layout.print_titles is not None
    )
    return {
        "[Content_Types].xml": (
            f'{_XML_HEAD}<Types xmlns="http://schemas.openxmlformats.org/package/2006/'
            'content-types"><Default Extension="rels" ContentType="application/'
            'vnd.openxmlformats-package.relationships+xml"/><Default Extension="xml" '
            'ContentType="application/xml"/><Override PartName="/xl/workbook.xml" '
            f'ContentType="{office}.spreadsheetml.sheet.main+xml"/>{types}'
            f'<Override PartName="/xl/styles.xml" ContentType="{office}.spreadsheetml.styles'
            '+xml"/><Override PartName="/docProps/core.xml" ContentType="application/'
            'vnd.openxmlformats-package.core-properties+xml"/></Types>'
        ),
        "_rels/.rels": (
            f'{_XML_HEAD}<Relationships xmlns="{_PACKAGE_RELS}">'
            f'<Relationship Id="rId1" Type="{_DOC_RELS}/officeDocument" '
            'Target="xl/workbook.xml"/><Relationship Id="rId2" Type="http://schemas.'
            'openxmlformats.org/package/2006/relationships/metadata/core-properties" '
            'Target="docProps/core.xml"/></Relationships>'
        ),
        "docProps/core.xml": (
            f'{_XML_HEAD}<cp:coreProperties xmlns:cp="http://schemas.openxmlformats.org/'
            'package/2006/metadata/core-properties" xmlns:dc="http://purl.org/dc/elements/'
            f'1.1/"><dc:creator>{AUTHOR}</dc:creator></cp:coreProperties>'
        ),
        "xl/workbook.xml": (
            f'{_XML_HEAD}<workbook xmlns="{_MAIN_NS}" xmlns:r="{_DOC_RELS}"><workbookPr/>'
            '<bookViews><workbookView activeTab="0"/></bookViews><sheets>'
            + "".join(
                f'<sheet name={quoteattr(title)} sheetId="{n}" r:id="rId{n}"/>'
                for n, title in zip(sheets, titles, strict=True)
            )
            + "</sheets>"
            + (f"<definedNames>{names}</definedNames>" if names else "")
            + '<calcPr calcId="124519" fullCalcOnLoad="1"/></workbook>'
        ),
        "xl/_rels/workbook.xml.rels": (
            f'{_XML_HEAD}<Relationships xmlns="{_PACKAGE_RELS}">'
            + "".join(
                f'<Relationship Id="rId{n}" Type="{_DOC_RELS}/worksheet" '
                f'Target="worksheets/sheet{n}.xml"/>'
                for n in sheets
            )
            + f'<Relationship Id="rId{len(titles) + 1}" Type="{_DOC_RELS}/styles" '
            'Target="styles.xml"/></Relationships>'
        ),
        "xl/styles.xml": _styles_xml(),
    }


def _absolute(ref: str | None) -> str:
    """``A2:E12`` -> ``$A$2:$E$12``."""
    return ":".join(re.sub(r"([A-Z]+)(\d+)", r"$\1$\2", part) for part in (ref or "").split(":"))


def write_workbook(path: Path, sheets: list[SheetTable]) -> None:
    """Write ``sheets`` as an .xlsx at ``path`` (atomically; an empty list gives one empty sheet).

    Each sheet has its note line (if any), a bold header with a fill, frozen panes below the
    header, an autofilter, column widths, wrapped text and dates as dd/mm/yyyy. Every value
    goes in the way :func:`set_text_safe` puts it: text stays text. The sheets are streamed
    into the file: memory does not grow with the rows.
    """
    titles = _unique_titles([s.title for s in sheets]) or ["Trang 1"]
    layouts: list[_Layout | None] = [_layout(s) for s in sheets] or [None]
    with (
        atomic_target(path) as temporary,
        zipfile.ZipFile(temporary, "w", zipfile.ZIP_DEFLATED, compresslevel=_COMPRESS) as package,
    ):
        for name, text in _package_parts(titles, layouts).items():
            package.writestr(name, text.encode())
        for number, layout in enumerate(layouts, start=1):
            with package.open(f"xl/worksheets/sheet{number}.xml", "w") as stream:
                _write_sheet(stream, layout, selected=number == 1)


# --------------------------------------------------------------------------- marking a file


@dataclass(frozen=True)
class _Mark:
    """Where an issue lands: its worksheet (if found) and the cell marked (if any)."""

    issue: Issue
    ws: Worksheet | None
    row: int | None = None
    column: int | None = None


def mark_workbook(
    source: Path,
    kind: str,
    issues: list[Issue],
    target: Path,
    sheets: list[Sheet] | None = None,
) -> bool:
    """Write at ``target`` a copy of the sender's workbook, marked for them to fix and resend.

    The first sheet, "Danh sách lỗi", lists every issue with a link to its cell; in the data
    sheets each issue's cell is filled (red for errors, yellow for warnings) and carries a
    comment. An issue with a row but no column marks the first used cell of the row; one
    without a sheet or row is only listed. An .xlsx is copied with its formatting (it is
    checked with the intake's preflight first, and refused when its merges span more than
    :data:`MARK_MAX_SPANNED` cells, since openpyxl builds them all); an .xls, .ods or .csv,
    which openpyxl cannot read, is rebuilt from its parsed ``sheets``. For a sender's file,
    call :func:`mark_workbook_apart`.
    Marks of an earlier run (our issue sheet, our comments and their fills) are removed first,
    for a marked file sent back. ``source`` is never modified.

    Returns ``False``, writing nothing, when the workbook cannot be loaded or written.
    """
    try:
        loaded = _load(source, kind, sheets)
    except Exception:  # a sender's file: whatever openpyxl raises means "cannot copy it"
        return False
    if loaded is None:
        return False
    workbook, names = loaded
    try:
        _unmark(workbook, names)
        marks = [_locate(workbook, names, issue) for issue in issues]
        for ws, cells in _by_cell(marks):
            for (row, column), found in cells.items():
                _mark_cell(ws, row, column, found)
        _issue_sheet(workbook, marks, target.name)
        _print_issue_list(workbook.worksheets[0])
        with atomic_target(target) as temporary:
            workbook.save(temporary)
    except Exception:  # a workbook openpyxl loaded but cannot write back
        return False
    return True


def _print_issue_list(ws: Worksheet) -> None:
    """The list of issues prints on A4, as wide as its columns ask, numbered pages (its
    header row repeats on every page: :func:`_issue_sheet` names it)."""
    set_page_layout(ws, page_layout(ISSUE_WIDTHS))


def mark_workbook_apart(
    source: Path,
    kind: str,
    issues: list[Issue],
    target: Path,
    sheets: list[Sheet] | None = None,
    limits: Limits = DEFAULT_LIMITS,
) -> bool:
    """:func:`mark_workbook` in a child process with ``limits.parser_memory`` of address space,
    killed after ``limits.parse_seconds``: a crafted workbook costs the engine nothing.

    Returns ``False`` when the child fails, dies or overruns. A temporary file left by a child
    killed while saving is removed by the next run's :func:`flows.documents.outbox.sweep`.
    """
    request = pickle.dumps((source, kind, issues, target, sheets, limits.parser_memory))
    try:
        done = subprocess.run(
            [sys.executable, "-m", __name__],
            input=request,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            timeout=limits.parse_seconds,
            check=False,
        )
    except subprocess.TimeoutExpired:  # run() has killed it
        return False
    return done.returncode == 0


def mark_here() -> None:
    """The child of :func:`mark_workbook_apart`: one request on stdin, exit 0 when marked."""
    source, kind, issues, target, sheets, memory = pickle.load(sys.stdin.buffer)
    resource.setrlimit(resource.RLIMIT_AS, (memory, memory))
    sys.exit(0 if mark_workbook(source, kind, issues, target, sheets) else 1)


_Loaded = tuple[Workbook, dict[str, Worksheet]]


def _load(source: Path, kind: str, sheets: list[Sheet] | None) -> _Loaded | None:
    """The workbook to mark, and its worksheets by the names the parser gave them."""
    if kind in ("xls", "ods", "csv"):
        return None if sheets is None else _rebuild(sheets)
    if kind != "xlsx":
        return None
    checked = preflight_file(source)
    if not checked.readable or checked.kind != "xlsx":
        return None
    with zipfile.ZipFile(source) as archive:
        if sum(info.file_size for info in archive.infolist()) > MARK_MAX_UNPACKED:
            return None
    if spanned_cells(source) > MARK_MAX_SPANNED:
        return None
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # "extension is not supported" and the like
        workbook = load_workbook(source, keep_vba=False, keep_links=False)
    return workbook, {ws.title: ws for ws in workbook.worksheets}


def spanned_cells(source: Path) -> int:
    """How many cells the merges and ranged hyperlinks of the xlsx ``source`` span, read in
    one streaming pass over its parts (linear, no tree built), before openpyxl builds them.
    A range openpyxl would not read as one rectangle counts as a whole sheet."""
    total = 0

    def start(name: str, attributes: dict[str, str]) -> None:
        nonlocal total
        if name.rpartition(" ")[2] in _SPANNING:
            total += _span(attributes.get("ref", ""))

    with zipfile.ZipFile(source) as archive:
        for info in archive.infolist():
            parser = expat.ParserCreate(namespace_separator=" ")
            parser.StartElementHandler = start
            with archive.open(info) as stream, suppress(expat.ExpatError):
                parser.ParseFile(stream)  # not XML: openpyxl cannot load it either
    return total


def _span(ref: str) -> int:
    try:
        c1, r1, c2, r2 = range_boundaries(ref)
    except ValueError:
        return MAX_ROW * MAX_COLUMN
    if None in (c1, r1, c2, r2):  # whole rows or columns
        return MAX_ROW * MAX_COLUMN
    return int((abs(c2 - c1) + 1) * (abs(r2 - r1) + 1))


def _rebuild(sheets: list[Sheet]) -> _Loaded:
    """A workbook holding the parsed values at their Excel positions, merges re-applied."""
    workbook = Workbook()
    default = workbook.active
    names: dict[str, Worksheet] = {}
    titles = _unique_titles([s.name or f"Trang {i}" for i, s in enumerate(sheets, start=1)])
    for sheet, title in zip(sheets, titles, strict=True):
        ws = workbook.create_sheet(title)
        names.setdefault(sheet.name, ws)
        for i, row in enumerate(sheet.rows, start=sheet.first_row):
            for j, value in enumerate(row, start=sheet.first_column):
                if value is not None and i <= MAX_ROW and j <= MAX_COLUMN:
                    set_text_safe(ws.cell(row=i, column=j), value)
        applied: list[tuple[int, int, int, int]] = []
        for r1, c1, r2, c2 in sheet.merged:
            overlaps = any(
                r1 <= b2 and b1 <= r2 and c1 <= d2 and d1 <= c2 for b1, d1, b2, d2 in applied
            )
            if (r1, c1) == (r2, c2) or overlaps or r2 > MAX_ROW or c2 > MAX_COLUMN:
                continue
            ws.merge_cells(start_row=r1, start_column=c1, end_row=r2, end_column=c2)
            applied.append((r1, c1, r2, c2))
        shown: list[list[CellValue]] = [
            [v if isinstance(v, CellValue) else str(v) for v in r] for r in sheet.rows
        ]
        widths = estimate_widths([], shown)
        for j, width in enumerate(widths, start=sheet.first_column):
            ws.column_dimensions[get_column_letter(j)].width = width
    if sheets and default is not None:
        workbook.remove(default)
    return workbook, names


def _same_name(a: str, b: str) -> bool:
    return unicodedata.normalize("NFC", a).casefold() == unicodedata.normalize("NFC", b).casefold()


def _find_sheet(workbook: Workbook, names: dict[str, Worksheet], issue: Issue) -> Worksheet | None:
    name = issue.sheet
    if name is None:  # a sheet-less issue about a row: clear only with one sheet
        one = issue.row is not None and len(workbook.worksheets) == 1
        return workbook.worksheets[0] if one else None
    if name in names:
        return names[name]
    return next((ws for key, ws in names.items() if _same_name(key, name)), None)


def _locate(workbook: Workbook, names: dict[str, Worksheet], issue: Issue) -> _Mark:
    ws = _find_sheet(workbook, names, issue)
    row, column = issue.row, issue.column
    if ws is None or row is None or not 1 <= row <= MAX_ROW:
        return _Mark(issue, ws)
    if column is None:
        column = _first_used(ws, row)
    elif not 1 <= column <= MAX_COLUMN:
        return _Mark(issue, ws)
    for merged in ws.merged_cells.ranges:  # a comment only fits the top-left cell of a merge
        if merged.min_row <= row <= merged.max_row and merged.min_col <= column <= merged.max_col:
            row, column = merged.min_row, merged.min_col
            break
    return _Mark(issue, ws, row, column)


def _first_used(ws: Worksheet, row: int) -> int:
    """The column of the first non-empty cell of ``row`` (the first column when none)."""
    if row <= ws.max_row:
        for cells in ws.iter_rows(min_row=row, max_row=row):
            for cell in cells:
                value = cell.value
                if value is not None and not (isinstance(value, str) and not value.strip()):
                    return int(cell.column or 1)
    return max(1, int(ws.min_column))


def _by_cell(marks: list[_Mark]) -> list[tuple[Worksheet, dict[tuple[int, int], list[Issue]]]]:
    """The issues of each marked cell, grouped by worksheet, in the order met."""
    grouped: dict[int, tuple[Worksheet, dict[tuple[int, int], list[Issue]]]] = {}
    for mark in marks:
        if mark.ws is None or mark.row is None or mark.column is None:
            continue
        _, cells = grouped.setdefault(id(mark.ws), (mark.ws, {}))
        cells.setdefault((mark.row, mark.column), []).append(mark.issue)
    return list(grouped.values())


def _comment_text(issues: list[Issue]) -> str:
    parts = []
    for issue in issues:
        text = f"{SEVERITY_WORDS.get(issue.severity, issue.severity)}: {issue.message}"
        if issue.suggestion:
            text += f"\nGợi ý sửa: {issue.suggestion}"
        parts.append(text)
    return "\n\n".join(parts)


def _comment(text: str) -> Comment:
    """A comment by mohinh sized for its text (openpyxl's default box is tiny)."""
    text = _clean_text(text)[:MAX_TEXT]
    width = 360  # pixels: about 55 characters a line
    lines = sum(math.ceil(max(len(line), 1) / 50) for line in text.splitlines())
    return Comment(text, AUTHOR, height=min(600, 16 * max(lines, 1) + 16), width=width)


def _mark_cell(ws: Worksheet, row: int, column: int, issues: list[Issue]) -> None:
    cell = ws.cell(row=row, column=column)
    cell.fill = ERROR_FILL if any(i.is_error for i in issues) else WARNING_FILL
    if isinstance(cell, MergedCell):  # not the top-left of a merge: no comment fits there
        return
    text = _comment_text(issues)
    earlier = cell.comment
    if earlier is not None and earlier.author != AUTHOR and earlier.text:
        text += f"\n\n(Ghi chú có sẵn trong tệp: {earlier.text})"
    with suppress(AttributeError, ValueError, TypeError):
        cell.comment = _comment(text)


def _unmark(workbook: Workbook, names: dict[str, Worksheet]) -> None:
    """Remove what an earlier :func:`mark_workbook` added to this (resent) workbook."""
    for ws in list(workbook.worksheets):
        if _same_name(ws.title, ISSUE_SHEET) and len(workbook.worksheets) > 1:
            workbook.remove(ws)
            for key in [k for k, v in names.items() if v is ws]:
                del names[key]
    for ws in workbook.worksheets:
        for cells in ws.iter_rows():
            for cell in cells:
                comment = cell.comment
                if comment is None or comment.author != AUTHOR:
                    continue
                cell.comment = None
                colour = cell.fill.fgColor.rgb if cell.fill.fill_type == "solid" else None
                if colour in (ERROR_FILL.fgColor.rgb, WARNING_FILL.fgColor.rgb):
                    cell.fill = PatternFill(fill_type=None)


def _quoted(title: str) -> str:
    """A sheet title as a formula or link names it: ``'Sheet 1'``."""
    return "'" + title.replace("'", "''") + "'"


def _issue_sheet(workbook: Workbook, marks: list[_Mark], name: str) -> None:
    """Put the list of issues first, and make it the sheet that opens; its note ends with the
    feedback letter's instruction for this copy (named ``name``)."""
    ws = workbook.create_sheet(sheet_title(ISSUE_SHEET, set(workbook.sheetnames)), 0)
    errors = sum(1 for m in marks if m.issue.is_error)
    warnings_count = len(marks) - errors
    note = (
        f"Tệp có {errors} lỗi (ô tô đỏ) và {warnings_count} lưu ý (ô tô vàng). Bấm vào địa chỉ "
        "ô để đến ô đó; đưa chuột lên ô được tô màu để đọc ghi chú. "
        + resend_instruction("rejected" if errors else "accepted", name)
    )
    rows: list[list[CellValue]] = []
    for number, mark in enumerate(marks, start=1):
        issue = mark.issue
        rows.append(
            [
                number,
                mark.ws.title if mark.ws is not None else issue.sheet,
                issue.cell,
                issue.row,
                SEVERITY_WORDS.get(issue.severity, issue.severity),
                issue.message,
                issue.value,
                issue.suggestion,
            ]
        )
    above = [(ISSUE_TITLE, Font(bold=True, size=14)), (note, Font(italic=True))]
    top = _fill_table(ws, ISSUE_HEADER, rows, ISSUE_WIDTHS, above)
    ws.cell(row=1, column=1).alignment = Alignment(horizontal="center", vertical="center")
    for i, mark in enumerate(marks, start=top + 1):
        ws.cell(row=i, column=5).fill = ERROR_FILL if mark.issue.is_error else WARNING_FILL
        if mark.ws is None or mark.row is None or mark.column is None:
            continue
        link = ws.cell(row=i, column=3 if mark.issue.cell else 4)
        location = f"{_quoted(mark.ws.title)}!{cell_ref(mark.row, mark.column)}"
        link.hyperlink = Hyperlink(ref=link.coordinate, location=location)
        link.font = Font(color="FF0563C1", underline="single")
    ws.print_title_rows = f"{top}:{top}"
    ws.page_setup.orientation = "landscape"
    ws.page_setup.fitToWidth = 1
    ws.page_setup.fitToHeight = 0
    ws.sheet_properties.pageSetUpPr.fitToPage = True
    _open_first(workbook)


def _open_first(workbook: Workbook) -> None:
    """Make the first sheet the only selected one (several selected sheets would be grouped,
    and typing into one would change them all)."""
    for index, name in enumerate(workbook.sheetnames):
        sheet = workbook[name]
        views = getattr(sheet, "views", None) or getattr(sheet, "sheetViews", None)
        for view in getattr(views, "sheetView", []):
            view.tabSelected = index == 0
    workbook.active = 0
    for view in workbook.views:
        view.firstSheet = 0
        view.activeTab = 0


if __name__ == "__main__":  # the child of mark_workbook_apart
    mark_here()
