"""Worked campaigns of both shipped plans, for the document tests: files taken in round by
round, feedback written after each round, then reminders and the report.

- Hải Dương 2017: the shipped samples (``samples/``), reminders and the report a week after
  the final due date (as ``make run`` does).
- Đông Hà 2018: four wards report (one late, one with a user text full of markup, one wrong),
  the rest do not; reminders and the report two days after the due date.
"""

from __future__ import annotations

import os
import shutil
from dataclasses import dataclass
from datetime import date
from pathlib import Path

from flows.documents import service
from flows.documents.service import DocumentOptions
from flows.intake.engine import IntakeOptions, run_intake
from flows.plan import Plan
from tests import intake_files as build
from tests.conftest import ROOT

NO_PDF = DocumentOptions(pdf=False)
INSTANT = IntakeOptions(settle=0, min_age=0)
HOSTILE_NAME = "p3 & <b> {{ x }}.xlsx"
BAD_CHOICE = "@Họp & <b> {% if %}"
HOSTILE = "A & B <c> {{ x }} {% if %}\nxuống dòng"


@dataclass(frozen=True)
class Campaign:
    """A worked campaign: inbox, state and outbox after intake, reminders and a report."""

    plan: Plan
    root: Path
    as_of: date
    remind: service.DocumentRun
    feedback: list[service.DocumentRun]
    report: service.DocumentRun

    @property
    def outbox(self) -> Path:
        return self.root / "outbox"


def take_in(plan: Plan, root: Path, day: date) -> service.DocumentRun:
    """Intake of ``root/inbox`` on ``day``, then the feedback it owes."""
    run_intake(plan, root / "inbox", root / "state", day, INSTANT)
    return service.feedback(plan, root / "inbox", root / "state", root / "outbox", day, NO_PDF)


def finish(plan: Plan, root: Path, day: date, feedback: list[service.DocumentRun]) -> Campaign:
    """Reminders and the report on ``day``."""
    state, outbox = root / "state", root / "outbox"
    reminded = service.remind(plan, state, outbox, day, NO_PDF)
    reported = service.report(plan, state, outbox, day, NO_PDF)
    return Campaign(plan, root, day, reminded, feedback, reported)


def hai_duong_campaign(plan: Plan, root: Path) -> Campaign:
    """The shipped samples, round by round, then reminders and the report a week after the
    final due date."""
    (root / "inbox").mkdir(parents=True)
    feedback = []
    for folder in sorted((ROOT / "samples").iterdir()):
        if folder.is_dir():
            # Intake takes files in mtime order; a checkout's mtimes are arbitrary, so the
            # files get one by name (ledger ids, hence feedback names, are then stable).
            for n, file in enumerate(sorted(folder.iterdir())):
                copy = shutil.copy(file, root / "inbox" / file.name)
                os.utime(copy, (1_500_000_000 + n, 1_500_000_000 + n))
            feedback.append(take_in(plan, root, date.fromisoformat(folder.name)))
    return finish(plan, root, date(2017, 11, 27), feedback)


def dong_ha_rows(plan: Plan, ward: str, **changes: object) -> list[list[object]]:
    """A title row, the header and one ward's row of the Đông Hà form."""
    form = plan.forms[0]
    values: dict[str, object] = {
        "phuong": ward,
        "hinh_thuc": "Tổ chức hội nghị",
        "ngay_so_ket": "05/06/2018",
        "chi_dao": f"{ward} ban hành kế hoạch, tổ chức ký giao ước thi đua.",
        "ket_qua": f"{ward}: 95% hộ đạt gia đình văn hóa.",
        "so_khu_pho": 10,
        "so_khu_pho_van_hoa": 8,
        "so_ho": 1200,
        "so_ho_van_hoa": 1100,
        "nha_dai_doan_ket": 2,
        "quy_vi_nguoi_ngheo": 35000000,
        "dien_hinh": "Khu phố 3 tự quản về vệ sinh môi trường.",
        "kho_khan": "Kinh phí hạn chế.",
        "phuong_huong": "Tiếp tục nhân rộng mô hình.",
        "de_xuat": "",
    } | changes
    return [
        [f"BÁO CÁO SƠ KẾT - {ward.upper()}"],
        [c.label for c in form.columns],
        [values[c.key] for c in form.columns],
    ]


def dong_ha_campaign(plan: Plan, root: Path) -> Campaign:
    """Four wards report (one late, one with a user text full of markup, one wrong), the rest
    do not; reminders and the report two days after the due date."""
    inbox = root / "inbox"
    inbox.mkdir(parents=True)
    build.write_xlsx(inbox / "p1.xlsx", dong_ha_rows(plan, "Phường 1"))
    build.write_xlsx(inbox / "p2.xlsx", dong_ha_rows(plan, "Phường 2", kho_khan=HOSTILE))
    build.write_xlsx(inbox / HOSTILE_NAME, dong_ha_rows(plan, "Phường 3", hinh_thuc=BAD_CHOICE))
    feedback = [take_in(plan, root, date(2018, 6, 8))]
    build.write_xlsx(inbox / "dong-le.xlsx", dong_ha_rows(plan, "Phường Đông Lễ"))
    feedback.append(take_in(plan, root, date(2018, 6, 11)))
    return finish(plan, root, date(2018, 6, 12), feedback)
