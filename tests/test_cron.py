"""flows.plan.cron: cron strings taken exactly as Prefect takes them, with a Vietnamese reason
when it does not."""

from __future__ import annotations

import pytest

from flows.plan.cron import cron_problem
from tests.test_architecture import prefect_modules_after

VALID = [
    "*/10 7-17 * * 1-5",
    "30 7 * * 1-5",
    "0 16 * * 5",
    "0 0 1 jan,jul *",
    "0 8 * * mon-fri",
    "5,35 7-11/2 1-15 * 0,7",
    "0 16 L * *",  # the last day of every month
    "0 8 * * 1#2",  # the second Monday
    "@daily",
    "@weekly",
    "0 8 ? * *",
    "0 17-7 * * *",  # croniter wraps a range past midnight
]

INVALID = [
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
    ("*/0 * * * *", "lịch '*/0 * * * *': bước '/0' ở phần phút không hợp lệ"),
    ("0 8 * * thu2", "lịch '0 8 * * thu2': phần thứ trong tuần 'thu2' không hợp lệ"),
    ("0 8 LW * *", "lịch '0 8 LW * *': phần ngày trong tháng 'LW' không hợp lệ"),
    ("0 8 L * 8", "lịch '0 8 L * 8': phần thứ trong tuần '8' phải từ 0 đến 7"),
    (
        "R 8 * * *",
        "lịch 'R 8 * * *': Prefect không nhận phần chọn ngẫu nhiên 'R' hay 'H'; hãy ghi giờ, "
        "phút cụ thể",
    ),
    (
        "@reboot",
        "lịch '@reboot' không hợp lệ; cách viết tắt được dùng: @hourly, @daily, @weekly, "
        "@monthly, @yearly, @annually, @midnight",
    ),
]


@pytest.mark.parametrize("expression", VALID)
def test_valid(expression: str) -> None:
    assert cron_problem(expression) is None


@pytest.mark.parametrize(("expression", "problem"), INVALID)
def test_invalid(expression: str, problem: str) -> None:
    assert cron_problem(expression) == problem


@pytest.mark.parametrize("expression", [*VALID, *(e for e, _ in INVALID), "H 8 * * *", "L"])
def test_accepted_exactly_when_prefect_accepts(expression: str) -> None:
    from prefect.client.schemas.schedules import CronSchedule
    from pydantic import ValidationError

    try:
        CronSchedule(cron=expression, timezone="Asia/Ho_Chi_Minh")
        accepted = True
    except ValidationError:
        accepted = False
    assert (cron_problem(expression) is None) == accepted


def test_checking_a_cron_does_not_import_prefect() -> None:
    code = (
        "from flows.plan.cron import cron_problem\n"
        "assert cron_problem('0 8 L * *') is None and cron_problem('0 8 * * 9')"
    )
    assert prefect_modules_after(code) == "[]"
