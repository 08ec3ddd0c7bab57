"""Finding the form's table: title blocks, two-row headers, column numbers, totals, footers."""

from __future__ import annotations

from flows.intake.issues import Issue
from flows.intake.sheet import CellValue, Sheet
from flows.intake.table import Table, find_table, label_key
from flows.plan import Plan

REGISTRATION = [
    "Huyện, thị xã, thành phố",
    "Xã, thị trấn chọn làm điểm",
    "Mô hình nhân rộng",
    "Người liên hệ",
    "Số điện thoại",
    "Số khu dân cư tham gia",
    "Số hộ tham gia",
    "Ghi chú",
]
ROW = ["Huyện Cẩm Giàng", "TT Lai Cách", "TTND", "Nguyễn Văn A", "0912345678", 5, 350, None]


def table_of(plan: Plan, rows: list[list[CellValue]], **kw: object) -> Table:
    found = find_table([Sheet("Sheet1", rows, **kw)], plan.forms)  # type: ignore[arg-type]
    assert isinstance(found, Table), found
    return found


def test_label_key_ignores_case_accents_numbering_and_units() -> None:
    assert label_key("1. Số hộ  tham gia (hộ)") == "so ho tham gia"
    assert label_key("SỐ HỘ THAM GIA") == label_key("So ho tham gia")
    assert label_key("Xã/thị trấn") == "xa thi tran"


def test_plain_header_picks_the_form(hai_duong: Plan) -> None:
    table = table_of(hai_duong, [REGISTRATION, ROW])
    assert (table.form.id, table.header_row, table.rows) == ("dang-ky", 1, [2])
    assert table.columns["so_ho"] == 7
    assert table.issues == []


def test_title_block_stt_column_numbers_total_and_footer(hai_duong: Plan) -> None:
    rows: list[list[CellValue]] = [
        ["ỦY BAN MTTQ VIỆT NAM"],
        ["HUYỆN CẨM GIÀNG"],
        [],
        ["BẢNG ĐĂNG KÝ XÂY DỰNG, NHÂN RỘNG MÔ HÌNH"],
        [],
        ["STT", *REGISTRATION],
        [f"({n})" for n in range(1, 10)],
        [1, *ROW],
        [],
        [None, "Tổng cộng", None, None, None, None, 5, 350],
        [],
        [None, "Người lập biểu", None, None, None, "TM. BAN THƯỜNG TRỰC"],
        [None, "Nguyễn Văn A", None, None, None, "Trần Văn B"],
    ]
    table = table_of(hai_duong, rows)
    assert (table.form.id, table.header_row, table.rows) == ("dang-ky", 6, [8])
    assert table.columns["huyen"] == 2


def test_two_row_header_with_merged_cells(hai_duong: Plan) -> None:
    top: list[CellValue] = [*REGISTRATION[:5], "Số lượng tham gia", None, "Ghi chú"]
    below: list[CellValue] = [None] * 5 + ["Số KDC", "Số hộ", None]
    merged = [(1, 1, 2, 1), (1, 6, 1, 7)]
    table = table_of(hai_duong, [top, below, ROW], merged=merged)
    assert (table.header_row, table.header_depth, table.rows) == (1, 2, [3])
    assert (table.columns["so_kdc"], table.columns["so_ho"]) == (6, 7)


def test_table_away_from_a1_keeps_excel_positions(hai_duong: Plan) -> None:
    sheet = Sheet("Sheet1", [REGISTRATION, ROW], first_row=5, first_column=3)
    table = find_table([sheet], hai_duong.forms)
    assert isinstance(table, Table)
    assert (table.header_row, table.rows, table.columns["huyen"]) == (5, [6], 3)


def test_the_best_form_wins_among_forms_sharing_labels(hai_duong: Plan) -> None:
    header: list[CellValue] = [
        "Huyện",
        "Xã, thị trấn",
        "Ngày sơ kết",
        "Kết quả đạt được",
        "Khó khăn, vướng mắc",
        "Bài học kinh nghiệm",
        "Đề xuất, kiến nghị",
    ]
    table = table_of(hai_duong, [header, ["Huyện Tứ Kỳ", "Xã Tây Kỳ", "20/8/2017", "Tốt"]])
    assert table.form.id == "so-ket"


def test_missing_required_and_unknown_columns(hai_duong: Plan) -> None:
    header = [c for c in REGISTRATION if c != "Người liên hệ"] + ["Ý kiến khác"]
    table = table_of(hai_duong, [header, ROW])
    found = [(i.code, i.severity, i.cell) for i in table.issues]
    assert found == [("missing_column", "error", None), ("unknown_column", "warning", "H1")]


def test_no_header_and_unknown_form(hai_duong: Plan) -> None:
    no_header = find_table([Sheet("S", [ROW, ROW])], hai_duong.forms)
    assert isinstance(no_header, Issue) and no_header.code == "no_header"
    other = find_table(
        [Sheet("S", [["Huyện", "Hộ nghèo", "Hộ cận nghèo", "Ghi chú"], ROW[:4]])], hai_duong.forms
    )
    assert isinstance(other, Issue) and other.code == "unknown_form"


def test_header_without_data(hai_duong: Plan) -> None:
    table = table_of(hai_duong, [REGISTRATION, [], ["Tổng cộng"]])
    assert [(i.code, i.row) for i in table.issues] == [("no_data", 2)]


def test_other_plans_find_their_own_forms(dong_ha: Plan, minimal: Plan) -> None:
    header: list[CellValue] = [
        "Phường",
        "Hình thức sơ kết",
        "1. Công tác chỉ đạo, triển khai thực hiện cuộc vận động",
        "2. Kết quả của cuộc vận động",
        "3. Khó khăn, hạn chế, nguyên nhân",
        "4. Phương hướng, giải pháp",
    ]
    table = table_of(dong_ha, [header, ["Phường 1", "Bằng văn bản", "a", "b", "c", "d"]])
    assert (table.form.id, table.rows) == ("bao-cao-so-ket", [2])
    table = table_of(minimal, [["Xã, phường", "Số hộ", "Số hộ ký cam kết"], ["Xã An Bình", 3, 2]])
    assert table.form.id == "bao-cao"


def test_a_header_like_a_missing_column_is_named_in_one_issue(
    hai_duong: Plan, dong_ha: Plan
) -> None:
    header = ["Huyện, thị xã, thành phố", "Xã", *REGISTRATION[2:]]
    (issue,) = table_of(hai_duong, [header, ROW]).issues
    assert (issue.code, issue.severity, issue.cell) == ("missing_column", "error", "B1")
    assert (issue.value, issue.suggestion) == ("Xã", "Xã, thị trấn chọn làm điểm")
    assert issue.message == (
        "Thiếu cột 'Xã, thị trấn chọn làm điểm' (bắt buộc): cột 'Xã' ở B1 có phải là cột này? "
        "Xin sửa tiêu đề cho đúng."
    )
    # a misspelt optional column is read as unknown, with the column it looks like
    header = [*REGISTRATION[:7], "Ghi chu them"]
    (issue,) = table_of(hai_duong, [header, ROW]).issues
    assert (issue.code, issue.cell, issue.suggestion) == ("unknown_column", "H1", "Ghi chú")
    assert issue.message.endswith("Có phải cột 'Ghi chú'? Xin sửa tiêu đề cho đúng.")
    header = ["Phường", "Hình thức", "Chỉ đạo", "Kết quả", "Khó khăn, hạn chế", "Phương hướng"]
    table = table_of(dong_ha, [[*header, "Ghi chú"], ["Phường 1", "Văn bản", *"abcde"]])
    found = [(i.code, i.cell, i.suggestion) for i in table.issues]
    assert found == [
        ("missing_column", "B1", "Hình thức sơ kết"),
        ("missing_column", "C1", "1. Công tác chỉ đạo, triển khai thực hiện cuộc vận động"),
        ("unknown_column", "G1", None),
    ]
