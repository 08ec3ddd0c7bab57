"""Pages that print: the blank forms, the report workbook and the list of issues of a marked
workbook on A4, read back with openpyxl, and printed to PDF by LibreOffice (pages counted and
measured with poppler)."""

from __future__ import annotations

import io
import os
import re
import shutil
import zipfile
from datetime import date, datetime
from pathlib import Path
from typing import Any

import openpyxl  # type: ignore[import-untyped]
import pytest
from openpyxl.utils import get_column_letter  # type: ignore[import-untyped]
from python_calamine import CalamineWorkbook

from flows.documents import service
from flows.documents.pdf import convert
from flows.documents.printing import (
    FOOTER,
    MIN_SCALE,
    PageLayout,
    page_layout,
    printable_points,
    sheet_points,
)
from flows.documents.service import DocumentOptions
from flows.documents.workbooks import ColumnSum, SheetTable, mark_workbook, write_workbook
from flows.forms import HEADER_ROW, PRINTED, build_form
from flows.intake.engine import IntakeOptions, run_intake
from flows.intake.issues import Issue
from flows.plan import Plan, load_plan
from flows.plan.schema import Milestone, Site
from tests.conftest import ROOT, SHIPPED_PLANS
from tests.intake_files import write_registration
from tests.pdfs import page_sizes, page_text, text_height

A4_PAPER = 9
LEGIBLE_POINTS = 6.0
"""The least median height of a page's words in a PDF: 11-12 pt text printed at 60 % or more
(at the 35 % the widest forms printed at before, it measured under 4)."""


def widths(sheet: Any) -> list[float]:
    return [
        sheet.column_dimensions[get_column_letter(j)].width for j in range(1, sheet.max_column + 1)
    ]


def check_a4(sheet: Any, orientation: str, across: int = 1) -> None:
    """``sheet`` prints on A4 in ``orientation``, ``across`` pages wide, as many down as it
    takes, with the page number at its foot."""
    setup = sheet.page_setup
    assert int(setup.paperSize) == A4_PAPER, sheet.title
    assert setup.orientation == orientation, sheet.title
    assert sheet.sheet_properties.pageSetUpPr.fitToPage, sheet.title
    assert (int(setup.fitToWidth), int(setup.fitToHeight)) == (across, 0), sheet.title
    assert sheet.oddFooter.center.text == FOOTER
    assert (sheet.page_margins.left, sheet.page_margins.right) == (0.7, 0.4)


# --- how wide a sheet prints ----------------------------------------------------------------


@pytest.mark.parametrize("count", [1, 3, 5, 8, 14, 20, 40])
@pytest.mark.parametrize("width", [6.0, 12.0, 25.0, 60.0])
def test_a_sheet_prints_legibly_on_as_few_pages_across_as_it_can(count: int, width: float) -> None:
    columns = [width] * count
    layout = page_layout(columns)
    assert layout.landscape == (sheet_points(columns) > printable_points(False))
    assert layout.scale(columns) >= MIN_SCALE
    if layout.pages_across > 1:  # one page fewer would print it too small
        fewer = PageLayout(layout.landscape, layout.pages_across - 1)
        assert fewer.scale(columns) < MIN_SCALE


# --- the streamed workbook --------------------------------------------------------------------

NARROW = SheetTable("Hẹp", ["Đơn vị", "Số hộ"], [["Xã An Bình", 12]], note="Ghi chú")
WIDE = SheetTable("Rộng", [f"Cột {j}" for j in range(12)], [["x" * 14] * 12])
VERY_WIDE = SheetTable(
    "Rất rộng",
    ["Đơn vị", *[f"Nội dung {j}" for j in range(10)]],
    [["Xã A", *["chữ " * 30] * 10]],
    title_columns=1,
)


def test_each_sheet_of_a_written_workbook_prints_on_a4(tmp_path: Path) -> None:
    path = tmp_path / "tong-hop.xlsx"
    write_workbook(path, [NARROW, WIDE, VERY_WIDE])
    book = openpyxl.load_workbook(path)
    narrow, wide, very_wide = book.worksheets
    check_a4(narrow, "portrait")
    check_a4(wide, "landscape")
    across = page_layout(widths(very_wide)).pages_across
    assert across > 1
    check_a4(very_wide, "landscape", across)
    assert narrow.print_title_rows == "$2:$2"  # the header, below the note
    assert wide.print_title_rows == "$1:$1"
    assert (narrow.print_title_cols, wide.print_title_cols) == (None, None)
    assert very_wide.print_title_cols == "$A:$A"  # the name of the row on every page across
    assert narrow.print_options.horizontalCentered


def test_an_empty_workbook_still_prints_on_a4(tmp_path: Path) -> None:
    path = tmp_path / "rong.xlsx"
    write_workbook(path, [])
    check_a4(openpyxl.load_workbook(path).active, "portrait")


def test_rows_are_as_tall_as_their_wrapped_text(tmp_path: Path) -> None:
    """Neither Excel nor LibreOffice sizes the rows of a file it opens: a row left one line
    high prints its wrapped lines over the next row."""
    path = tmp_path / "cao.xlsx"
    table = SheetTable(
        "Cao",
        ["Đơn vị", "Mốc\n(hạn 20/03/2017)"],
        [["Xã A", "ngắn"], ["Xã B", "chữ " * 50]],
        widths=[12.0, 22.0],
    )
    write_workbook(path, [table])
    sheet = openpyxl.load_workbook(path).active
    assert sheet.row_dimensions[1].height == 30  # two lines of header
    assert sheet.row_dimensions[2].height is None  # one line: the default
    assert sheet.row_dimensions[3].height >= 15 * len("chữ " * 50) / 20


def test_totals_are_sums_of_their_column(tmp_path: Path) -> None:
    """A total is a SUM over the rows above it, in bold and below the autofilter (sorting the
    table leaves it at the bottom); a reader that does not calculate sees its value."""
    path = tmp_path / "tong.xlsx"
    rows: list[list[Any]] = [["Xã A", 3, 1.5], ["Xã B", 4, 2.0], ["Tổng cộng", ColumnSum(7), 3.5]]
    write_workbook(
        path, [SheetTable("Số liệu", ["Đơn vị", "Số hộ", "Kinh phí"], rows, note="x", totals=1)]
    )
    sheet = openpyxl.load_workbook(path).active
    assert [c.value for c in sheet[5]] == ["Tổng cộng", "=SUM(B3:B4)", 3.5]
    assert all(c.font.b for c in sheet[5]) and not sheet["A4"].font.b
    assert sheet.auto_filter.ref == "A2:C4"
    cached = CalamineWorkbook.from_path(str(path)).get_sheet_by_index(0).to_python()
    assert cached[4][:2] == ["Tổng cộng", 7]


@pytest.mark.slow
@pytest.mark.usefixtures("libreoffice")
def test_libreoffice_calculates_the_totals(tmp_path: Path) -> None:
    """The formula is the sum: with its cached value taken out of the file, LibreOffice
    calculates it (it shows a cached value as it is)."""
    written = tmp_path / "tong.xlsx"
    rows: list[list[Any]] = [["Xã A", 3], ["Xã B", 4], ["Tổng cộng", ColumnSum(7)]]
    write_workbook(written, [SheetTable("Số liệu", ["Đơn vị", "Số hộ"], rows, totals=1)])
    path = tmp_path / "khong-gia-tri.xlsx"
    with zipfile.ZipFile(written) as source, zipfile.ZipFile(path, "w") as target:
        for info in source.infolist():
            data = source.read(info)
            if info.filename.startswith("xl/worksheets/"):
                data, count = re.subn(rb"</f><v>[^<]*</v>", b"</f>", data)
                assert count == 1
            target.writestr(info, data)
    converted, problems = convert([path], target="csv")
    assert problems == []
    last = converted[path].read_bytes().splitlines()[-1]  # in the locale's encoding
    assert last.rsplit(b",", 1)[1] == b"7"


def test_the_list_of_issues_prints_on_a4(tmp_path: Path) -> None:
    source = write_registration(tmp_path / "dang-ky.xlsx")
    target = tmp_path / "phan-hoi.xlsx"
    issue = Issue("not_integer", "error", "Không phải số nguyên.", sheet="Sheet1", row=7, column=7)
    assert mark_workbook(source, "xlsx", [issue], target)
    sheet = openpyxl.load_workbook(target).worksheets[0]
    check_a4(sheet, "landscape")
    assert sheet.print_title_rows == "$3:$3"


# --- the report workbook ----------------------------------------------------------------------


@pytest.fixture(scope="module")
def report_workbook(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The report workbook of the shipped samples, a week after the last due date."""
    plan = load_plan(ROOT / "config" / "plan.yaml")
    root = tmp_path_factory.mktemp("report")
    inbox, state = root / "inbox", root / "state"
    inbox.mkdir()
    for folder in sorted(p for p in (ROOT / "samples").iterdir() if p.is_dir()):
        for n, file in enumerate(sorted(folder.iterdir())):
            copy = shutil.copy(file, inbox / file.name)
            os.utime(copy, (1_500_000_000 + n, 1_500_000_000 + n))
        run_intake(plan, inbox, state, date.fromisoformat(folder.name), IntakeOptions(0, 0))
    run = service.report(
        plan, state, root / "outbox", date(2017, 11, 27), DocumentOptions(pdf=False)
    )
    (path,) = [root / "outbox" / w.path for w in run.written if w.kind == "report-workbook"]
    return path


def test_every_sheet_of_the_report_workbook_prints_on_a4(report_workbook: Path) -> None:
    book = openpyxl.load_workbook(report_workbook)
    orientations = set()
    for sheet in book.worksheets:
        layout = page_layout(widths(sheet))
        check_a4(sheet, layout.orientation, layout.pages_across)
        orientations.add(layout.orientation)
        assert sheet.print_title_rows == "$2:$2", sheet.title  # the header, below the note
        if layout.pages_across > 1:
            assert sheet.print_title_cols == "$A:$A", sheet.title
    assert orientations == {"portrait", "landscape"}


def header_of(sheet: Any) -> list[Any]:
    return [c.value for c in sheet[2]]


def test_received_dates_in_the_report_workbook_are_dates(report_workbook: Path) -> None:
    book = openpyxl.load_workbook(report_workbook)
    dated = 0
    for sheet in book.worksheets:
        for j, label in enumerate(header_of(sheet), start=1):
            if not re.search(r"ngày nhận|^Hạn$", label or "", re.IGNORECASE):
                continue
            for (cell,) in sheet.iter_rows(min_row=3, min_col=j, max_col=j):
                if cell.value is not None:
                    assert isinstance(cell.value, datetime), (sheet.title, cell.coordinate)
                    assert cell.number_format == "dd/mm/yyyy"
                    dated += 1
    assert dated > 50
    late = book["Nộp muộn"]
    assert header_of(late) == ["Đơn vị", "Mốc", "Hạn", "Ngày nhận", "Số ngày muộn"]
    for _, _, due, received, days in late.iter_rows(min_row=3, values_only=True):
        assert days == (received - due).days > 0


def test_totals_in_the_report_workbook_are_sums(report_workbook: Path) -> None:
    book = openpyxl.load_workbook(report_workbook)
    values = CalamineWorkbook.from_path(str(report_workbook))
    totals = 0
    for sheet in book.worksheets:
        cached = values.get_sheet_by_name(sheet.title).to_python()
        for row in sheet.iter_rows(min_row=3):
            if row[0].value != "Tổng cộng":
                continue
            assert row[0].font.b
            for cell in row[1:]:
                letter, j = cell.column_letter, cell.column - 1
                assert cell.value == f"=SUM({letter}3:{letter}{cell.row - 1})", sheet.title
                above = [r[j] for r in cached[2 : cell.row - 1]]
                assert cached[cell.row - 1][j] == pytest.approx(sum(above))
                totals += 1
    assert totals >= 20
    assert assert_only_total_formulas(book) == totals


def assert_only_total_formulas(book: Any) -> int:
    """Every formula of ``book`` is the SUM of its column over the rows between the header
    (row 2) and its own "Tổng cộng" row: nothing a sender wrote became a formula. How many."""
    count = 0
    for sheet in book.worksheets:
        for row in sheet.iter_rows():
            for cell in row:
                if cell.data_type == "f":
                    letter = cell.column_letter
                    assert row[0].value == "Tổng cộng", (sheet.title, cell.coordinate)
                    assert cell.value == f"=SUM({letter}3:{letter}{cell.row - 1})"
                    count += 1
    return count


@pytest.mark.slow
@pytest.mark.usefixtures("poppler")
def test_the_report_workbook_prints_legibly(report_workbook: Path, tmp_path: Path) -> None:
    copy = Path(shutil.copy(report_workbook, tmp_path / "tong-hop.xlsx"))
    converted, problems = convert([copy])
    assert problems == []
    pdf = converted[copy]
    sizes = page_sizes(pdf)
    sheets = openpyxl.load_workbook(copy).worksheets
    across = sum(page_layout(widths(s)).pages_across for s in sheets)
    assert across <= len(sizes) <= across + 3  # each sheet on its pages across, a few rows
    assert {tuple(round(x) for x in sorted(s)) for s in sizes} == {(595, 842)}  # A4, any way
    assert any(w > h for w, h in sizes) and any(w < h for w, h in sizes)
    for page in range(1, len(sizes) + 1):
        assert text_height(pdf, page) >= LEGIBLE_POINTS, page
    assert "Trang 1 / " in page_text(pdf, 1)


# --- blank forms ------------------------------------------------------------------------------


def widest_form(plan: Plan) -> tuple[Milestone, Site, int]:
    """The milestone with the widest form, its first site, and the form's number of columns."""

    def count(milestone: Milestone) -> int:
        form = plan.form_by_id(milestone.form)
        return len(form.columns) if form else 0

    milestone = max(plan.milestones, key=count)
    return milestone, plan.sites_of(milestone)[0], count(milestone)


@pytest.mark.parametrize("plan_path", SHIPPED_PLANS, ids=lambda p: p.stem)
def test_the_widest_form_prints_on_one_landscape_page_across(plan_path: Path) -> None:
    plan = load_plan(plan_path)
    milestone, site, columns = widest_form(plan)
    assert columns >= 14  # both shipped plans have a report of 14 or more columns
    book = openpyxl.load_workbook(io.BytesIO(build_form(plan, milestone, site)))
    sheet, guide = book.worksheets[:2]
    check_a4(sheet, "landscape")
    assert sheet.print_title_rows == f"${HEADER_ROW}:${HEADER_ROW}"
    assert len(widths(sheet)) == columns and PRINTED.scale(widths(sheet)) >= MIN_SCALE
    check_a4(guide, "landscape")
    title_row = int(guide.print_title_rows.split(":")[0].strip("$"))
    assert [c.value for c in guide[title_row]] == ["Cột", "Bắt buộc", "Kiểu", "Ý nghĩa"]


@pytest.mark.slow
@pytest.mark.usefixtures("poppler")
def test_the_widest_forms_print_legibly(tmp_path: Path) -> None:
    """The widest form of each shipped plan, printed by LibreOffice: the form on one landscape
    page (its last column's label on it), the guide on the next, text of a legible size."""
    files, last_labels = [], {}
    for plan_path in SHIPPED_PLANS:
        plan = load_plan(plan_path)
        milestone, site, _ = widest_form(plan)
        folder = tmp_path / plan_path.stem
        folder.mkdir()
        path = folder / "bieu-mau.xlsx"  # one name in two folders: one soffice run
        path.write_bytes(build_form(plan, milestone, site))
        form = plan.form_by_id(milestone.form)
        assert form is not None
        files.append(path)
        last_labels[path] = form.columns[-1].label
    converted, problems = convert(files)
    assert problems == []
    for path in files:
        pdf = converted[path]
        sizes = page_sizes(pdf)
        assert len(sizes) == 2, path  # the form, the guide (the lists and marker are hidden)
        assert all(w > h and (round(w), round(h)) == (842, 595) for w, h in sizes), path
        first = " ".join(page_text(pdf, 1).split())
        assert " ".join(last_labels[path].split()[-2:]) in first, path
        assert "Trang 1 / 2" in first and "Trang 2 / 2" in page_text(pdf, 2)
        for page in (1, 2):
            assert text_height(pdf, page) >= LEGIBLE_POINTS, (path, page)
