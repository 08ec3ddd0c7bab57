"""flows.cli: `mohinh plan check` and `mohinh plan show` as staff run them."""

from __future__ import annotations

from pathlib import Path

import pytest
from typer.testing import CliRunner

from flows.cli import app
from tests.conftest import ALL_VALID_PLANS

runner = CliRunner()


def test_check_default_plan(in_root: Path) -> None:
    result = runner.invoke(app, ["plan", "check"])
    assert result.exit_code == 0, result.output
    assert result.stdout == (
        "Kế hoạch hợp lệ: hai-duong-2017-nhan-rong-mo-hinh — 5 mô hình, 10 điểm, 4 mốc "
        "(20/03/2017 → 20/11/2017), 4 biểu mẫu, 277 đơn vị hành chính.\n"
    )


@pytest.mark.parametrize("plan", ALL_VALID_PLANS, ids=lambda p: p.name)
def test_check_every_valid_plan(plan: Path) -> None:
    result = runner.invoke(app, ["plan", "check", str(plan)])
    assert result.exit_code == 0, result.output
    assert result.stdout.startswith("Kế hoạch hợp lệ: ")
    assert result.stdout.count("\n") == 1


def test_check_invalid_plan_lists_every_problem(in_root: Path) -> None:
    result = runner.invoke(app, ["plan", "check", "tests/data/plans/plan-many-problems.yaml"])
    assert result.exit_code == 2
    assert result.stdout == ""
    lines = result.stderr.splitlines()
    assert len(lines) == 5
    assert lines[0].startswith("tests/data/plans/plan-many-problems.yaml:39 sites[1].model: ")
    assert lines[-1] == "Kế hoạch có 4 lỗi, chưa dùng được."
    assert "Traceback" not in result.output


def test_check_missing_file(in_root: Path) -> None:
    result = runner.invoke(app, ["plan", "check", "khong-co.yaml"])
    assert result.exit_code == 2
    assert result.stderr.splitlines()[0] == "khong-co.yaml: không tìm thấy tệp kế hoạch"


def test_show_prints_models_sites_and_milestones(in_root: Path) -> None:
    result = runner.invoke(app, ["plan", "show"], env={"COLUMNS": "160"})
    assert result.exit_code == 0, result.output
    out = result.stdout
    for text in (
        "Mô hình",
        "Điểm",
        "Mốc",
        "Huyện Tứ Kỳ",
        "VMVT",
        "20/11/2017",
        "Thực hiện nếp sống văn minh trong việc tang",
        "chọn khi đăng ký",
    ):
        assert text in out
    row = next(line for line in out.splitlines() if "Huyện Cẩm Giàng" in line)
    assert "TTND" in row


def test_show_plan_without_models(in_root: Path) -> None:
    result = runner.invoke(
        app, ["plan", "show", "config/dong-ha-2018.yaml"], env={"COLUMNS": "160"}
    )
    assert result.exit_code == 0, result.output
    assert "Phường Đông Lương" in result.stdout
    assert "10/06/2018" in result.stdout
    assert "Mô hình" not in result.stdout


def test_show_invalid_plan_exits_2(in_root: Path) -> None:
    result = runner.invoke(app, ["plan", "show", "tests/data/plans/plan-tab.yaml"])
    assert result.exit_code == 2
    assert "có ký tự Tab" in result.stderr
