"""Workbooks written by the engine: real files, read back with openpyxl, calamine, LibreOffice."""

from __future__ import annotations

import csv
import hashlib
import os
import shutil
import subprocess
from datetime import date, datetime
from pathlib import Path
from typing import Any

import pytest
from openpyxl import Workbook, load_workbook
from python_calamine import CalamineWorkbook

from flows.documents.workbooks import (
    ERROR_FILL,
    ISSUE_HEADER,
    ISSUE_SHEET,
    ISSUE_TITLE,
    WARNING_FILL,
    CellValue,
    SheetTable,
    mark_workbook,
    safe_cell_value,
    set_text_safe,
    sheet_title,
    write_workbook,
)
from flows.intake.issues import Issue
from flows.intake.sheet import Sheet
from tests.intake_files import write_registration, write_truncated_zip

HOSTILE = ["=1+1", "+84 912", "-5 hộ", "@x", '=HYPERLINK("http://x")', "#N/A", "\tTab", "=A1*2"]

ROWS: list[list[CellValue]] = [
    ["Huyện Cẩm Giàng", date(2017, 9, 5), 3, 2.5, True],
    ["Thành phố Hải Dương", datetime(2017, 9, 5, 8, 30), 0, None, False],
    *[[text, None, -1, 1.25, None] for text in HOSTILE],
]
HEADER = ["Đơn vị", "Ngày nộp", "Số hộ", "Tỷ lệ", "Đã nộp"]


def sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def same(read: Any, written: CellValue) -> bool:
    """Equal as a spreadsheet holds them: a date comes back as a datetime (openpyxl) or date
    (calamine), a whole number may come back as a float."""
    if isinstance(written, datetime) or not isinstance(written, date):
        if written is None:
            return read in (None, "")
        return bool(read == written)
    return read in (written, datetime(written.year, written.month, written.day))


# --------------------------------------------------------------------------- write_workbook


@pytest.fixture
def written(tmp_path: Path) -> Path:
    path = tmp_path / "bao-cao.xlsx"
    tables = [
        SheetTable("Tổng hợp", HEADER, ROWS, note="Tính đến ngày 05/9/2017"),
        SheetTable("Tổng hợp", ["A"], [["x"]], widths=[30.0]),  # the same title twice
        SheetTable("Đơn vị: chưa nộp [1/2]?*", ["B"], []),
    ]
    write_workbook(path, tables)
    return path


def test_write_workbook_round_trip_openpyxl(written: Path) -> None:
    workbook = load_workbook(written)
    assert workbook.sheetnames == ["Tổng hợp", "Tổng hợp (2)", "Đơn vị chưa nộp 1 2"]
    ws = workbook["Tổng hợp"]
    assert ws["A1"].value == "Tính đến ngày 05/9/2017"
    assert [c.value for c in ws[2]] == HEADER
    assert ws["A2"].font.b
    assert ws["A2"].fill.fgColor.rgb == "FFDDEBF7"
    assert ws.freeze_panes == "A3"
    assert ws.auto_filter.ref == f"A2:E{2 + len(ROWS)}"
    for i, row in enumerate(ROWS, start=3):
        for j, value in enumerate(row, start=1):
            assert same(ws.cell(i, j).value, value), (i, j)
    assert ws["B3"].number_format == "dd/mm/yyyy"
    assert ws["B4"].number_format == "dd/mm/yyyy hh:mm"
    assert ws["A3"].alignment.wrap_text
    assert 6 <= ws.column_dimensions["A"].width <= 60
    assert workbook["Tổng hợp (2)"].column_dimensions["A"].width == 30


def test_write_workbook_round_trip_calamine(written: Path) -> None:
    book = CalamineWorkbook.from_path(str(written))
    rows = book.get_sheet_by_name("Tổng hợp").to_python()
    assert rows[1] == HEADER
    for read, row in zip(rows[2:], ROWS, strict=True):
        assert all(same(r, w) for r, w in zip(read, row, strict=True)), (read, row)


def test_no_string_becomes_a_formula(written: Path) -> None:
    ws = load_workbook(written)["Tổng hợp"]
    cells = {ws.cell(i, 1).value: ws.cell(i, 1) for i in range(5, 5 + len(HOSTILE))}
    assert list(cells) == HOSTILE
    for text, cell in cells.items():
        assert cell.data_type == "s", text
        assert cell.quotePrefix == (text != "#N/A"), text
    assert not ws["A3"].quotePrefix  # ordinary text keeps no quote prefix
    # No formula anywhere in the file's XML, whatever the reader.
    from zipfile import ZipFile

    with ZipFile(written) as archive:
        assert all(b"<f>" not in archive.read(n) for n in archive.namelist())


@pytest.mark.slow
@pytest.mark.skipif(shutil.which("soffice") is None, reason="LibreOffice is not installed")
def test_libreoffice_shows_the_text_not_the_result(tmp_path: Path) -> None:
    path = tmp_path / "hostile.xlsx"
    write_workbook(path, [SheetTable("Dữ liệu", ["Giá trị"], [[t] for t in HOSTILE])])
    out = tmp_path / "csv"
    subprocess.run(
        [
            "soffice",
            f"-env:UserInstallation=file://{tmp_path}/lo-wb-{os.getpid()}",
            "--headless",
            "--convert-to",
            "csv:Text - txt - csv (StarCalc):44,34,76",
            "--outdir",
            str(out),
            str(path),
        ],
        check=True,
        capture_output=True,
        timeout=180,
    )
    with (out / "hostile.csv").open(encoding="utf-8", newline="") as stream:
        cells = [row[0] for row in csv.reader(stream)]
    assert cells == ["Giá trị", *HOSTILE]
    assert "2" not in cells


def test_safe_values() -> None:
    assert safe_cell_value("a\x00b\x1fc\ud800") == "abc"
    assert safe_cell_value(float("nan")) is None
    assert len(str(safe_cell_value("x" * 40_000))) == 32_767
    cell = Workbook().active["A1"]
    set_text_safe(cell, "=SUM(A1:A3)\x07")
    assert (cell.value, cell.data_type, cell.quotePrefix) == ("=SUM(A1:A3)", "s", True)


def test_sheet_titles() -> None:
    assert sheet_title("") == "Trang"
    assert sheet_title("'a/b'") == "a b"
    assert len(sheet_title("x" * 50)) == 31
    assert sheet_title("Tổng hợp", {"TỔNG HỢP"}) == "Tổng hợp (2)"
    assert sheet_title("y" * 31, {"y" * 31}) == "y" * 27 + " (2)"


def test_write_workbook_is_atomic(tmp_path: Path) -> None:
    path = tmp_path / "a.xlsx"
    write_workbook(path, [])
    assert load_workbook(path).sheetnames == ["Trang 1"]
    assert [p.name for p in tmp_path.iterdir()] == ["a.xlsx"]
    assert path.stat().st_mode & 0o044  # not a private temporary file's 0600


# --------------------------------------------------------------------------- mark_workbook


# write_registration: rows 1-4 title block, row 5 the labels, row 6 the data (columns A-H).
ISSUES = [
    Issue(
        "not_integer",
        "error",
        "Số hộ tham gia phải là số nguyên.",
        sheet="Sheet1",
        row=7,
        column=3,
        value="abc",
        suggestion="Ghi số, ví dụ 1234.",
    ),
    Issue("bad_phone", "warning", "Số điện thoại lạ.", sheet="Sheet1", row=8, column=5),
    Issue("duplicate_row", "error", "Đơn vị này có hai dòng.", sheet="Sheet1", row=6),
    Issue("late", "warning", "Nộp sau hạn.", sheet="Sheet1", row=7, column=3),
    Issue("no_data", "error", "Tệp không có dòng số liệu nào."),
]


@pytest.fixture
def registration(tmp_path: Path) -> Path:
    path = write_registration(tmp_path / "dang-ky.xlsx")
    workbook = load_workbook(path)  # two more data rows, so that C7 and E8 hold values
    ws = workbook.active
    ws.append(["Huyện Cẩm Giàng", "Xã Cẩm Điền", "abc", "Lê Thị Hoa", "0912", 2, 300])
    ws.append(["Huyện Cẩm Giàng", "Xã Cẩm Văn", "TTND", "Trần Văn An", "12", 4, 500])
    ws.merge_cells("A1:H1")
    workbook.save(path)
    return path


def test_mark_workbook_xlsx(registration: Path, tmp_path: Path) -> None:
    before = sha256(registration)
    values = [list(r) for r in load_workbook(registration).active.iter_rows(values_only=True)]
    target = tmp_path / "tra-lai" / "dang-ky (can sua).xlsx"
    assert mark_workbook(registration, "xlsx", ISSUES, target)
    assert sha256(registration) == before

    workbook = load_workbook(target)
    assert workbook.sheetnames == [ISSUE_SHEET, "Sheet1"]
    assert workbook.active.title == ISSUE_SHEET
    assert not workbook["Sheet1"].sheet_view.tabSelected
    listing = workbook[ISSUE_SHEET]
    rows = list(listing.iter_rows(values_only=True))
    assert rows[0][0] == ISSUE_TITLE
    assert "3 lỗi" in str(rows[1][0]) and "2 lưu ý" in str(rows[1][0])
    assert list(rows[2]) == ISSUE_HEADER
    assert [list(r) for r in rows[3:]] == [
        [1, "Sheet1", "C7", 7, "Lỗi", ISSUES[0].message, "abc", ISSUES[0].suggestion],
        [2, "Sheet1", "E8", 8, "Lưu ý", ISSUES[1].message, None, None],
        [3, "Sheet1", None, 6, "Lỗi", ISSUES[2].message, None, None],
        [4, "Sheet1", "C7", 7, "Lưu ý", ISSUES[3].message, None, None],
        [5, None, None, None, "Lỗi", ISSUES[4].message, None, None],
    ]
    assert listing["C4"].hyperlink.location == "'Sheet1'!C7"
    assert listing["D6"].hyperlink.location == "'Sheet1'!A6"  # row only: its first used cell
    assert listing["C8"].hyperlink is None
    assert listing.freeze_panes == "A4"

    data = workbook["Sheet1"]
    assert [list(r) for r in data.iter_rows(values_only=True)] == values
    c7, e8, a6 = data["C7"], data["E8"], data["A6"]
    assert c7.fill.fgColor.rgb == ERROR_FILL.fgColor.rgb  # an error and a warning: red
    assert e8.fill.fgColor.rgb == WARNING_FILL.fgColor.rgb
    assert a6.fill.fgColor.rgb == ERROR_FILL.fgColor.rgb
    assert c7.comment.author == "mohinh"
    assert ISSUES[0].message in c7.comment.text and ISSUES[3].message in c7.comment.text
    assert "Ghi số, ví dụ 1234." in c7.comment.text
    assert ISSUES[1].message in e8.comment.text
    assert data["B7"].comment is None and data["B7"].fill.fill_type is None
    assert [r.coord for r in data.merged_cells.ranges] == [
        "A1:H1"
    ]  # the sender's formatting is kept


def test_mark_a_marked_file_again(registration: Path, tmp_path: Path) -> None:
    first, second = tmp_path / "1.xlsx", tmp_path / "2.xlsx"
    assert mark_workbook(registration, "xlsx", ISSUES, first)
    assert mark_workbook(first, "xlsx", ISSUES[1:2], second)
    workbook = load_workbook(second)
    assert workbook.sheetnames == [ISSUE_SHEET, "Sheet1"]
    assert workbook[ISSUE_SHEET].max_row == 4
    data = workbook["Sheet1"]
    assert data["C7"].comment is None and data["C7"].fill.fill_type is None
    assert data["E8"].fill.fgColor.rgb == WARNING_FILL.fgColor.rgb


def test_mark_merged_and_odd_places(registration: Path, tmp_path: Path) -> None:
    issues = [
        Issue("rule_failed", "error", "Tiêu đề sai.", sheet="Sheet1", row=1, column=4),
        Issue("rule_failed", "warning", "Ngoài bảng.", sheet="Sheet1", row=2_000_000, column=1),
        Issue("rule_failed", "warning", "Trang lạ.", sheet="Không có", row=3, column=1),
        Issue("rule_failed", "error", "Chữ lạ\x01 =1+1", sheet="Sheet1", row=9, column=200),
    ]
    target = tmp_path / "out.xlsx"
    assert mark_workbook(registration, "xlsx", issues, target)
    workbook = load_workbook(target)
    data = workbook["Sheet1"]
    assert "Tiêu đề sai." in data["A1"].comment.text  # the top-left cell of A1:H1
    assert data["A1"].fill.fgColor.rgb == ERROR_FILL.fgColor.rgb
    assert "Chữ lạ =1+1" in data.cell(9, 200).comment.text
    listing = workbook[ISSUE_SHEET]
    assert listing["F7"].value == "Chữ lạ =1+1" and listing["F7"].data_type == "s"
    assert listing["B6"].value == "Không có" and listing["C6"].hyperlink is None


def test_mark_csv_from_sheets(tmp_path: Path) -> None:
    source = tmp_path / "dang-ky.csv"
    source.write_text("Đơn vị,Số hộ\nHuyện Cẩm Giàng,abc\n=1+1,-5\n", encoding="utf-8")
    sheets = [
        Sheet("", [["Đơn vị", "Số hộ"], ["Huyện Cẩm Giàng", "abc"], ["=1+1", "-5"]]),
    ]
    issues = [
        Issue("not_integer", "error", "Không phải số.", sheet="", row=2, column=2, value="abc"),
        Issue("rule_failed", "warning", "Xem lại.", row=3),
    ]
    target = tmp_path / "dang-ky.xlsx"
    assert mark_workbook(source, "csv", issues, target, sheets)
    workbook = load_workbook(target)
    assert workbook.sheetnames == [ISSUE_SHEET, "Trang 1"]
    data = workbook["Trang 1"]
    assert [list(r) for r in data.iter_rows(values_only=True)] == sheets[0].rows
    assert data["A3"].data_type == "s"
    assert data["B2"].fill.fgColor.rgb == ERROR_FILL.fgColor.rgb
    assert "Không phải số." in data["B2"].comment.text
    assert "Xem lại." in data["A3"].comment.text
    assert workbook[ISSUE_SHEET]["C4"].hyperlink.location == "'Trang 1'!B2"
    assert not mark_workbook(source, "csv", issues, tmp_path / "none.xlsx")  # no sheets


def test_mark_ods_sheets_at_their_positions(tmp_path: Path) -> None:
    sheets = [
        Sheet("Biểu 1", [["Tiêu đề", None], ["a", 1]], 3, 2, merged=[(3, 2, 3, 3)]),
        Sheet("Biểu 2", [[date(2017, 9, 5)]]),
    ]
    issue = Issue("missing_value", "error", "Thiếu.", sheet="Biểu 1", row=3, column=3)
    target = tmp_path / "out.xlsx"
    assert mark_workbook(tmp_path / "missing.ods", "ods", [issue], target, sheets)
    workbook = load_workbook(target)
    ws = workbook["Biểu 1"]
    assert ws["B3"].value == "Tiêu đề" and ws["C4"].value == 1
    assert [r.coord for r in ws.merged_cells.ranges] == ["B3:C3"]
    assert "Thiếu." in ws["B3"].comment.text  # C3 is inside the merge
    assert workbook["Biểu 2"]["A1"].value == datetime(2017, 9, 5)


def test_mark_unreadable_files(tmp_path: Path) -> None:
    corrupt = write_truncated_zip(tmp_path / "hong.xlsx")
    garbage = tmp_path / "rac.xlsx"
    garbage.write_bytes(b"PK\x03\x04" + os.urandom(2000))
    issues = ISSUES[:1]
    for source in (corrupt, garbage, tmp_path / "khong-co.xlsx"):
        assert not mark_workbook(source, "xlsx", issues, tmp_path / "out" / "x.xlsx")
    assert not mark_workbook(corrupt, "pdf", issues, tmp_path / "out" / "x.xlsx")
    assert not (tmp_path / "out").exists() or list((tmp_path / "out").iterdir()) == []
    assert sorted(p.name for p in tmp_path.iterdir()) in (
        ["hong.xlsx", "rac.xlsx"],
        ["hong.xlsx", "out", "rac.xlsx"],
    )


def test_libreoffice_saved_xlsx_is_marked(tmp_path: Path) -> None:
    """A file saved by LibreOffice (not openpyxl), as sites send them."""
    sample = Path(__file__).resolve().parent.parent / "samples" / "2017-08-30"
    source = Path(shutil.copy(sample / "HoiNghi_BinhGiang.xlsx", tmp_path / "hn.xlsx"))
    before = sha256(source)
    issue = Issue("rule_failed", "error", "Số hộ ký cam kết lớn hơn tổng số hộ", "Sheet1", 8, 10)
    target = tmp_path / "out.xlsx"
    assert mark_workbook(source, "xlsx", [issue], target)
    assert sha256(source) == before
    workbook = load_workbook(target)
    assert workbook.sheetnames[0] == ISSUE_SHEET
    assert "lớn hơn tổng số hộ" in workbook["Sheet1"]["J8"].comment.text
    assert workbook["Sheet1"]["J8"].fill.fgColor.rgb == ERROR_FILL.fgColor.rgb
