"""Reading typed values from what people type into cells."""

from __future__ import annotations

from datetime import date, datetime

import pytest

from flows.intake.values import (
    Problem,
    formula_text,
    parse_choice,
    parse_date,
    parse_integer,
    parse_number,
    parse_phone,
    parse_yes_no,
    shown,
)


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("1.234", 1234.0),
        ("1,5", 1.5),
        ("1,50", 1.5),
        ("1,5000", 1.5),
        ("1.500", 1500.0),
        ("1.234,5", 1234.5),
        ("1,234.5", 1234.5),
        ("1 234", 1234.0),
        ("1\u00a0234", 1234.0),
        ("0.5", 0.5),
        ("1.5", 1.5),
        ("1.234.567", 1234567.0),
        ("1,234,567", 1234567.0),
        ("1.500.000 đồng", 1500000.0),
        (12, 12.0),
        (2.5, 2.5),
    ],
)
def test_numbers_in_vietnamese_writing(raw: object, expected: float) -> None:
    assert parse_number(raw) == expected  # type: ignore[arg-type]


@pytest.mark.parametrize("raw", ["abc", "1,2,3", "", True, date(2017, 1, 1), "1..2"])
def test_not_numbers(raw: object) -> None:
    result = parse_number(raw)  # type: ignore[arg-type]
    assert isinstance(result, Problem) and result.code == "not_number"


@pytest.mark.parametrize(
    ("raw", "suggestion", "decimal"),
    [
        ("1,500", "1500", "1,5"),
        ("12,345", "12345", "12,3450"),
        ("2,000", "2000", "2"),
        ("1,500 đồng", "1500", "1,5"),
        ("-1,500", "-1500", "-1,5"),
    ],
)
def test_a_comma_before_three_digits_is_refused(raw: str, suggestion: str, decimal: str) -> None:
    result = parse_number(raw)
    assert isinstance(result, Problem)
    assert (result.code, result.suggestion) == ("ambiguous_number", suggestion)
    assert "dấu phẩy là dấu thập phân" in result.message
    assert result.message.endswith(f"thì ghi {decimal}.")


@pytest.mark.parametrize(
    ("raw", "expected"), [("120", 120), ("1.234", 1234), (350.0, 350), ("1 234", 1234), (0, 0)]
)
def test_integers(raw: object, expected: int) -> None:
    assert parse_integer(raw) == expected  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("raw", "suggestion"), [("1,5", None), (2.5, None), ("abc", None), ("1,234", "1234")]
)
def test_not_integers(raw: object, suggestion: str | None) -> None:
    result = parse_integer(raw)  # type: ignore[arg-type]
    assert isinstance(result, Problem)
    assert (result.code, result.suggestion) == ("not_integer", suggestion)


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("20/3/2017", date(2017, 3, 20)),
        ("20-03-2017", date(2017, 3, 20)),
        ("20.03.2017", date(2017, 3, 20)),
        ("2017-03-20", date(2017, 3, 20)),
        ("5/9/17", date(2017, 9, 5)),
        ("ngày 05 tháng 9 năm 2017", date(2017, 9, 5)),
        (42814, date(2017, 3, 20)),
        (42814.0, date(2017, 3, 20)),
        (datetime(2017, 3, 20, 8, 30), date(2017, 3, 20)),
        (date(2027, 1, 2), date(2027, 1, 2)),
    ],
)
def test_dates_day_first(raw: object, expected: date) -> None:
    assert parse_date(raw) == expected  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("raw", "suggestion"),
    [("3/20/2017", "20/03/2017"), ("31/2/2017", None), ("hôm qua", None), (-5, None)],
)
def test_not_dates(raw: object, suggestion: str | None) -> None:
    result = parse_date(raw)  # type: ignore[arg-type]
    assert isinstance(result, Problem)
    assert (result.code, result.suggestion) == ("not_date", suggestion)


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("Có", True),
        ("có", True),
        ("CÓ", True),
        ("x", True),
        ("X", True),
        ("1", True),
        (1, True),
        (True, True),
        ("Có (15 ảnh)", True),
        ("Không", False),
        ("không", False),
        ("0", False),
        (0.0, False),
        ("Chưa", False),
        ("Có, 15 ảnh", True),
        ("Có - 15 ảnh", True),
        ("Có.", True),
        ("Không có", False),
        ("khong co", False),
        ("Chưa có (đang chụp)", False),
        ("Đã có", True),
        ("có rồi", True),
        ("Co roi", True),
    ],
)
def test_yes_no(raw: object, expected: bool) -> None:
    assert parse_yes_no(raw) is expected  # type: ignore[arg-type]


@pytest.mark.parametrize(
    "raw", ["tốt", "không rõ", "Chưa rõ", "có lẽ", "Có 15 ảnh", "không biết", "0,5", "1.5"]
)
def test_yes_no_refuses_what_it_would_have_to_guess(raw: str) -> None:
    result = parse_yes_no(raw)
    assert isinstance(result, Problem) and result.code == "not_yes_no"
    assert result.message.startswith(f"'{raw}' không phải câu trả lời có/không rõ ràng")


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("0912 345 678", "0912345678"),
        ("0912.345.678", "0912345678"),
        (912345678.0, "0912345678"),
        ("+84 912 345 678", "0912345678"),
        ("0220 3852 123", "02203852123"),
    ],
)
def test_phones(raw: object, expected: str) -> None:
    assert parse_phone(raw) == expected  # type: ignore[arg-type]


def test_choice_matches_like_a_name_and_suggests_on_missing_accents() -> None:
    choices = ["Bằng văn bản", "Tổ chức hội nghị"]
    assert parse_choice("  tổ chức  HỘI NGHỊ ", choices) == "Tổ chức hội nghị"
    result = parse_choice("To chuc hoi nghi", choices)
    assert isinstance(result, Problem)
    assert (result.code, result.suggestion) == ("not_in_choices", "Tổ chức hội nghị")


def test_formula_text_and_shown_values() -> None:
    assert formula_text('=HYPERLINK("http://a","b")')
    assert not formula_text("= 3 hộ")
    assert [shown(v) for v in (12.0, 1.5, date(2017, 3, 5), True, None)] == [
        "12",
        "1.5",
        "05/03/2017",
        "TRUE",
        "",
    ]
