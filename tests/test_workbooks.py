"""The .xlsx writers: no user text ever becomes a formula; the marked copy of a sender's file."""

from __future__ import annotations

import hashlib
import shutil
import subprocess
from datetime import date
from pathlib import Path

import openpyxl
import pytest
from python_calamine import CalamineWorkbook

from flows.documents.pdf import soffice
from flows.documents.workbooks import (
    ERROR_FILL,
    WARNING_FILL,
    SheetTable,
    mark_workbook,
    write_workbook,
)
from flows.intake.issues import Issue
from flows.intake.sheet import Sheet
from tests import intake_files as build

FORMULA_LIKE = ["=1+1", "+84 912 345 678", "-5 hộ", "@x", '=HYPERLINK("http://x")', "\t=1"]


def table(rows: list[list[object]]) -> SheetTable:
    return SheetTable("Dữ liệu: [thử]*?", ["Đơn vị", "Ghi chú", "Số"], rows, note="Ghi chú đầu")  # type: ignore[arg-type]


def test_no_text_becomes_a_formula(tmp_path: Path) -> None:
    path = tmp_path / "out.xlsx"
    rows: list[list[object]] = [["Phường 1", text, n] for n, text in enumerate(FORMULA_LIKE)]
    rows.append(["Phường 2", "bình thường", 2.5])
    rows.append(["Phường 3", date(2017, 9, 5), None])
    write_workbook(path, [table(rows)])
    book = openpyxl.load_workbook(path)
    (sheet,) = book.worksheets
    assert "[" not in sheet.title and "*" not in sheet.title and len(sheet.title) <= 31
    cells = [c for row in sheet.iter_rows() for c in row]
    assert all(c.data_type != "f" for c in cells)
    read = CalamineWorkbook.from_path(str(path)).get_sheet_by_index(0).to_python()
    header_at = next(i for i, r in enumerate(read) if r[0] == "Đơn vị")
    got = [r[1] for r in read[header_at + 1 : header_at + 1 + len(FORMULA_LIKE)]]
    assert got == FORMULA_LIKE


@pytest.mark.slow
def test_libreoffice_reads_the_text_not_the_result(tmp_path: Path) -> None:
    if soffice() is None:
        pytest.skip("LibreOffice is not installed")
    path = tmp_path / "out.xlsx"
    write_workbook(path, [table([["Phường 1", "=1+1", 1]])])
    profile = tmp_path / "profile"
    subprocess.run(
        [
            str(soffice()),
            f"-env:UserInstallation={profile.as_uri()}",
            "--headless",
            "--convert-to",
            "csv",
            "--outdir",
            str(tmp_path),
            str(path),
        ],
        capture_output=True,
        timeout=120,
        check=True,
    )
    text = (tmp_path / "out.csv").read_bytes()  # LibreOffice's default CSV encoding
    assert b",=1+1,1" in text and b",2,1" not in text


def sha(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def test_marks_an_xlsx_and_leaves_the_original_alone(tmp_path: Path) -> None:
    source = build.write_registration(tmp_path / "dk.xlsx", so_kdc="ba", dien_thoai="12")
    before = sha(source)
    issues = [
        Issue("not_integer", "error", "'ba' không phải số nguyên", "Sheet1", 6, 6, "ba", "3"),
        Issue("bad_phone", "warning", "'12' không phải số điện thoại", "Sheet1", 6, 5, "12"),
        Issue("duplicate_row", "error", "Đơn vị xuất hiện hai lần", "Sheet1", 6),
        Issue("no_data", "warning", "Cả tệp"),
    ]
    target = tmp_path / "out" / "dk-danh-dau.xlsx"
    assert mark_workbook(source, "xlsx", issues, target)
    assert sha(source) == before
    book = openpyxl.load_workbook(target)
    assert book.sheetnames == ["Danh sách lỗi", "Sheet1"]
    listing = [
        [c for c in row if c is not None]
        for row in book["Danh sách lỗi"].iter_rows(values_only=True)
    ]
    assert sum(1 for row in listing if row and row[0] in (1, 2, 3, 4)) == 4
    data = book["Sheet1"]
    assert data["F6"].value == "ba"
    assert data["F6"].fill.fgColor.rgb == ERROR_FILL.fgColor.rgb
    assert data["F6"].comment is not None and "không phải số nguyên" in data["F6"].comment.text
    assert data["E6"].fill.fgColor.rgb == WARNING_FILL.fgColor.rgb
    assert data["A6"].comment is not None  # the row-only issue marks the row's first cell


def test_marks_a_csv_rebuilt_from_its_values(tmp_path: Path) -> None:
    source = tmp_path / "dk.csv"
    source.write_text("Phường,Số hộ\nPhường 1,=1+1\n", encoding="utf-8")
    sheets = [Sheet("dk", [["Phường", "Số hộ"], ["Phường 1", "=1+1"]])]
    issues = [Issue("formula_text", "error", "công thức", "dk", 2, 2, "=1+1")]
    target = tmp_path / "dk.xlsx"
    assert mark_workbook(source, "csv", issues, target, sheets)
    book = openpyxl.load_workbook(target)
    data = book[book.sheetnames[1]]
    assert data["B2"].value == "=1+1" and data["B2"].data_type == "s"
    assert data["B2"].comment is not None


def test_a_damaged_file_gives_no_copy(tmp_path: Path) -> None:
    source = build.write_truncated_zip(tmp_path / "hong.xlsx")
    target = tmp_path / "out.xlsx"
    issue = Issue("not_integer", "error", "x", "Sheet1", 6, 6)
    assert not mark_workbook(source, "xlsx", [issue], target)
    assert not target.exists()
    assert [p.name for p in tmp_path.iterdir()] == ["hong.xlsx"]


def test_a_merged_cell_issue_does_not_crash(tmp_path: Path) -> None:
    source = build.write_registration(tmp_path / "dk.xlsx")
    book = openpyxl.load_workbook(source)
    book.active.merge_cells("A1:H1")
    book.save(source)
    issue = Issue("unknown_column", "warning", "tiêu đề", "Sheet1", 1, 3)
    target = tmp_path / "out.xlsx"
    assert mark_workbook(source, "xlsx", [issue], target)
    assert openpyxl.load_workbook(target)["Sheet1"]["A1"].comment is not None


def test_libreoffice_saved_xlsx_is_marked(tmp_path: Path) -> None:
    """A file saved by LibreOffice (not openpyxl), as sites send them."""
    source = Path(__file__).resolve().parent.parent / "samples" / "2017-08-30"
    path = shutil.copy(source / "HoiNghi_BinhGiang.xlsx", tmp_path / "hn.xlsx")
    issue = Issue("rule_failed", "error", "Số hộ ký cam kết lớn hơn tổng số hộ", "Sheet1", 8, 10)
    target = tmp_path / "out.xlsx"
    assert mark_workbook(Path(path), "xlsx", [issue], target)
    assert openpyxl.load_workbook(target)["Sheet1"]["J8"].comment is not None
