"""flows.cli: `mohinh plan check` and `mohinh plan show` as staff run them."""

from __future__ import annotations

import json
import os
import subprocess
import sys
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


@pytest.mark.parametrize(
    ("plan", "lines"),
    [
        (
            "config/plan.yaml",
            [
                "  TỈNH HẢI DƯƠNG",
                "  BAN THƯỜNG TRỰC",
                "Người ký: TM. BAN THƯỜNG TRỰC — PHÓ CHỦ TỊCH — (chưa có họ tên: văn bản chừa "
                "chỗ ký)",
            ],
        ),
        (
            "config/dong-ha-2018.yaml",
            [
                "  THÀNH PHỐ ĐÔNG HÀ",
                "  Nơi ban hành: Đông Hà",
                "Người ký: TM. BAN THƯỜNG TRỰC — PHÓ CHỦ TỊCH — Võ Thị Hoa Hằng",
            ],
        ),
    ],
)
def test_show_prints_the_letterhead_signer_and_recipients(
    in_root: Path, plan: str, lines: list[str]
) -> None:
    from flows.plan import load_plan

    result = runner.invoke(app, ["plan", "show", plan], env={"COLUMNS": "160"})
    assert result.exit_code == 0, result.output
    shown = result.stdout.splitlines()
    assert all(line in shown for line in lines), result.stdout
    documents = load_plan(plan).issuer.documents
    for words, kind in [("Công văn đôn đốc", "reminder"), ("Báo cáo tổng hợp", "report")]:
        row = next(line for line in shown if words in line)
        assert f"/{documents[kind].symbol}" in row
        first, *_ = documents[kind].recipients
        assert f"- {first};" in row
    for settings in documents.values():
        for recipient in settings.recipients:
            assert recipient in result.stdout


def test_show_invalid_plan_exits_2(in_root: Path) -> None:
    result = runner.invoke(app, ["plan", "show", "tests/data/plans/plan-tab.yaml"])
    assert result.exit_code == 2
    assert "có ký tự Tab" in result.stderr


def test_intake_json_reports_every_file(tmp_path: Path) -> None:
    from tests import intake_files as build

    inbox = tmp_path / "inbox"
    inbox.mkdir()
    build.write_registration(inbox / "dk.xlsx")
    build.write_registration(inbox / "sai mô hình.xlsx", mo_hinh="ANTT")
    build.write_empty(inbox / "rỗng.xlsx")
    arguments = ["intake", "--plan", "config/plan.yaml", "--inbox", str(inbox)]
    arguments += ["--state", str(tmp_path / "state"), "--as-of", "2017-03-18"]
    arguments += ["--settle", "0", "--min-age", "0", "--json"]
    result = runner.invoke(app, arguments)
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    rows = sorted((f["file"], f["status"], f["site"], f["milestone"]) for f in data["files"])
    assert rows == [
        ("dk.xlsx", "accepted", "cam-giang", "dang-ky"),
        ("rỗng.xlsx", "rejected", None, None),
        ("sai mô hình.xlsx", "rejected", "cam-giang", "dang-ky"),
    ]
    wrong = next(f for f in data["files"] if f["file"] == "sai mô hình.xlsx")
    assert wrong["issues"] == [
        {
            "code": "wrong_model",
            "severity": "error",
            "message": "Kế hoạch giao cho Huyện Cẩm Giàng mô hình TTND (Ban thanh tra nhân dân "
            "thực hiện giám sát đầu tư của cộng đồng), không phải ANTT.",
            "sheet": "Sheet1",
            "cell": "C6",
            "row": 6,
            "column": 3,
            "value": "ANTT",
            "suggestion": "TTND",
        }
    ]
    assert len(wrong["sha256"]) == 64


def test_intake_table_output_in_vietnamese(tmp_path: Path) -> None:
    from tests import intake_files as build

    inbox = tmp_path / "inbox"
    inbox.mkdir()
    build.write_registration(inbox / "dk.xlsx", xa="Xa Lai Cach")
    arguments = ["intake", "--plan", "config/plan.yaml", "--inbox", str(inbox)]
    arguments += ["--state", str(tmp_path / "state"), "--as-of", "20/03/2017"]
    result = runner.invoke(app, [*arguments, "--settle", "0", "--min-age", "0"])
    assert result.exit_code == 0, result.output
    assert "bị trả lại" in result.stdout
    assert (
        "  lỗi: [Sheet1] B6 Không có đơn vị 'Xa Lai Cach' trong huyện Cẩm Giàng. "
        "Có phải 'Thị trấn Lai Cách'?"
    ) in result.stdout
    assert "Tổng: 1 bị trả lại." in result.stdout


def test_intake_bad_as_of(tmp_path: Path) -> None:
    result = runner.invoke(app, ["intake", "--as-of", "32/13/2017", "--inbox", str(tmp_path)])
    assert result.exit_code == 2
    assert "không phải ngày" in result.output


@pytest.mark.parametrize("written", ["31/04/2017", "2017-04-31"])
def test_a_day_that_does_not_exist_says_what_is_wrong(tmp_path: Path, written: str) -> None:
    result = runner.invoke(app, ["status", "--as-of", written, "--state", str(tmp_path)])
    assert result.exit_code == 2
    assert f"'{written}' không phải ngày: tháng 4 chỉ có 30 ngày." in result.output


def test_an_id_in_the_wrong_case_gets_its_right_case(in_root: Path, tmp_path: Path) -> None:
    arguments = ["forms", "--milestone", "DANG-KY", "--site", "Cam-Giang"]
    result = runner.invoke(app, [*arguments, "--outbox", str(tmp_path)])
    assert result.exit_code == 2
    assert result.stderr.splitlines() == [
        "Không có mốc DANG-KY; có phải 'dang-ky'?",
        "Không có điểm Cam-Giang; có phải 'cam-giang'?",
    ]


# --- documents commands -----------------------------------------------------------------------


def test_status_without_a_ledger_warns_and_writes_nothing(tmp_path: Path) -> None:
    plan = str(ALL_VALID_PLANS[0])
    state = tmp_path / "state"
    result = runner.invoke(
        app, ["status", "--plan", plan, "--state", str(state), "--as-of", "2018-06-12", "--json"]
    )
    assert result.exit_code == 0, result.output
    assert "chưa có sổ theo dõi" in result.stderr
    data = json.loads(result.stdout)
    assert data["as_of"] == "2018-06-12"
    assert {m["state"] for s in data["sites"] for m in s["milestones"].values()} == {"overdue"}
    assert not state.exists()


def test_status_of_many_sites_sums_up_by_milestone_and_by_unit(tmp_path: Path) -> None:
    from tests.test_report_size import plan_text

    plan = tmp_path / "vung.yaml"
    plan.write_text(plan_text(), encoding="utf-8")
    places = ["--plan", str(plan), "--state", str(tmp_path / "state"), "--as-of", "2027-03-20"]
    summed = runner.invoke(app, ["status", *places], env={"COLUMNS": "120"})
    assert summed.exit_code == 0, summed.output
    lines = summed.stdout.splitlines()
    assert lines[0] == "Tình hình gửi báo cáo đến ngày 20/03/2027: 240 đơn vị"
    dang_ky = next(line for line in lines if "dang-ky" in line).split("│")
    assert [cell.strip() for cell in dang_ky[1:-1]] == [
        "dang-ky", "15/03/2027", "0", "0", "0", "240", "0", "0", "240"
    ]  # fmt: skip
    assert "Số báo cáo đã nhận / phải nộp, theo huyện" in lines
    by_district = [line.split("│")[1].strip() for line in lines if "0/20 │    0/20" in line]
    assert len(by_district) == 12
    assert by_district[:2] == ["Huyện Châu Thành (Tỉnh Một)", "Huyện Số 11"]
    assert "Xã Số 001" not in summed.stdout
    every = runner.invoke(app, ["status", *places, "--all"], env={"COLUMNS": "120"})
    assert every.exit_code == 0, every.output
    assert sum("Quá hạn" in line for line in every.stdout.splitlines()) == 240
    listed = runner.invoke(app, ["status", *places, "--json"])
    data = json.loads(listed.stdout)
    assert [s["id"] for s in data["sites"]] == [f"xa-{n:03d}" for n in range(1, 241)]
    assert listed.stdout.count("\n") == 240 + 6  # a site per line


def test_commands_that_make_pdfs_say_so_when_libreoffice_is_missing(
    in_root: Path, tmp_path: Path
) -> None:
    places = ["--plan", "config/dong-ha-2018.yaml", "--state", str(tmp_path / "state")]
    places += ["--outbox", str(tmp_path / "outbox"), "--as-of", "2018-06-11"]
    nowhere = {"PATH": str(tmp_path / "no-programs")}
    for command in ("remind", "report"):
        result = runner.invoke(app, [command, *places], env=nowhere)
        assert result.exit_code == 0, result.output
        assert "Lưu ý: Chưa cài LibreOffice (không tìm thấy lệnh soffice)" in result.stderr
        assert "--no-pdf" in result.stderr
    assert list((tmp_path / "outbox").rglob("*.docx")) and not list(
        (tmp_path / "outbox").rglob("*.pdf")
    )
    quiet = runner.invoke(app, ["remind", *places, "--no-pdf", "--force"], env=nowhere)
    assert quiet.exit_code == 0 and "LibreOffice" not in quiet.output


def test_remind_then_again_then_simulate(tmp_path: Path) -> None:
    plan = str(ALL_VALID_PLANS[0])
    places = ["--plan", plan, "--state", str(tmp_path / "state")]
    outbox = ["--outbox", str(tmp_path / "outbox"), "--no-pdf", "--as-of", "2018-06-11"]
    first = runner.invoke(app, ["remind", *places, *outbox])
    assert first.exit_code == 0, first.output
    assert first.stdout.startswith("\nĐã ghi 9 văn bản và 9 biểu mẫu vào ")
    assert f"Trang tình hình: {tmp_path / 'outbox' / 'index.html'}\n" in first.stdout
    page = (tmp_path / "outbox" / "index.html").stat().st_mtime_ns
    again = runner.invoke(app, ["remind", *places, *outbox])
    # Nothing written: the pages are left as they were (seconds saved at national size).
    assert again.stdout == "Không có công văn đôn đốc nào đến hạn ngày 11/06/2018.\n"
    assert (tmp_path / "outbox" / "index.html").stat().st_mtime_ns == page
    replay = runner.invoke(app, ["simulate", *places, "--from", "2018-06-01", "--to", "2018-06-20"])
    assert replay.exit_code == 0, replay.output
    days = [line.split(":")[0] for line in replay.stdout.splitlines() if "công văn" in line]
    # A replay from 01/06: the letter sent on 11/06 is inside the window, so replayed too.
    assert days[:-1] == ["05/06/2018", "09/06/2018", "11/06/2018", "15/06/2018"]
    assert "(chưa ghi gì)" in replay.stdout


def test_a_broken_template_stops_with_its_name(tmp_path: Path) -> None:
    templates = tmp_path / "templates"
    templates.mkdir()
    (templates / "report.docx").write_bytes(b"not a zip")
    places = ["--state", str(tmp_path / "state"), "--outbox", str(tmp_path / "outbox")]
    options = ["--templates", str(templates), "--no-pdf"]
    result = runner.invoke(app, ["report", "--plan", str(ALL_VALID_PLANS[0]), *places, *options])
    assert result.exit_code == 1
    assert "report.docx" in result.stderr and "Traceback" not in result.output
    assert not (tmp_path / "outbox" / "tong-hop").exists()


def test_run_with_the_server_down_says_so_and_does_nothing(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("PREFECT_API_URL", "http://127.0.0.1:9/api")  # nothing listens there
    monkeypatch.setenv("MOHINH_SERVER_WAIT", "2")
    inbox = tmp_path / "inbox"
    inbox.mkdir()
    (inbox / "a.csv").write_text("x\n", encoding="utf-8")
    places = ["--inbox", str(inbox), "--state", str(tmp_path / "state")]
    places += ["--outbox", str(tmp_path / "outbox")]
    result = runner.invoke(app, ["run", "--plan", str(ALL_VALID_PLANS[0]), *places])
    assert result.exit_code == 1
    assert "Không kết nối được máy chủ Prefect http://127.0.0.1:9/api (chờ 2 giây)" in (
        result.stderr
    )
    assert [p.name for p in inbox.iterdir()] == ["a.csv"]
    assert not (tmp_path / "outbox").exists()


@pytest.mark.slow
def test_run_with_a_server_too_slow_to_start_says_so_and_does_nothing(tmp_path: Path) -> None:
    """No PREFECT_API_URL: `run` starts its own server, which takes longer than the 1 s it is
    given here; a clear message, exit 1, the inbox untouched and the server stopped."""
    inbox = tmp_path / "inbox"
    inbox.mkdir()
    (inbox / "a.csv").write_text("x\n", encoding="utf-8")
    places = ["--inbox", str(inbox), "--state", str(tmp_path / "state")]
    places += ["--outbox", str(tmp_path / "outbox")]
    environment = {k: v for k, v in os.environ.items() if not k.startswith("PREFECT_")}
    result = subprocess.run(
        [sys.executable, "-m", "flows", "run", "--plan", str(ALL_VALID_PLANS[0]), *places],
        env=environment | {"MOHINH_SERVER_WAIT": "1"},
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 1
    assert "Máy chủ Prefect không khởi động được sau 1 giây" in result.stderr
    assert "server.log" in result.stderr and "Traceback" not in result.stderr
    assert [p.name for p in inbox.iterdir()] == ["a.csv"]
    assert not (tmp_path / "outbox").exists()
    assert not (tmp_path / "state" / "mohinh.sqlite").exists()
    home = f"PREFECT_HOME={(tmp_path / 'state' / 'prefect').resolve()}".encode()
    assert not [p for p in Path("/proc").glob("[0-9]*") if home in environ(p)]


def environ(process: Path) -> bytes:
    try:
        return (process / "environ").read_bytes()
    except OSError:  # gone, or not ours to read
        return b""


def test_a_big_intake_prints_a_summary_not_a_row_per_file(
    capsys: pytest.CaptureFixture[str],
) -> None:
    """A national round (thousands of files) is summed up: a row per file took longer to
    print than the intake itself (3.6 s for 2,000 files)."""
    from datetime import date

    from flows.cli import DETAIL_FILES, print_outcomes
    from flows.intake.engine import FileOutcome
    from flows.intake.issues import Issue

    bad = Issue("not_integer", "error", "Ô này phải là số nguyên.", sheet="Biểu", row=8, column=3)
    outcomes = [
        FileOutcome(f"{n:05d} dang-ky.xlsx", "rejected", issues=[bad, bad])
        if n % 10 == 0
        else FileOutcome(f"{n:05d} dang-ky.xlsx", "accepted", sites=[f"s{n}"], milestone="m")
        for n in range(DETAIL_FILES * 20)
    ]
    print_outcomes(None, outcomes, date(2027, 3, 1))  # type: ignore[arg-type]
    printed = capsys.readouterr().out
    assert "Nhận 1.200 tệp ngày 01/03/2027." in printed
    assert "Tệp có lỗi (120):" in printed
    assert "00000 dang-ky.xlsx: Ô này phải là số nguyên. (và 1 lỗi khác)" in printed
    assert "… và 60 tệp khác." in printed
    assert "00001 dang-ky.xlsx" not in printed  # accepted files are only counted
    assert "Tổng: 1.080 đã nhận, 120 bị trả lại." in printed
    assert len(printed.splitlines()) < DETAIL_FILES + 10
