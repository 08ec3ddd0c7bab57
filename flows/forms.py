"""Blank forms: for a site and a milestone, the exact spreadsheet to fill, from the plan.

A form is an .xlsx with:

- the sheet to fill: a title block (the issuing body, the form's title, the site, the due
  date), the header row with the plan's labels, and the site's row, prefilled with what the
  plan knows (the site's unit, its model) and locked; every other cell of the row carries the
  column's number or date format, a dropdown where the plan gives the values (yes/no, choices,
  models, the units inside the site's, in Vietnamese alphabetical order), and the column's
  description as an input message;
  the sheet is protected without a password, so nobody is ever locked out;
- "Hướng dẫn": what each column means, the due date and where to send the file;
- both print on A4 landscape, one page across, the header row on every page, numbered pages
  (a wide form's columns are narrowed so that it still prints legibly);
- the lists the dropdowns take their values from, on a hidden sheet;
- an identity marker (plan, form, milestone, site, form version) twice: as workbook custom
  properties and on a hidden sheet, so that it survives renaming and re-saving.

Nothing here is plan content: every word of a form comes from the plan or from the labels
below.
"""

from __future__ import annotations

import io
import math
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from functools import partial
from pathlib import Path
from typing import Any

from openpyxl import Workbook  # type: ignore[import-untyped]
from openpyxl.packaging.custom import StringProperty  # type: ignore[import-untyped]
from openpyxl.styles import Alignment, Border, Font, PatternFill, Protection, Side  # type: ignore[import-untyped]
from openpyxl.utils import get_column_letter  # type: ignore[import-untyped]
from openpyxl.worksheet.datavalidation import DataValidation  # type: ignore[import-untyped]
from openpyxl.worksheet.worksheet import Worksheet  # type: ignore[import-untyped]

from flows.collation import unit_order_key, vietnamese_key
from flows.documents.atomic import write_atomic
from flows.documents.outbox import form_file_name
from flows.documents.printing import MIN_SCALE, PageLayout, page_layout, set_page_layout
from flows.documents.workbooks import safe_cell_value, set_text_safe, sheet_title
from flows.marker import PROPERTY_PREFIX, Marker
from flows.marker import SHEET as MARKER_SHEET
from flows.names import safe_name
from flows.parallel import spread
from flows.plan import Plan
from flows.plan.schema import Column, Form, Milestone, Site

LISTS_SHEET = "Danh mục"
GUIDE_SHEET = "Hướng dẫn"
YES_NO = ("Có", "Không")
HEADER_ROW = 6  # rows 1-4: the title block; row 5 blank
FONT = "Times New Roman"  # the administrative documents' face (Liberation Serif in LibreOffice)
FILL = PatternFill("solid", fgColor="DDEBF7")
PREFILLED = PatternFill("solid", fgColor="F2F2F2")
THIN = Side(style="thin", color="808080")
BOX = Border(left=THIN, right=THIN, top=THIN, bottom=THIN)
FORMATS = {
    "integer": "#,##0",
    "number": "#,##0.##",
    "date": "dd/mm/yyyy",
    "phone": "@",
    "text": "@",
}
KIND_WORDS = {
    "text": "chữ",
    "integer": "số nguyên",
    "number": "số",
    "date": "ngày (ngày/tháng/năm)",
    "yes-no": "Có hoặc Không",
    "choice": "chọn trong danh sách",
    "unit": "đơn vị hành chính",
    "model": "mô hình",
    "phone": "số điện thoại",
}


@dataclass(frozen=True)
class Cell:
    """What the form puts under one column in the site's row."""

    value: Any = None
    choices: tuple[str, ...] = ()


def prefilled(plan: Plan, form: Form, site: Site) -> dict[str, Cell]:
    """What the plan knows of the site's row, by column key: the site's unit, its model, and
    the lists the other columns choose from: units and models in Vietnamese alphabetical
    order (the lists a reader searches), a column's own choices in the plan's order (the
    plan's author may list them as a scale: Tốt, Khá, Trung bình)."""
    found: dict[str, Cell] = {}
    placed = plan.unit_of(site)
    models = tuple(sorted((m.name for m in plan.models), key=vietnamese_key))
    for column in form.columns:
        if column.key == form.site_key:
            found[column.key] = Cell(plan.site_name(site))
        elif column.type == "unit" and column.within == form.site_key:
            units = sorted((u.name for u in placed.unit.children), key=unit_order_key)
            found[column.key] = Cell(choices=tuple(units))
        elif column.type == "model":
            model = plan.model_by_code(site.model) if site.model else None
            found[column.key] = Cell(model.name) if model else Cell(choices=models)
        elif column.type == "choice":
            found[column.key] = Cell(choices=tuple(column.choices))
        elif column.type == "yes-no":
            found[column.key] = Cell(choices=YES_NO)
        else:
            found[column.key] = Cell()
    return found


def build_forms(
    plan: Plan, wanted: Sequence[tuple[Milestone, Site]], processes: int | None = None
) -> Iterator[bytes]:
    """:func:`build_form` of each (milestone, site), in order; many are built on every core
    (openpyxl takes some 40 ms a form: a day of 2,000 reminders sends 2,000 forms)."""
    pairs = [(milestone.id, site.id) for milestone, site in wanted]
    return spread(
        partial(_form_of, plan), pairs, _form_in_worker, _start_form_worker, (plan,), processes
    )


_worker_plan: Plan | None = None


def _start_form_worker(plan: Plan) -> None:
    global _worker_plan
    _worker_plan = plan


def _form_in_worker(pair: tuple[str, str]) -> bytes:
    assert _worker_plan is not None
    return _form_of(_worker_plan, pair)


def _form_of(plan: Plan, pair: tuple[str, str]) -> bytes:
    milestone = next(m for m in plan.milestones if m.id == pair[0])
    site = plan.site_by_id(pair[1])
    assert site is not None, "forms are built for the plan's own sites"
    return build_form(plan, milestone, site)


def build_form(plan: Plan, milestone: Milestone, site: Site) -> bytes:
    """The .xlsx of ``milestone``'s form for ``site``."""
    form = plan.form_by_id(milestone.form)
    assert form is not None, "the loader checks every milestone's form"
    book = Workbook()
    sheet = book.active
    sheet.title = sheet_title(form.id, {MARKER_SHEET, LISTS_SHEET, GUIDE_SHEET})
    cells = prefilled(plan, form, site)
    _title_block(sheet, plan, form, milestone, site)
    guide = book.create_sheet(GUIDE_SHEET)  # the second tab
    lists = book.create_sheet(LISTS_SHEET)
    lists.sheet_state = "hidden"
    _table(sheet, lists, form, cells)
    _guide(guide, plan, form, milestone, site)
    marker = Marker(plan.campaign.id, form.id, milestone.id, site.id, form.version)
    _mark(book, marker)
    book.active = 0
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def write_forms(
    plan: Plan,
    outbox: Path,
    milestones: Iterable[Milestone],
    sites: Iterable[str] | None = None,
) -> list[Path]:
    """Every chosen milestone's form for each of its sites (or those in ``sites``), in the
    site's folder of ``outbox``; the files written."""
    chosen = set(sites) if sites is not None else None
    wanted = [
        (milestone, site)
        for milestone in milestones
        for site in plan.sites_of(milestone)
        if chosen is None or site.id in chosen
    ]
    written = []
    for (milestone, site), data in zip(wanted, build_forms(plan, wanted), strict=True):
        path = outbox / safe_name(site.id) / form_file_name(milestone.id, site.id)
        write_atomic(path, data)
        written.append(path)
    return written


# --- the sheet to fill ----------------------------------------------------------------------


def _title_block(
    sheet: Worksheet, plan: Plan, form: Form, milestone: Milestone, site: Site
) -> None:
    width = len(form.columns)
    lines = [
        (" ".join(plan.issuer.parent).upper(), Font(name=FONT, size=11), "left"),
        (plan.issuer.name.upper(), Font(name=FONT, bold=True, size=11), "left"),
        (form.title, Font(name=FONT, bold=True, size=14), "center"),
        (
            f"Đơn vị: {plan.site_name(site)} — {milestone.name} — hạn gửi {milestone.due:%d/%m/%Y}",
            Font(name=FONT, italic=True, size=12),
            "center",
        ),
    ]
    for row, (text, font, align) in enumerate(lines, start=1):
        cell = sheet.cell(row, 1)
        set_text_safe(cell, text)
        cell.font = font
        cell.alignment = Alignment(horizontal=align, vertical="center", wrap_text=True)
        if width > 1:
            sheet.merge_cells(start_row=row, start_column=1, end_row=row, end_column=width)
    sheet.row_dimensions[3].height = 40


PRINTED = PageLayout(landscape=True, pages_across=1)
"""How a form prints: A4 landscape, one page across (split pages would cut the title and
the row a site signs), as many pages down as it takes."""
WIDE_TYPES = ("text", "unit", "model", "choice")
WIDE, NARROW = 32.0, (14.0, 24.0)  # the columns' widths on screen (Excel characters)
PRINT_WIDE, PRINT_NARROW = 16.0, 12.0  # at least, when a wide form is narrowed to print
LINE_POINTS = 16.0  # a line of 12 pt text in a row


def column_widths(form: Form) -> list[float]:
    """The width of each column of ``form``: text and lists wide, numbers and dates as wide as
    their label (within bounds). A form too wide to print legibly on one landscape page gets
    every column narrowed in proportion (more lines in each cell) until it prints at
    :data:`MIN_SCALE` at least, but no column below :data:`PRINT_WIDE` or
    :data:`PRINT_NARROW` (a form of more than some 15 columns then prints smaller)."""
    wide = [c.type in WIDE_TYPES for c in form.columns]
    low, high = NARROW
    natural = [
        WIDE if w else max(low, min(high, float(len(c.label))))
        for c, w in zip(form.columns, wide, strict=True)
    ]
    floors = [PRINT_WIDE if w else PRINT_NARROW for w in wide]
    for percent in range(100, 0, -2):
        widths = [
            max(floor, float(round(width * percent / 100)))
            for width, floor in zip(natural, floors, strict=True)
        ]
        if PRINTED.scale(widths) >= MIN_SCALE or widths == floors:
            return widths
    return floors


def _lines(text: str, width: float) -> int:
    """How many lines ``text`` wraps into in a column of ``width`` (12 pt Times New Roman)."""
    return sum(
        max(1, math.ceil(len(line) * 1.1 / max(width - 1, 1))) for line in text.splitlines() or [""]
    )


def _table(sheet: Worksheet, lists: Worksheet, form: Form, cells: dict[str, Cell]) -> None:
    row = HEADER_ROW + 1
    widths = column_widths(form)
    for number, column in enumerate(form.columns, start=1):
        letter = get_column_letter(number)
        header = sheet.cell(HEADER_ROW, number)
        set_text_safe(header, column.label)
        header.font = Font(name=FONT, bold=True, size=12)
        header.fill = FILL
        header.border = BOX
        header.alignment = Alignment(horizontal="center", vertical="center", wrap_text=True)
        sheet.column_dimensions[letter].width = widths[number - 1]
        spec = cells[column.key]
        cell = sheet.cell(row, number)
        cell.border = BOX
        cell.font = Font(name=FONT, size=12)
        cell.alignment = Alignment(vertical="top", wrap_text=True)
        if spec.value is not None:
            set_text_safe(cell, spec.value)
            cell.fill = PREFILLED
            continue  # prefilled: stays locked
        cell.protection = Protection(locked=False)
        if column.type in FORMATS:
            cell.number_format = FORMATS[column.type]
        validation = _validation(column, spec, lists, number)
        if validation is not None:
            sheet.add_data_validation(validation)
            validation.add(cell.coordinate)
    # LibreOffice does not grow a row for wrapped text it did not lay out itself
    labels = [_lines(c.label, w) for c, w in zip(form.columns, widths, strict=True)]
    sheet.row_dimensions[HEADER_ROW].height = max(48.0, LINE_POINTS * max(labels) + 6)
    values = [
        _lines(str(cells[c.key].value), w)
        for c, w in zip(form.columns, widths, strict=True)
        if cells[c.key].value is not None
    ]
    sheet.row_dimensions[row].height = 18 * max([2, *values])
    sheet.freeze_panes = sheet.cell(HEADER_ROW + 1, 2)  # the unit stays in view on a wide form
    set_page_layout(sheet, PRINTED, title_rows=(HEADER_ROW, HEADER_ROW))
    # no password: protection stops accidents (typing over a header), never the owner
    sheet.protection.sheet = True
    sheet.protection.formatColumns = False  # False allows it
    sheet.protection.formatRows = False
    sheet.protection.formatCells = False


def _validation(column: Column, spec: Cell, lists: Worksheet, number: int) -> DataValidation | None:
    """The dropdown or the bounds of ``column``, with its description as the input message."""
    found: DataValidation | None = None
    if spec.choices:
        letter = get_column_letter(number)
        for row, choice in enumerate(spec.choices, start=1):
            set_text_safe(lists.cell(row, number), choice)
        source = f"'{LISTS_SHEET}'!${letter}$1:${letter}${len(spec.choices)}"
        found = DataValidation(type="list", formula1=f"={source}", allow_blank=True)
        found.error = "Xin chọn một giá trị trong danh sách."
    elif column.type in ("integer", "number"):
        kind = "whole" if column.type == "integer" else "decimal"
        low = -1e15 if column.min is None else column.min
        high = 1e15 if column.max is None else column.max
        found = DataValidation(
            type=kind, operator="between", formula1=_number(low), formula2=_number(high)
        )
        found.error = plain(f"Xin nhập {KIND_WORDS[column.type]}{_range_words(column)}.")
    elif column.type == "date":
        low = column.min if isinstance(column.min, date) else date(1900, 1, 1)
        high = column.max if isinstance(column.max, date) else date(9999, 12, 31)
        found = DataValidation(
            type="date", operator="between", formula1=_serial(low), formula2=_serial(high)
        )
        found.error = f"Xin nhập ngày dạng ngày/tháng/năm{_range_words(column)}."
    elif column.description:
        found = DataValidation(type=None, allow_blank=True)  # only the input message
    if found is None:
        return None
    found.allow_blank = True
    found.showErrorMessage = found.type is not None
    found.errorTitle = "Giá trị không hợp lệ"
    if column.description or column.required:
        found.showInputMessage = True
        found.promptTitle = plain(column.label)[:32]
        prompt = plain(column.description or "")
        if column.required:
            prompt = f"Bắt buộc. {prompt}".strip()
        found.prompt = prompt[:255]
    return found


def plain(text: str) -> str:
    """``text`` without the characters an .xlsx cannot hold."""
    cleaned = safe_cell_value(text)
    return cleaned if isinstance(cleaned, str) else ""


def _number(value: float | date) -> str:
    number = float(value) if not isinstance(value, date) else float(_serial(value))
    return str(int(number)) if number.is_integer() else repr(number)


def _serial(day: date) -> str:
    """Excel's serial number of ``day`` (the 1900 system)."""
    return str((datetime(day.year, day.month, day.day) - datetime(1899, 12, 30)).days)


def _range_words(column: Column) -> str:
    def shown(bound: float | date) -> str:
        if isinstance(bound, date):
            return f"{bound:%d/%m/%Y}"
        return _number(bound)

    low, high = column.min, column.max
    if low is not None and high is not None:
        return f" từ {shown(low)} đến {shown(high)}"
    if low is not None:
        return f" từ {shown(low)} trở đi" if isinstance(low, date) else f" từ {shown(low)} trở lên"
    if high is not None:
        return f" đến hết {shown(high)}" if isinstance(high, date) else f" không quá {shown(high)}"
    return ""


# --- instructions and marker ------------------------------------------------------------------


def _guide(sheet: Worksheet, plan: Plan, form: Form, milestone: Milestone, site: Site) -> None:
    lines: list[list[Any]] = [
        [form.title],
        [f"Đơn vị gửi: {plan.site_name(site)}"],
        [f"Đợt báo cáo: {milestone.name}; hạn gửi: {milestone.due:%d/%m/%Y}"],
    ]
    if plan.issuer.submit_to:
        lines.append([f"Nơi gửi: {plan.issuer.submit_to}"])
    for note in (form.description, milestone.description):
        if note:
            lines.append([note])
    lines += [
        ["Điền vào trang đầu, không đổi tên cột, không thêm hay xóa cột; ô màu xám đã điền sẵn."],
        [],
        ["Cột", "Bắt buộc", "Kiểu", "Ý nghĩa"],
    ]
    for column in form.columns:
        kind = KIND_WORDS[column.type] + _range_words(column)
        lines.append(
            [column.label, "Có" if column.required else "", kind, column.description or ""]
        )
    for number, line in enumerate(lines, start=1):
        for place, text in enumerate(line, start=1):
            set_text_safe(sheet.cell(number, place), text)
    for line in sheet.iter_rows():
        for cell in line:
            cell.font = Font(name=FONT, size=12)
    sheet["A1"].font = Font(name=FONT, bold=True, size=13)
    header = len(lines) - len(form.columns)
    for cell in sheet[header]:
        cell.font = Font(name=FONT, bold=True, size=12)
        cell.fill = FILL
    widths = (45.0, 10.0, 45.0, 70.0)
    for letter, width in zip("ABCD", widths, strict=True):
        sheet.column_dimensions[letter].width = width
    set_page_layout(sheet, page_layout(widths), title_rows=(header, header))
    for row in sheet.iter_rows(min_row=header + 1):
        for cell in row:
            cell.alignment = Alignment(vertical="top", wrap_text=True)


def _mark(book: Workbook, marker: Marker) -> None:
    """The marker as custom properties and on a hidden sheet."""
    for key, value in marker.as_dict().items():
        book.custom_doc_props.append(StringProperty(name=PROPERTY_PREFIX + key, value=value))
    sheet = book.create_sheet(MARKER_SHEET)
    for number, (key, value) in enumerate(marker.as_dict().items(), start=1):
        set_text_safe(sheet.cell(number, 1), key)
        set_text_safe(sheet.cell(number, 2), value)
    sheet.sheet_state = "hidden"
