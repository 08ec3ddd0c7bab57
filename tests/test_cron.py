"""flows.plan.cron: five-field cron strings, with a Vietnamese reason when wrong."""

from __future__ import annotations

import pytest

from flows.plan.cron import cron_problem


@pytest.mark.parametrize(
    "expression",
    [
        "*/10 7-17 * * 1-5",
        "30 7 * * 1-5",
        "0 16 * * 5",
        "0 0 1 jan,jul *",
        "0 8 * * mon-fri",
        "5,35 7-11/2 1-15 * 0,7",
    ],
)
def test_valid(expression: str) -> None:
    assert cron_problem(expression) is None


@pytest.mark.parametrize(
    ("expression", "problem"),
    [
        (
            "* * * *",
            "lịch '* * * *' cần đúng 5 phần cách nhau bằng dấu cách (phút giờ ngày "
            "tháng thứ), ví dụ '30 7 * * 1-5'",
        ),
        ("60 * * * *", "lịch '60 * * * *': phần phút '60' phải từ 0 đến 59"),
        ("0 7-25 * * *", "lịch '0 7-25 * * *': phần giờ '25' phải từ 0 đến 23"),
        ("0 0 0 * *", "lịch '0 0 0 * *': phần ngày trong tháng '0' phải từ 1 đến 31"),
        ("0 0 * 13 *", "lịch '0 0 * 13 *': phần tháng '13' phải từ 1 đến 12"),
        ("0 0 * * 8", "lịch '0 0 * * 8': phần thứ trong tuần '8' phải từ 0 đến 7"),
        ("0 17-7 * * *", "lịch '0 17-7 * * *': khoảng '17-7' ở phần giờ bị ngược"),
        ("*/0 * * * *", "lịch '*/0 * * * *': bước '/0' ở phần phút không hợp lệ"),
        ("0 8 * * thu2", "lịch '0 8 * * thu2': phần thứ trong tuần 'thu2' phải từ 0 đến 7"),
        ("0 8 ? * *", "lịch '0 8 ? * *': phần ngày trong tháng '?' không hợp lệ"),
    ],
)
def test_invalid(expression: str, problem: str) -> None:
    assert cron_problem(expression) == problem
