"""Intake end to end: every bad input ends rejected with a clear issue, the original kept."""

from __future__ import annotations

import hashlib
import os
import time
from collections.abc import Callable
from datetime import date
from pathlib import Path

import pytest

from flows.intake.engine import FileOutcome, IntakeOptions, run_intake
from flows.intake.issues import Issue
from flows.intake.ledger import Ledger, database_url
from flows.plan import Plan
from tests import intake_files as build
from tests.shared_forms import hai_duong_six_month

QUICK = IntakeOptions(settle=0, min_age=0)
ON_TIME = date(2017, 3, 18)


def take(plan: Plan, root: Path, as_of: date = ON_TIME, **options: float) -> list[FileOutcome]:
    """Run intake over ``root/inbox`` with a ledger in ``root/state``."""
    chosen = IntakeOptions(**{**QUICK.__dict__, **options})
    return run_intake(plan, root / "inbox", root / "state", as_of, chosen)


def aged(path: Path) -> Path:
    stamp = time.time() - 60
    os.utime(path, (stamp, stamp))
    return path


def dropped(root: Path, name: str, writer: Callable[[Path], Path]) -> bytes:
    """Write a file into the inbox (old enough to be taken); its bytes."""
    inbox = root / "inbox"
    inbox.mkdir(parents=True, exist_ok=True)
    return aged(writer(inbox / name)).read_bytes()


def kept(root: Path, outcome: FileOutcome, data: bytes) -> bool:
    """The original is in its outcome folder, byte for byte."""
    assert outcome.destination is not None
    return (root / "inbox" / outcome.destination).read_bytes() == data


BAD_INPUT = [
    ("renamed.xlsx", build.write_not_spreadsheet, "not_a_spreadsheet", None),
    ("empty.xlsx", build.write_empty, "empty_file", None),
    ("truncated.xlsx", build.write_truncated_zip, "corrupt_file", None),
    ("encrypted.xlsx", build.write_encrypted, "encrypted", None),
    ("macro.xlsm", build.write_macro_xlsm, "macros", None),
    ("bomb.xlsx", build.write_zip_bomb, "too_large", None),
    ("entities.xlsx", build.write_entity_bomb, "xml_entities", None),
    ("corner.xlsx", build.write_sparse_corner, "sheet_too_large", "XFD1048576"),
    ("million.xlsx", build.write_million_rows, "sheet_too_large", "A50001"),
    ("hyperlink.xlsx", build.write_hyperlink, "formula_no_value", "A6"),
    (
        "no header.xlsx",
        lambda p: build.write_xlsx(p, build.registration_rows(title=False)[1:] * 3),
        "no_header",
        None,
    ),
    (
        "other form.xlsx",
        lambda p: build.write_xlsx(p, [["Huyện", "Hộ nghèo", "Ghi chú"], ["Huyện Tứ Kỳ", 3, ""]]),
        "unknown_form",
        None,
    ),
    (
        "not a site.xlsx",
        lambda p: build.write_registration(p, huyen="Thành phố Hải Dương", xa="Phường Bình Hàn"),
        "unknown_site",
        "A6",
    ),
    (
        "wrong model.xlsx",
        lambda p: build.write_registration(p, mo_hinh="ANTT"),
        "wrong_model",
        "C6",
    ),
    (
        "outside.xlsx",
        lambda p: build.write_registration(p, xa="Xã An Phụ"),
        "unit_outside",
        "B6",
    ),
    (
        "misspelled.xlsx",
        lambda p: build.write_registration(p, huyen="Huyen Cam Giang"),
        "unknown_unit",
        "A6",
    ),
]


@pytest.mark.parametrize(
    ("name", "writer", "code", "cell"), BAD_INPUT, ids=[case[0] for case in BAD_INPUT]
)
def test_bad_input_is_rejected_with_its_issue_and_kept(
    tmp_path: Path,
    hai_duong: Plan,
    name: str,
    writer: Callable[[Path], Path],
    code: str,
    cell: str | None,
) -> None:
    data = dropped(tmp_path, name, writer)
    (outcome,) = take(hai_duong, tmp_path)
    assert (outcome.file, outcome.status) == (name, "rejected")
    assert (outcome.issues[0].code, outcome.issues[0].cell) == (code, cell)
    assert outcome.issues[0].message  # Vietnamese text for the sender
    assert outcome.destination == f"tra-lai/{name}"
    assert kept(tmp_path, outcome, data)
    assert outcome.sha256 == hashlib.sha256(data).hexdigest()


@pytest.mark.parametrize(
    ("name", "writer"),
    [
        ("nfd.xlsx", lambda p: build.write_registration(p, nfd=True)),
        (
            "windows-1258.csv",
            lambda p: build.write_csv(p, build.registration_rows(), encoding="cp1258"),
        ),
        (
            "unicode text.csv",
            lambda p: build.write_csv(p, build.registration_rows(), "utf-16", "\t"),
        ),
        ("semicolons.csv", lambda p: build.write_csv(p, build.registration_rows(), delimiter=";")),
        ("Báo cáo .. Cẩm Giàng  (bản 2).xlsx", build.write_registration),
    ],
)
def test_awkward_but_valid_files_are_accepted(
    tmp_path: Path, hai_duong: Plan, name: str, writer: Callable[[Path], Path]
) -> None:
    data = dropped(tmp_path, name, writer)
    (outcome,) = take(hai_duong, tmp_path)
    assert [(i.code, i.cell) for i in outcome.issues] == []
    assert (outcome.status, outcome.site, outcome.milestone) == ("accepted", "cam-giang", "dang-ky")
    assert outcome.destination == f"da-nhan/{name}" and kept(tmp_path, outcome, data)


def test_nfd_file_name_is_shown_in_nfc(tmp_path: Path, hai_duong: Plan) -> None:
    name = "Đăng ký Cẩm Giàng.xlsx"
    import unicodedata

    dropped(tmp_path, unicodedata.normalize("NFD", name), build.write_registration)
    (outcome,) = take(hai_duong, tmp_path)
    assert (outcome.file, outcome.status) == (name, "accepted")


def test_same_file_twice_is_a_duplicate_counted_once(tmp_path: Path, hai_duong: Plan) -> None:
    data = dropped(tmp_path, "dk.xlsx", build.write_registration)
    take(hai_duong, tmp_path)
    dropped(tmp_path, "dk.xlsx", lambda p: (p.write_bytes(data), p)[1])
    (again,) = take(hai_duong, tmp_path)
    assert (again.status, [i.code for i in again.issues]) == ("duplicate", ["duplicate_file"])
    assert again.destination == "trung-lap/dk.xlsx" and kept(tmp_path, again, data)
    ledger = Ledger(database_url(tmp_path / "state"), hai_duong.campaign.id)
    assert ledger.counts() == {"accepted": 1, "duplicate": 1, "current_records": 1}
    ledger.close()


def test_one_run_records_versions_and_duplicates_in_order(tmp_path: Path, hai_duong: Plan) -> None:
    """Files of one batch are committed together: a site's second file in the batch is its
    new current version, the same bytes again point at the first, as across runs."""
    inbox = tmp_path / "inbox"
    inbox.mkdir()
    data = build.write_registration(tmp_path / "a.xlsx", so_ho=1200).read_bytes()
    (inbox / "1 dk.xlsx").write_bytes(data)
    (inbox / "2 dk again.xlsx").write_bytes(data)
    build.write_registration(inbox / "3 dk sua.xlsx", so_ho=1300)
    for age, name in enumerate(["3 dk sua.xlsx", "2 dk again.xlsx", "1 dk.xlsx"], start=1):
        stamp = time.time() - 60 * age  # taken oldest first
        os.utime(inbox / name, (stamp, stamp))
    outcomes = take(hai_duong, tmp_path)
    assert [(o.file, o.status) for o in outcomes] == [
        ("1 dk.xlsx", "accepted"),
        ("2 dk again.xlsx", "duplicate"),
        ("3 dk sua.xlsx", "accepted"),
    ]
    ledger = Ledger(database_url(tmp_path / "state"), hai_duong.campaign.id)
    stored = [(r.version, r.current, r.values["so_ho"]) for r in ledger.accepted_records()]
    assert stored == [(1, False, 1200), (2, True, 1300)]
    assert ledger.known().records[("cam-giang", "dang-ky")].values["so_ho"] == 1300
    rows = {row.name: row for row, _ in ledger.files_with_status("accepted", "duplicate")}
    with ledger.engine.connect() as connection:
        from sqlalchemy import select

        from flows.intake.ledger import files

        linked = dict(connection.execute(select(files.c.name, files.c.duplicate_of)).all())
    assert linked["2 dk again.xlsx"] == rows["1 dk.xlsx"].id
    ledger.close()


def test_a_file_still_being_written_waits_then_is_taken(tmp_path: Path, hai_duong: Plan) -> None:
    inbox = tmp_path / "inbox"
    inbox.mkdir()
    path = build.write_registration(inbox / "dk.xlsx")
    (waiting,) = take(hai_duong, tmp_path, min_age=30)
    assert (waiting.status, waiting.sha256, waiting.destination) == ("waiting", None, None)
    assert path.exists()
    (taken,) = take(hai_duong, tmp_path, min_age=0)
    assert taken.status == "accepted"


def test_versions_late_files_and_registration_history(tmp_path: Path, hai_duong: Plan) -> None:
    dropped(tmp_path, "dk.xlsx", build.write_registration)
    take(hai_duong, tmp_path)
    dropped(tmp_path, "dk sửa.xlsx", lambda p: build.write_registration(p, so_ho=1300))
    (second,) = take(hai_duong, tmp_path, as_of=date(2017, 3, 22))
    assert second.status == "accepted"
    assert [i.code for i in second.issues] == ["new_version", "late"]
    dropped(
        tmp_path,
        "kinh mon.xlsx",
        lambda p: build.write_xlsx(
            p,
            [
                ["Huyện", "Xã, thị trấn làm điểm", "Ngày sơ kết", "Kết quả đạt được"],
                ["H. Kinh Môn", "TT Minh Tân", "25/8/2017", "Tốt"],
            ],
        ),
    )
    (report,) = take(hai_duong, tmp_path, as_of=date(2017, 8, 30))
    assert (report.status, report.milestone) == ("accepted", "so-ket")
    assert [i.code for i in report.issues] == ["not_registered"]
    ledger = Ledger(database_url(tmp_path / "state"), hai_duong.campaign.id)
    known = ledger.known()
    assert known.records[("cam-giang", "dang-ky")].values["so_ho"] == 1300
    assert ledger.counts() == {"accepted": 3, "current_records": 2}
    ledger.close()


def test_another_plan_in_the_same_state_folder(tmp_path: Path, minimal: Plan) -> None:
    dropped(
        tmp_path,
        "an binh.csv",
        lambda p: build.write_csv(p, [["Xã, phường", "Mô hình"], ["xã an bình", "M1"]]),
    )
    (outcome,) = take(minimal, tmp_path, as_of=date(2027, 3, 1))
    assert (outcome.status, outcome.site, outcome.milestone) == ("accepted", "an-binh", "dang-ky")


def test_ignored_and_hidden_files_stay_where_they_are(tmp_path: Path, hai_duong: Plan) -> None:
    lock = dropped(tmp_path, "~$dk.xlsx", lambda p: (p.write_bytes(b"lock"), p)[1])
    assert take(hai_duong, tmp_path) == []
    assert (tmp_path / "inbox" / "~$dk.xlsx").read_bytes() == lock


def write_bad_deflate(path: Path) -> Path:
    """A registration whose sheet's compressed data is damaged (a bad copy)."""
    import io
    import struct
    import zipfile

    data = bytearray(build._xlsx_bytes(build.registration_rows()))
    info = zipfile.ZipFile(io.BytesIO(bytes(data))).getinfo("xl/worksheets/sheet1.xml")
    name_length, extra_length = struct.unpack(
        "<HH", data[info.header_offset + 26 : info.header_offset + 30]
    )
    data[info.header_offset + 30 + name_length + extra_length] = 0xFF
    path.write_bytes(bytes(data))
    return path


def two_sheets(path: Path) -> Path:
    from openpyxl import Workbook

    book = Workbook()
    book.active.title = "Bản cũ"
    for sheet in (book.active, book.create_sheet("Bản mới")):
        for row in build.registration_rows():
            sheet.append(row)
    book.save(path)
    return path


MORE_BAD_INPUT = [
    ("hỏng.xlsx", write_bad_deflate, "corrupt_file", None),
    (
        "ngoặc.csv",
        lambda p: (
            p.write_text(",".join(build.registration_rows()[4]) + '\n"Huyện Cẩm Giàng,x\n'),  # type: ignore[arg-type]
            p,
        )[1],
        "corrupt_file",
        None,
    ),
    ("hai trang.xlsx", two_sheets, "several_tables", None),
    (
        "nhiều lỗi.csv",
        lambda p: build.write_csv(p, [build.registration_rows()[4], *[["x"] * 7] * 300]),
        "too_many_errors",
        None,
    ),
]


@pytest.mark.parametrize(
    ("name", "writer", "code", "cell"), MORE_BAD_INPUT, ids=[c[0] for c in MORE_BAD_INPUT]
)
def test_more_bad_input_found_in_review(
    tmp_path: Path,
    hai_duong: Plan,
    name: str,
    writer: Callable[[Path], Path],
    code: str,
    cell: str | None,
) -> None:
    data = dropped(tmp_path, name, writer)
    dropped(tmp_path, "zz good.xlsx", build.write_registration)
    bad, good = take(hai_duong, tmp_path)
    assert bad.status == "rejected" and code in [i.code for i in bad.issues]
    assert kept(tmp_path, bad, data)
    assert good.status == "accepted"


def test_a_name_that_is_not_utf8_is_kept_and_shown_readably(
    tmp_path: Path, hai_duong: Plan
) -> None:
    raw = os.fsdecode(b"B\xe1o c\xe1o.xlsx")
    data = dropped(tmp_path, raw, build.write_registration)
    (outcome,) = take(hai_duong, tmp_path)
    assert (outcome.status, outcome.file) == ("accepted", "B\ufffdo c\ufffdo.xlsx")
    assert (tmp_path / "inbox" / "da-nhan" / raw).read_bytes() == data


def test_a_rejected_file_sent_again_is_judged_again(tmp_path: Path, hai_duong: Plan) -> None:
    data = dropped(tmp_path, "sai.xlsx", lambda p: build.write_registration(p, mo_hinh="ANTT"))
    take(hai_duong, tmp_path)
    dropped(tmp_path, "sai.xlsx", lambda p: (p.write_bytes(data), p)[1])
    (again,) = take(hai_duong, tmp_path)
    assert (again.status, again.issues[0].code) == ("rejected", "wrong_model")
    assert again.destination == "tra-lai/sai (2).xlsx"


def test_a_state_folder_inside_the_inbox_is_refused(tmp_path: Path, hai_duong: Plan) -> None:
    from flows.intake.engine import IntakeError

    with pytest.raises(IntakeError, match="nằm trong thư mục nhận"):
        run_intake(hai_duong, tmp_path, tmp_path / "state", ON_TIME, QUICK)


def test_a_move_done_but_not_recorded_is_recorded_on_the_next_run(
    tmp_path: Path, hai_duong: Plan
) -> None:
    import sqlite3

    dropped(tmp_path, "dk.xlsx", build.write_registration)
    take(hai_duong, tmp_path)
    with sqlite3.connect(tmp_path / "state" / "mohinh.sqlite") as db:  # killed before marking
        db.execute("update files set placed = 0, destination = 'da-nhan'")
    assert take(hai_duong, tmp_path) == []
    with sqlite3.connect(tmp_path / "state" / "mohinh.sqlite") as db:
        rows = db.execute("select destination, placed from files").fetchall()
    assert rows == [("da-nhan/dk.xlsx", 1)]


def report_file(
    huyen: str, xa: str, model: str, title: str | None = None, result: str = "Tốt"
) -> Callable[[Path], Path]:
    """A year-end form ('bao-cao') of Hải Dương for one district, under a title block whose
    last line is ``title`` (the form's own title when ``None``)."""
    labels = build.form_labels("bao-cao")
    values: dict[str, build.Cell] = {
        "huyen": huyen,
        "xa": xa,
        "mo_hinh": model,
        "so_kdc": 5,
        "so_ho": 350,
        "so_ho_cam_ket": 300,
        "chi_dao": "Họp dân",
        "ket_qua": result,
        "hinh_anh": "Có",
        "xac_nhan_cap_uy": "Có",
    }
    rows = [
        ["ỦY BAN MTTQ VIỆT NAM"],
        [huyen.upper()],
        [title or build.form_spec("bao-cao")["title"]],
        [],
        list(labels.values()),
        [values.get(key) for key in labels],
    ]
    return lambda path: build.write_xlsx(path, rows)


def test_a_late_file_counts_for_the_earlier_milestone_of_a_shared_form(tmp_path: Path) -> None:
    plan = hai_duong_six_month()  # 'sau-thang' (30/06) and 'bao-cao' (20/11) share a form
    seen: dict[str, list[Issue]] = {}

    def taken(
        day: date, **files: Callable[[Path], Path]
    ) -> list[tuple[str, str | None, list[str]]]:
        for name, writer in files.items():
            dropped(tmp_path, f"{name}.xlsx", writer)
        outcomes = take(plan, tmp_path, as_of=day)
        assert all(o.status == "accepted" for o in outcomes), outcomes
        seen.update((o.file, o.issues) for o in outcomes)
        return [(o.file, o.milestone, [i.code for i in o.issues]) for o in outcomes]

    cam_giang = ("Huyện Cẩm Giàng", "Thị trấn Lai Cách", "TTND")
    kinh_mon = ("Huyện Kinh Môn", "Thị trấn Minh Tân", "ANTT")
    binh_giang = ("Huyện Bình Giang", "Thị trấn Kẻ Sặt", "ANTT")
    # on time, as before: the milestone of the date's window
    assert taken(date(2017, 6, 28), a=report_file(*cam_giang)) == [
        ("a.xlsx", "sau-thang", ["not_registered"])
    ]
    # a week late: still the six-month report Kinh Môn owes, said so; Cẩm Giàng owes none
    # before the year-end report; a title naming a milestone (here by keyword) decides
    assert taken(
        date(2017, 7, 7),
        b=report_file(*kinh_mon),
        c=report_file(*cam_giang, result="Tốt hơn"),
        d=report_file(*binh_giang, title="BÁO CÁO TỔNG KẾT NĂM 2017"),
    ) == [
        ("b.xlsx", "sau-thang", ["milestone_guessed", "not_registered", "late"]),
        ("c.xlsx", "bao-cao", ["not_registered"]),
        ("d.xlsx", "bao-cao", ["not_registered"]),
    ]
    # the year-end file afterwards is the year-end report, not a new six-month version; a
    # title naming the six-month report by its name still sends a late one there
    assert taken(
        date(2017, 11, 18),
        e=report_file(*kinh_mon, result="Tốt hơn"),
        f=report_file(*binh_giang, title="Báo cáo 6 tháng"),
    ) == [
        ("e.xlsx", "bao-cao", ["not_registered"]),
        ("f.xlsx", "sau-thang", ["not_registered", "late"]),
    ]
    ledger = Ledger(database_url(tmp_path / "state"), plan.campaign.id)
    assert sorted(ledger.known().records) == [
        ("binh-giang", "bao-cao"),
        ("binh-giang", "sau-thang"),
        ("cam-giang", "bao-cao"),
        ("cam-giang", "sau-thang"),
        ("kinh-mon", "bao-cao"),
        ("kinh-mon", "sau-thang"),
    ]
    ledger.close()
    assert seen["b.xlsx"][0].message == (
        "Phần tiêu đề của tệp không cho biết tệp báo cáo cho mốc nào, nên tệp được tính cho "
        "mốc 'Báo cáo 6 tháng' (hạn 30/06/2017), mốc mà đơn vị chưa nộp. Nếu đây là báo cáo "
        "cho mốc 'Báo cáo kết quả thực hiện mô hình' (hạn 20/11/2017), xin ghi tên mốc đó vào "
        "phần tiêu đề phía trên bảng rồi gửi lại."
    )
