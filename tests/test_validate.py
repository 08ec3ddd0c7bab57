"""Validation against the plan: every rule gives issues placed at Excel cells."""

from __future__ import annotations

import unicodedata
from datetime import date

import pytest

from flows.intake.sheet import CellValue, Sheet
from flows.intake.table import Table, find_table
from flows.intake.validate import Known, Prior, Submission, validate_table
from flows.plan import Plan
from tests.shared_forms import minimal_six_month

REGISTRATION = [
    "Huyện, thị xã, thành phố",
    "Xã, thị trấn chọn làm điểm",
    "Mô hình nhân rộng",
    "Người liên hệ",
    "Số điện thoại",
    "Số khu dân cư tham gia",
    "Số hộ tham gia",
]
CLEAN = ["Huyện Cẩm Giàng", "TT Lai Cách", "TTND", "Nguyễn Văn A", "0912345678", 5, 350]
REPORT = [
    "Huyện",
    "Xã, thị trấn làm điểm",
    "Mô hình",
    "Số khu dân cư thực hiện",
    "Tổng số hộ",
    "Số hộ ký cam kết",
    "Công tác chỉ đạo, triển khai",
    "Kết quả thực hiện",
    "Có hình ảnh minh họa",
    "Có xác nhận của cấp ủy",
]
REPORT_ROW = ["Cẩm Giàng", "Thị trấn Lai Cách", "TTND", 5, 350, 300, "Họp dân", "Tốt", "Có", "x"]
ON_TIME = date(2017, 3, 18)


def check(
    plan: Plan,
    rows: list[list[CellValue]],
    known: Known | None = None,
    as_of: date = ON_TIME,
    formulas: dict[tuple[str, int, int], str] | None = None,
) -> Submission:
    table = find_table([Sheet("Sheet1", rows)], plan.forms)
    assert isinstance(table, Table), table
    return validate_table(plan, table, formulas or {}, known or Known(), as_of)


def where(submission: Submission) -> list[tuple[str | None, str]]:
    return [(i.cell, i.code) for i in submission.issues]


def test_clean_registration_is_one_record(hai_duong: Plan) -> None:
    result = check(hai_duong, [REGISTRATION, CLEAN])
    assert where(result) == []
    (record,) = result.records
    assert (record.site, record.milestone, record.row) == ("cam-giang", "dang-ky", 2)
    assert record.values["xa"] == "Thị trấn Lai Cách"
    assert (record.values["so_ho"], record.values["dien_thoai"]) == (350, "0912345678")


def test_nfd_text_is_the_same_text(hai_duong: Plan) -> None:
    nfd = [unicodedata.normalize("NFD", v) if isinstance(v, str) else v for v in CLEAN]
    headers = [unicodedata.normalize("NFD", h) for h in REGISTRATION]
    assert where(check(hai_duong, [headers, nfd])) == []


@pytest.mark.parametrize(
    ("column", "value", "expected"),
    [
        (0, "Cam Giang", [("A2", "unknown_unit")]),
        (0, "Thành phố Hải Dương", [("A2", "unknown_site"), ("B2", "unit_outside")]),
        (1, "Xã An Phụ", [("B2", "unit_outside")]),
        (1, "Thi tran Lai Cach", [("B2", "unknown_unit")]),
        (2, "ANTT", [("C2", "wrong_model")]),
        (2, "Mô hình khác", [("C2", "unknown_model")]),
        (4, "12345", [("E2", "bad_phone")]),
        (5, 0, [("F2", "below_min")]),
        (5, "năm", [("F2", "not_integer")]),
        (6, None, [("G2", "missing_value")]),
        (6, '=SUM("1")', [("G2", "formula_text")]),
    ],
)
def test_each_rule_names_its_cell(
    hai_duong: Plan, column: int, value: CellValue, expected: list[tuple[str, str]]
) -> None:
    row = list(CLEAN)
    row[column] = value
    result = check(hai_duong, [REGISTRATION, row])
    assert where(result) == expected
    assert result.records == []


def test_suggestions_are_offered_never_taken(hai_duong: Plan) -> None:
    row = list(CLEAN)
    row[0], row[2] = "Cam Giang", "TTND"
    (issue,) = check(hai_duong, [REGISTRATION, row]).issues
    assert (issue.value, issue.suggestion) == ("Cam Giang", "Huyện Cẩm Giàng")
    assert "Có phải 'Huyện Cẩm Giàng'?" in issue.message
    row = list(CLEAN)
    row[1] = "Xã An Phụ"
    (issue,) = check(hai_duong, [REGISTRATION, row]).issues
    assert "không thuộc huyện Cẩm Giàng" in issue.message


def test_formula_without_value_is_reported_not_trusted(hai_duong: Plan) -> None:
    row = list(CLEAN)
    row[0] = None
    result = check(
        hai_duong, [REGISTRATION, row], formulas={("Sheet1", 2, 1): '=HYPERLINK("x","y")'}
    )
    assert where(result) == [("A2", "formula_no_value")]
    assert result.issues[0].value == '=HYPERLINK("x","y")'


def test_rule_across_columns(hai_duong: Plan) -> None:
    row = list(REPORT_ROW)
    row[5] = 400
    result = check(hai_duong, [REPORT, row], as_of=date(2017, 11, 20))
    assert [c for c in where(result) if c[1] == "rule_failed"] == [("F2", "rule_failed")]
    assert "không được lớn hơn tổng số hộ" in result.issues[0].message


def test_same_site_twice_in_one_file(hai_duong: Plan) -> None:
    assert where(check(hai_duong, [REGISTRATION, CLEAN, CLEAN])) == [("A3", "duplicate_row")]


def test_history_not_registered_unit_changed_new_version_and_late(hai_duong: Plan) -> None:
    result = check(hai_duong, [REPORT, REPORT_ROW], as_of=date(2017, 11, 23))
    codes = [(i.code, i.severity) for i in result.issues]
    assert codes == [("not_registered", "warning"), ("late", "warning")]
    assert result.late_days == 3 and len(result.records) == 1

    then = date(2017, 3, 18)
    known = Known(
        {
            ("cam-giang", "dang-ky"): Prior({"xa": "Xã Cẩm Điền"}, then, "dk.xlsx"),
            ("cam-giang", "bao-cao"): Prior({}, then, "bc.xlsx"),
        }
    )
    result = check(hai_duong, [REPORT, REPORT_ROW], known, as_of=date(2017, 11, 20))
    assert where(result) == [("B2", "unit_changed"), (None, "new_version")]
    assert result.issues[0].suggestion == "Xã Cẩm Điền"


def test_other_plans(dong_ha: Plan, minimal: Plan) -> None:
    header: list[CellValue] = [
        "Phường",
        "Hình thức sơ kết",
        "Công tác chỉ đạo, triển khai",
        "Kết quả",
        "Khó khăn, hạn chế",
        "Phương hướng",
        "Số khu phố",
        "Khu phố văn hóa",
    ]
    row: list[CellValue] = ["Phường 1", "Hội nghị", "a", "b", "c", "d", 5, 7]
    result = check(dong_ha, [header, row], as_of=date(2018, 6, 1))
    assert where(result) == [("B2", "not_in_choices"), ("H2", "rule_failed")]
    result = check(
        minimal, [["Xã, phường", "Số hộ"], ["Phường Hòa Bình", 10]], as_of=date(2027, 11, 1)
    )
    assert where(result) == [("A2", "site_not_in_milestone")]


def test_a_shared_form_goes_to_the_milestone_the_site_owes() -> None:
    plan = minimal_six_month()  # 'so-ket' (30/06, two sites) and 'bao-cao' (20/11) share a form
    header: list[CellValue] = ["Xã, phường", "Số hộ", "Số hộ ký cam kết", "Có hình ảnh"]
    registered = {
        (s, "dang-ky"): Prior({}, date(2027, 3, 1), "dk.xlsx") for s in ("an-binh", "hoa-binh")
    }

    def sent(
        unit: str, day: date, titles: str = "", received: str | None = None
    ) -> tuple[str, list[str]]:
        """The milestone and issue codes of a file from ``unit`` (its six-month report
        already in when ``received`` names its site)."""
        table = find_table([Sheet("Sheet1", [header, [unit, 10, 5, "Có"]])], plan.forms)
        assert isinstance(table, Table)
        known = Known(dict(registered))
        if received:
            known.records[(received, "so-ket")] = Prior({}, date(2027, 6, 30), "sk.xlsx")
        result = validate_table(plan, table, {}, known, day, titles)
        assert result.records, where(result)
        return result.records[0].milestone, [i.code for i in result.issues]

    july, november = date(2027, 7, 10), date(2027, 11, 1)
    assert sent("Xã An Bình", date(2027, 6, 20)) == ("so-ket", [])
    assert sent("Xã An Bình", july) == ("so-ket", ["milestone_guessed", "late"])
    assert sent("Xã An Bình", july, received="an-binh") == ("bao-cao", [])
    # a site that does not send the six-month report sends the year-end one, whenever
    assert sent("Phường Hòa Bình", date(2027, 6, 1)) == ("bao-cao", [])
    # the title decides, by keyword; the form's own title names no milestone
    titled = sent("Xã An Bình", november, "BÁO CÁO GIỮA NĂM 2027", received="an-binh")
    assert titled == ("so-ket", ["new_version", "late"])
    assert sent("Xã An Bình", july, "BÁO CÁO") == ("so-ket", ["milestone_guessed", "late"])


def test_the_sites_model_is_the_suggestion_for_a_wrong_or_unknown_model(
    hai_duong: Plan, minimal: Plan
) -> None:
    row = list(CLEAN)
    row[2] = "Mô hình tự quản về môi trường"
    (issue,) = check(hai_duong, [REGISTRATION, row]).issues
    assert (issue.cell, issue.code, issue.suggestion) == ("C2", "unknown_model", "TTND")
    assert issue.message == (
        "Không có mô hình 'Mô hình tự quản về môi trường' trong kế hoạch (các mô hình: BVMT, "
        "ANTT, NTM, TTND, VMVT). Kế hoạch giao cho Huyện Cẩm Giàng mô hình TTND (Ban thanh tra "
        "nhân dân thực hiện giám sát đầu tư của cộng đồng)."
    )
    # the model column before the site's: the suggestion still comes from the row's site
    header: list[CellValue] = ["Mô hình", "Xã, phường"]
    result = check(minimal, [header, ["Mô hình ba", "Xã An Lạc"], ["M1", "Xã An Bình"]])
    assert [(i.cell, i.code, i.suggestion) for i in result.issues] == [
        ("A2", "unknown_model", "M2")
    ]
    result = check(minimal, [header, ["Mô hình một", "Xã An Lạc"]])
    assert [(i.cell, i.code, i.suggestion) for i in result.issues] == [("A2", "wrong_model", "M2")]


def test_values_read_two_ways_are_refused(hai_duong: Plan, dong_ha: Plan) -> None:
    row = list(REPORT_ROW)
    row[8], row[9] = "không rõ", "Có (bản chụp kèm theo)"
    result = check(hai_duong, [REPORT, row], as_of=date(2017, 11, 20))
    assert [c for c in where(result) if c[1] != "not_registered"] == [("I2", "not_yes_no")]
    assert result.records == []
    header: list[CellValue] = ["Phường", "Hình thức sơ kết", "Công tác chỉ đạo, triển khai"]
    header += ["Kết quả", "Khó khăn, hạn chế", "Phương hướng", "Quỹ Vì người nghèo"]
    values: list[CellValue] = ["Phường 1", "Bằng văn bản", "a", "b", "c", "d"]
    result = check(dong_ha, [header, [*values, "1,500"]], as_of=date(2018, 6, 1))
    assert [(i.cell, i.code, i.suggestion) for i in result.issues] == [
        ("G2", "ambiguous_number", "1500")
    ]
    result = check(dong_ha, [header, [*values, "1.500"]], as_of=date(2018, 6, 1))
    assert where(result) == [] and result.records[0].values["quy_vi_nguoi_ngheo"] == 1500
