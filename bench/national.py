"""A reproducible national benchmark: 10,000 communes, 40,000 submissions, every step timed.

    make bench-national     # 10,000 sites, 40,000 files, 3,000 letters: the issue's figures
    make bench              # the three older benchmarks, then this one at the small size
    .venv/bin/python bench/national.py [--sites 3000] [--files 4000] [--repeat 3]
    .venv/bin/python bench/national.py --generate-only --work /tmp/nat --keep

Options: ``--sites N`` (communes that are sites, default 3,000), ``--files M`` (submissions,
default 4,000), ``--repeat R`` (runs of each timed command, the median shown), ``--letters L``
(reminder letters in P2, default 300) and ``--naive K`` (letters the naive loop renders, scaled
to L, default 100), ``--report-sizes a,b,c`` (sites of the three report runs, default N/10,
3N/10, N), ``--steps`` (a subset of p1,lookup,p4,p3,p2,p5,p7), ``--seed``, ``--work DIR`` (kept
afterwards; otherwise a temporary folder, removed unless ``--keep``), ``--json FILE`` (every
raw figure). The run prints each step as it goes, then one table with the targets.

What it builds (deterministic for a seed): in ``WORK/sets/<sites>-<files>/``

- ``plan.yaml``: a national campaign (Ban Thường trực Ủy ban Trung ương MTTQ Việt Nam), five
  models, four milestones (a registration, a conference report, a mid-term review, a final
  report), four forms whose rows name the province, district and commune (the commune is the
  site; commune names repeat across the country, so the three columns together say which one);
  every site's ``unit:`` is its commune's code in the gazetteer;
- ``don-vi-hanh-chinh.csv``: the gazetteer, 63 provinces (their real names), 714 districts and
  about ``1.05 N`` communes (names made of common place-name syllables, unique within their
  parent, repeated across the country); the extra 5 % are communes that are not sites;
- ``rounds/<day>/``: the ``M`` submissions, each dropped on the day of its round (a few days
  before a milestone's due date; a late round; a round of corrected files). Mostly clean, some
  late, some flawed (one bad cell: a word for a number, a broken rule, a commune written without
  accents), each flawed file followed by its corrected version; some rejected outright (a
  commune that is not a site, a table that is no form of the plan) and some exact duplicates;
  about 80 % .xlsx and 20 % .csv;
- ``manifest.json``: every file with its round and what it is meant to be.

The .xlsx files are written fast: one template per form is made once with openpyxl, then each
file is that template's sheet XML with the values spliced in, zipped by hand around the
template's other parts, compressed once.

The steps, each in its own process (so its peak RSS, with its children, is its own), every
timed step interleaved with its baseline in the same run:

- P1: intake (``run_intake``) of all the files, round by round, against a bare read of the
  same round (python-calamine for .xlsx, the csv module for .csv) just before it. The ledger
  it fills is the one P4 and the largest P3 run use.
- lookup: ``plan.unit_index.lookup`` of a commune's exact name, the same name without
  accents and a misspelled one, at the plan's number of units.
- P4: with that ledger, ``mohinh status``, ``mohinh remind`` on a day no letter is due (every
  milestone before that day complete, the next one's reminders not started) and
  ``mohinh intake --no-feedback`` on the empty inbox: the command's work timed in-process
  after its imports, the process's wall time, and a bare ``python -c "import flows.cli"``
  as the baseline.
- P3: ``mohinh report --no-pdf`` at the three sizes (each size's own plan and ledger, the same
  files per site), time and peak RSS; the chart cache is emptied before each run, as when the
  ledger changed.
- P2: ``mohinh remind --no-pdf`` writing L letters (each with its blank form) for a plan of L
  sites on the day of the registration's first reminder, against a naive loop that builds a
  new DocxTemplate per letter (``bench/documents.py``), measured on K letters and scaled.
- P5: the demo cycle as a Prefect flow against a trivial one-task flow (``bench/cycle.py``).
- P7: the status pages (``outbox/index.html``, a page per site and per unit) on P1's ledger:
  into an empty outbox with no chart cached (the day's first run), then again with nothing
  changed; wall time, and CPU time with the worker processes'.
- P6: the peak RSS of every step (with its children), from ``wait4`` in a small launcher
  process, so that the benchmark's own memory does not count.

The table at the end puts the targets next to the numbers: status, no-letter remind and
empty-inbox intake at most 0.5 s beyond imports; report at most 30 s and 1 GiB; intake at least
150 files/s; a misspelled or unaccented unit name at most 5 ms; every step at most 1 GiB.

Only public entry points are used (``load_plan``, ``run_intake``, the ``mohinh`` commands,
``plan.unit_index``); P2's naive baseline reuses ``bench/documents.py`` and says so when it
cannot. To measure other code than the working tree's, put it first on ``PYTHONPATH``.
"""

from __future__ import annotations

import argparse
import compileall
import csv
import io
import json
import os
import random
import re
import shutil
import statistics
import struct
import subprocess
import sys
import tempfile
import time
import unicodedata
import zlib
from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import date, timedelta
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
SCRIPT = Path(__file__).resolve()
GIB = 1 << 30

# --- names ------------------------------------------------------------------------------------


def words(text: str) -> list[str]:
    return text.split()


PROVINCES = [
    ("01", "Thành phố Hà Nội"), ("02", "Tỉnh Hà Giang"), ("04", "Tỉnh Cao Bằng"),
    ("06", "Tỉnh Bắc Kạn"), ("08", "Tỉnh Tuyên Quang"), ("10", "Tỉnh Lào Cai"),
    ("11", "Tỉnh Điện Biên"), ("12", "Tỉnh Lai Châu"), ("14", "Tỉnh Sơn La"),
    ("15", "Tỉnh Yên Bái"), ("17", "Tỉnh Hòa Bình"), ("19", "Tỉnh Thái Nguyên"),
    ("20", "Tỉnh Lạng Sơn"), ("22", "Tỉnh Quảng Ninh"), ("24", "Tỉnh Bắc Giang"),
    ("25", "Tỉnh Phú Thọ"), ("26", "Tỉnh Vĩnh Phúc"), ("27", "Tỉnh Bắc Ninh"),
    ("30", "Tỉnh Hải Dương"), ("31", "Thành phố Hải Phòng"), ("33", "Tỉnh Hưng Yên"),
    ("34", "Tỉnh Thái Bình"), ("35", "Tỉnh Hà Nam"), ("36", "Tỉnh Nam Định"),
    ("37", "Tỉnh Ninh Bình"), ("38", "Tỉnh Thanh Hóa"), ("40", "Tỉnh Nghệ An"),
    ("42", "Tỉnh Hà Tĩnh"), ("44", "Tỉnh Quảng Bình"), ("45", "Tỉnh Quảng Trị"),
    ("46", "Tỉnh Thừa Thiên Huế"), ("48", "Thành phố Đà Nẵng"), ("49", "Tỉnh Quảng Nam"),
    ("51", "Tỉnh Quảng Ngãi"), ("52", "Tỉnh Bình Định"), ("54", "Tỉnh Phú Yên"),
    ("56", "Tỉnh Khánh Hòa"), ("58", "Tỉnh Ninh Thuận"), ("60", "Tỉnh Bình Thuận"),
    ("62", "Tỉnh Kon Tum"), ("64", "Tỉnh Gia Lai"), ("66", "Tỉnh Đắk Lắk"),
    ("67", "Tỉnh Đắk Nông"), ("68", "Tỉnh Lâm Đồng"), ("70", "Tỉnh Bình Phước"),
    ("72", "Tỉnh Tây Ninh"), ("74", "Tỉnh Bình Dương"), ("75", "Tỉnh Đồng Nai"),
    ("77", "Tỉnh Bà Rịa - Vũng Tàu"), ("79", "Thành phố Hồ Chí Minh"), ("80", "Tỉnh Long An"),
    ("82", "Tỉnh Tiền Giang"), ("83", "Tỉnh Bến Tre"), ("84", "Tỉnh Trà Vinh"),
    ("86", "Tỉnh Vĩnh Long"), ("87", "Tỉnh Đồng Tháp"), ("89", "Tỉnh An Giang"),
    ("91", "Tỉnh Kiên Giang"), ("92", "Thành phố Cần Thơ"), ("93", "Tỉnh Hậu Giang"),
    ("94", "Tỉnh Sóc Trăng"), ("95", "Tỉnh Bạc Liêu"), ("96", "Tỉnh Cà Mau"),
]  # fmt: skip
DISTRICTS = 714
SYLLABLES = words(
    "An Bình Hòa Phú Tân Thạnh Long Hưng Đông Tây Nam Bắc Trung Thượng Hạ Phước Lộc Thọ Mỹ "
    "Hiệp Thành Sơn Hà Hải Thủy Quang Vĩnh Xuân Đức Nghĩa Lợi Tiến Hồng Minh Thanh Cẩm Kim "
    "Ngọc Yên Định Lạc Thuận Hiếu Khánh Lâm Lương Mai Nhơn Phong Quý Tài Tường Văn Việt Vân "
    "Hoàng Liên Cường Điền Giang Hội Hợp Hữu Kiến Lập Phúc Quảng Tam Tứ Châu Đại Cát Đồng Trà "
    "Tiên Tịnh Thiện Hương Lĩnh Đạo"
)
SURNAMES = words("Nguyễn Trần Lê Phạm Hoàng Huỳnh Phan Vũ Võ Đặng Bùi Đỗ Hồ Ngô Dương Lý")
MIDDLE = words("Văn Thị Đức Minh Thanh Ngọc Hữu Quang Xuân Thu Công Kim")
GIVEN = words(
    "An Bình Cường Dũng Hà Hải Hạnh Hoa Hùng Hương Lan Long Mai Nam Nga Phương Quân Sơn Thảo "
    "Trang Tuấn Yến Khoa Linh Thắng Tâm Vinh Hiền"
)
TEXTS = {
    "ket_qua": [
        "Tổ chức {a} buổi tuyên truyền tại các khu dân cư, {b} hộ ký cam kết thực hiện.",
        "Ra mắt mô hình tại {a} khu dân cư; vận động nhân dân đóng góp {b} ngày công.",
        "Duy trì tổ tự quản ở {a} thôn, tổ dân phố; {b} lượt người tham gia.",
    ],
    "kho_khan": [
        "Kinh phí hỗ trợ còn hạn chế; một số khu dân cư chưa bố trí được địa điểm sinh hoạt.",
        "Nhận thức của một bộ phận nhân dân chưa đầy đủ, sự phối hợp chưa thường xuyên.",
        "",
    ],
    "bai_hoc": [
        "Phát huy vai trò của Ban công tác Mặt trận và người có uy tín ở khu dân cư.",
        "Cấp ủy quan tâm lãnh đạo, chính quyền phối hợp chặt chẽ.",
    ],
    "de_xuat": [
        "Đề nghị cấp trên hỗ trợ kinh phí duy trì mô hình.",
        "Đề nghị công nhận mô hình và nhân rộng ra các khu dân cư khác.",
        "",
    ],
    "chi_dao": [
        "Ban Thường trực ban hành kế hoạch, thành lập Ban Chỉ đạo, phân công cán bộ phụ trách.",
        "Tổ chức hội nghị triển khai, giao chỉ tiêu cho {a} khu dân cư.",
    ],
    "dien_hinh": [
        "Ban công tác Mặt trận thôn {s}; ông {p}, trưởng thôn.",
        "Chi hội Phụ nữ khu dân cư {s}; bà {p}.",
        "",
    ],
    "phuong_huong": [
        "Tiếp tục duy trì, nhân rộng mô hình; sơ kết, khen thưởng kịp thời.",
        "Gắn mô hình với cuộc vận động xây dựng nông thôn mới, đô thị văn minh.",
    ],
    "ghi_chu": ["", "", "Đăng ký lần đầu.", "Có {a} khu dân cư đăng ký thêm năm sau."],
}

# --- the plan ---------------------------------------------------------------------------------

MODELS = [
    ("BVMT", "Khu dân cư tự quản bảo vệ môi trường"),
    ("ANTT", "Khu dân cư tự quản đảm bảo an ninh trật tự"),
    ("NTM", "Ban công tác Mặt trận tham gia xây dựng nông thôn mới, đô thị văn minh"),
    ("TTND", "Ban thanh tra nhân dân giám sát đầu tư của cộng đồng"),
    ("VMVT", "Thực hiện nếp sống văn minh trong việc cưới, việc tang"),
]
YEAR = 2026


@dataclass(frozen=True)
class Col:
    """A form column: what the plan says and how a file fills it."""

    key: str
    label: str
    type: str = "text"
    extra: str = ""  # more YAML keys, already written, on one line: "required: true, min: 1"


@dataclass(frozen=True)
class FormSpec:
    """A form and the milestone that uses it."""

    id: str
    title: str
    short: str  # the start of a file's name, in Vietnamese
    milestone: str
    milestone_name: str
    due: date
    columns: tuple[Col, ...]
    rules: tuple[tuple[str, str], ...] = ()
    registration: bool = False


PLACE = (
    Col("tinh", "Tỉnh, thành phố", "unit", "aliases: [Tỉnh, Tỉnh/thành phố], required: true"),
    Col(
        "huyen",
        "Huyện, quận, thị xã, thành phố thuộc tỉnh",
        "unit",
        "aliases: [Huyện, Quận/huyện], within: tinh, required: true",
    ),
    Col(
        "xa",
        "Xã, phường, thị trấn",
        "unit",
        "aliases: [Xã, Xã/phường, Đơn vị], within: huyen, required: true",
    ),
)
FORMS = (
    FormSpec(
        "dang-ky",
        f"BẢNG ĐĂNG KÝ XÂY DỰNG, NHÂN RỘNG MÔ HÌNH NĂM {YEAR}",
        "Đăng ký mô hình",
        "dang-ky",
        "Đăng ký xây dựng, nhân rộng mô hình",
        date(YEAR, 3, 31),
        (
            *PLACE,
            Col("mo_hinh", "Mô hình nhân rộng", "model", "aliases: [Mô hình], required: true"),
            Col("nguoi_lien_he", "Người liên hệ", "text", "required: true"),
            Col("dien_thoai", "Số điện thoại", "phone", "aliases: [Điện thoại, SĐT]"),
            Col("so_kdc", "Số khu dân cư tham gia", "integer", "required: true, min: 1"),
            Col("so_ho", "Số hộ tham gia", "integer", "aliases: [Số hộ], required: true, min: 1"),
            Col("ghi_chu", "Ghi chú"),
        ),
        registration=True,
    ),
    FormSpec(
        "hoi-nghi",
        "BÁO CÁO KẾT QUẢ HỘI NGHỊ TRIỂN KHAI NHÂN RỘNG MÔ HÌNH",
        "Báo cáo hội nghị triển khai",
        "hoi-nghi",
        "Hội nghị triển khai nhân rộng mô hình",
        date(YEAR, 6, 30),
        (
            *PLACE,
            Col(
                "ngay_to_chuc",
                "Ngày tổ chức hội nghị",
                "date",
                f"required: true, min: {YEAR}-03-01, max: {YEAR}-06-30",
            ),
            Col("so_dai_bieu", "Số đại biểu dự", "integer", "required: true, min: 1"),
            Col("nghi_quyet", "Cấp ủy ban hành Nghị quyết chuyên đề", "yes-no", "required: true"),
            Col("ban_chi_dao", "Thành lập Ban Chỉ đạo", "yes-no", "required: true"),
            Col("so_ho", "Tổng số hộ trong khu dân cư", "integer", "required: true, min: 1"),
            Col("so_ho_cam_ket", "Số hộ ký cam kết", "integer", "required: true, min: 0"),
            Col("kinh_phi", "Kinh phí thực hiện (đồng)", "number", "min: 0"),
        ),
        rules=(("so_ho_cam_ket <= so_ho", "Số hộ ký cam kết không được lớn hơn tổng số hộ"),),
    ),
    FormSpec(
        "so-ket",
        "BÁO CÁO SƠ KẾT 6 THÁNG THỰC HIỆN MÔ HÌNH",
        "Sơ kết 6 tháng",
        "so-ket",
        "Sơ kết 6 tháng thực hiện mô hình",
        date(YEAR, 8, 31),
        (
            *PLACE,
            Col("ngay_so_ket", "Ngày sơ kết", "date", "required: true"),
            Col("ket_qua", "Kết quả đạt được", "text", "aliases: [Kết quả], required: true"),
            Col("kho_khan", "Khó khăn, vướng mắc", "text", "aliases: [Khó khăn]"),
            Col("bai_hoc", "Bài học kinh nghiệm"),
            Col("de_xuat", "Đề xuất, kiến nghị", "text", "aliases: [Kiến nghị]"),
        ),
    ),
    FormSpec(
        "bao-cao",
        f"BÁO CÁO KẾT QUẢ THỰC HIỆN MÔ HÌNH NĂM {YEAR}",
        "Báo cáo kết quả",
        "bao-cao",
        "Báo cáo kết quả thực hiện mô hình",
        date(YEAR, 11, 20),
        (
            *PLACE,
            Col("mo_hinh", "Mô hình", "model", "aliases: [Tên mô hình], required: true"),
            Col("so_kdc", "Số khu dân cư thực hiện", "integer", "required: true, min: 1"),
            Col("so_ho", "Tổng số hộ", "integer", "aliases: [Số hộ], required: true, min: 1"),
            Col("so_ho_cam_ket", "Số hộ ký cam kết", "integer", "required: true, min: 0"),
            Col("chi_dao", "Công tác chỉ đạo, triển khai", "text", "required: true"),
            Col("ket_qua", "Kết quả thực hiện", "text", "aliases: [Kết quả], required: true"),
            Col("dien_hinh", "Tập thể, cá nhân tiêu biểu"),
            Col("kho_khan", "Khó khăn, hạn chế, nguyên nhân"),
            Col("phuong_huong", "Phương hướng, giải pháp"),
            Col("de_xuat", "Đề xuất, kiến nghị", "text", "aliases: [Kiến nghị]"),
            Col("hinh_anh", "Có hình ảnh minh họa", "yes-no", "required: true"),
            Col("xac_nhan_cap_uy", "Có xác nhận của cấp ủy", "yes-no", "required: true"),
        ),
        rules=(("so_ho_cam_ket <= so_ho", "Số hộ ký cam kết không được lớn hơn tổng số hộ"),),
    ),
)
BEFORE_DAYS = (7, 2)
ESCALATION = (1, 7, 15)
ON_TIME, LATE, FIXED = -3, 6, 10  # days from the due date of each round

PLAN_HEAD = """\
# Kế hoạch nhân rộng mô hình tự quản ở khu dân cư năm {year}, toàn quốc (bản để đo tốc độ,
# do bench/national.py sinh ra: {sites} điểm là các xã, phường, thị trấn).

campaign:
  id: toan-quoc-{year}-nhan-rong-mo-hinh
  title: Kế hoạch nhân rộng mô hình tự quản tiêu biểu ở khu dân cư năm {year}
  timezone: Asia/Ho_Chi_Minh
  start: {year}-01-01
  end: {year}-12-31

issuer:
  parent: ỦY BAN TRUNG ƯƠNG MẶT TRẬN TỔ QUỐC VIỆT NAM
  name: BAN THƯỜNG TRỰC
  place: Hà Nội
  department: Ban Phong trào
  in_text: Ban Thường trực Ủy ban Trung ương MTTQ Việt Nam
  submit_to: hộp thư chung của Ban Phong trào Ủy ban Trung ương MTTQ Việt Nam
  signer:
    authority: TM. BAN THƯỜNG TRỰC
    title: PHÓ CHỦ TỊCH
  documents:
    reminder:
      symbol: CV-MTTW-BTT
      recipients: [Như kính gửi, Ban Thường trực Ủy ban MTTQ các tỉnh, "Lưu: VT, Ban Phong trào"]
    feedback:
      symbol: PPH-MTTW-BTT
      recipients: [Như kính gửi, "Lưu: VT, Ban Phong trào"]
    report:
      symbol: BC-MTTW-BTT
      recipients: [Đoàn Chủ tịch Ủy ban Trung ương MTTQ Việt Nam, "Lưu: VT, Ban Phong trào"]

models:
{models}
units:
  name: Việt Nam
  gazetteer:
    file: don-vi-hanh-chinh.csv
    levels:
      - column: tinh
        code_column: ma_tinh
      - column: huyen
        code_column: ma_huyen
      - column: xa
        code_column: ma_xa

site_defaults:
  recipient: Ban Thường trực Ủy ban MTTQ Việt Nam {{unit}}

reminders:
  before_days: [{before}]
  escalation:
    - after_days: {e1}
      label: Đôn đốc lần 1
    - after_days: {e2}
      label: Đôn đốc lần 2
    - after_days: {e3}
      label: Nhắc nhở lần cuối

recognition:
  requires:
    - milestone: bao-cao
      column: hinh_anh
    - milestone: bao-cao
      column: xac_nhan_cap_uy

report:
  sections:
    - title: Công tác chỉ đạo, triển khai
      columns: [chi_dao]
    - title: Kết quả thực hiện; tập thể, cá nhân tiêu biểu
      columns: [ket_qua, dien_hinh]
      figures: true
    - title: Khó khăn, hạn chế và nguyên nhân
      columns: [kho_khan]
    - title: Bài học kinh nghiệm, phương hướng, giải pháp
      columns: [bai_hoc, phuong_huong]
    - title: Đề xuất, kiến nghị
      columns: [de_xuat]

schedules:
  intake: "*/10 7-17 * * 1-5"
  remind: "30 7 * * 1-5"
  report: "0 16 * * 5"

"""


def plan_text(sites: list[Site]) -> str:
    """The plan's YAML."""
    models = "".join(f"  - code: {code}\n    name: {name}\n" for code, name in MODELS)
    head = PLAN_HEAD.format(
        year=YEAR,
        sites=len(sites),
        models=models,
        before=", ".join(map(str, BEFORE_DAYS)),
        e1=ESCALATION[0],
        e2=ESCALATION[1],
        e3=ESCALATION[2],
    )
    lines = [head, "milestones:\n"]
    for form in FORMS:
        lines.append(
            f"  - id: {form.milestone}\n    name: {form.milestone_name}\n"
            f"    due: {form.due.isoformat()}\n    form: {form.id}\n"
        )
        if form.registration:
            lines.append("    registration: true\n")
    lines.append("\nforms:\n")
    for form in FORMS:
        lines.append(f"  - id: {form.id}\n    title: {form.title}\n    site_column: xa\n")
        lines.append("    columns:\n")
        for column in form.columns:
            extra = f", {column.extra}" if column.extra else ""
            lines.append(
                f"      - {{key: {column.key}, label: {yaml_text(column.label)}, "
                f"type: {column.type}{extra}}}\n"
            )
        if form.rules:
            lines.append("    rules:\n")
            for check, message in form.rules:
                lines.append(f"      - check: {check}\n        message: {message}\n")
    lines.append("\n# Mỗi điểm là một xã, phường, thị trấn, ghi bằng mã đơn vị trong danh mục.\n")
    lines.append("sites:\n")
    for site in sites:
        lines.append(f'  - {{id: {site.id}, unit: "{site.code}", model: {site.model}}}\n')
    return "".join(lines)


def yaml_text(text: str) -> str:
    """A label in a YAML flow mapping: quoted when it holds a comma or a colon."""
    return f'"{text}"' if any(c in text for c in ",:{}[]#\"'") else text


# --- the gazetteer ----------------------------------------------------------------------------


@dataclass(frozen=True)
class Commune:
    """A commune of the gazetteer, with its parents' names."""

    code: str
    name: str
    district: str
    province: str


@dataclass(frozen=True)
class Site:
    """A site of the plan: a commune and its model."""

    id: str
    code: str
    model: str
    commune: Commune


def fold(text: str) -> str:
    """Without Vietnamese accents (đ to d): how a name is typed on a keyboard without them."""
    bare = "".join(c for c in unicodedata.normalize("NFD", text) if not unicodedata.combining(c))
    return bare.replace("đ", "d").replace("Đ", "D")


def slug(text: str) -> str:
    """An ASCII identifier part: 'Xã Tân Hòa' -> 'xa-tan-hoa'."""
    return re.sub(r"[^a-z0-9]+", "-", fold(text).lower()).strip("-")


def base_name(name: str) -> str:
    """A unit name without its prefix (Huyện, Thị xã, Xã...)."""
    for prefix in ("Thành phố ", "Thị trấn ", "Thị xã ", "Phường ", "Huyện ", "Quận ", "Tỉnh "):
        if name.startswith(prefix):
            return name[len(prefix) :]
    return name.removeprefix("Xã ")


def spread(rng: random.Random, items: int, over: int) -> list[int]:
    """How many of ``items`` go to each of ``over`` parents: at least one each, unevenly."""
    counts = [1] * over
    weights = [rng.uniform(0.4, 1.6) for _ in range(over)]
    for index in rng.choices(range(over), weights, k=items - over):
        counts[index] += 1
    return counts


def gazetteer(rng: random.Random, communes: int) -> list[Commune]:
    """Provinces, districts and ``communes`` communes, names unique within their parent."""
    districts = max(1, min(DISTRICTS, communes // 4))
    provinces = PROVINCES[: min(len(PROVINCES), districts)]
    reserved = {base_name(name) for _, name in PROVINCES}
    pairs = [f"{a} {b}" for a in SYLLABLES for b in SYLLABLES if a != b]
    district_counts = spread(rng, districts, len(provinces))
    commune_counts = spread(rng, communes, districts)
    found: list[Commune] = []
    district_number = 0
    for (_, province), count in zip(provinces, district_counts, strict=True):
        city = province.startswith("Thành phố")
        names = rng.sample([p for p in pairs if p not in reserved], count)
        for name in names:
            kind = rng.choices(
                ["Quận", "Huyện", "Thị xã", "Thành phố"],
                [55, 40, 0, 5] if city else [0, 84, 9, 7],
            )[0]
            district = f"{kind} {name}"
            district_number += 1
            here = commune_counts[district_number - 1]
            for commune_name in rng.sample(pairs, here):
                if kind == "Quận":
                    prefix = "Phường"
                elif kind == "Huyện":
                    prefix = "Thị trấn" if rng.random() < 0.08 else "Xã"
                else:
                    prefix = "Phường" if rng.random() < 0.7 else "Xã"
                code = f"{len(found) + 1:05d}"
                found.append(Commune(code, f"{prefix} {commune_name}", district, province))
    return found


def gazetteer_csv(communes: list[Commune]) -> str:
    """The gazetteer as CSV: province, district and commune, each with its code."""
    province_codes = dict((name, code) for code, name in PROVINCES)
    district_codes: dict[tuple[str, str], str] = {}
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(["ma_tinh", "tinh", "ma_huyen", "huyen", "ma_xa", "xa"])
    for commune in communes:
        key = (commune.province, commune.district)
        district_code = district_codes.setdefault(key, f"{len(district_codes) + 1:03d}")
        writer.writerow(
            [
                province_codes[commune.province],
                commune.province,
                district_code,
                commune.district,
                commune.code,
                commune.name,
            ]
        )
    return out.getvalue()


# --- .xlsx files, fast ------------------------------------------------------------------------

SENTINEL = 900_000_000
_SLOT = re.compile(rb'<c r="([A-Z]+[0-9]+)"([^>]*)><v>(9000\d{5})</v></c>')
_STYLE = re.compile(rb' s="[0-9]+"')
_STAMP = re.compile(rb"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ")  # openpyxl's "created", "modified"
STAMP = b"2026-01-05T08:00:00Z"
EXCEL_EPOCH = date(1899, 12, 30)
ZIP_TIME, ZIP_DATE = 0, ((YEAR - 1980) << 9) | (1 << 5) | 1
CellValue = str | int | float | date | None


class XlsxTemplate:
    """A one-sheet workbook made once by openpyxl, whose value cells are slots filled per file.

    ``rows`` holds the literal cells (text) and slots (``None`` where a slot goes is written
    as ``Slot``); :meth:`render` splices values into the sheet XML and zips the parts."""

    def __init__(self, rows: list[list[str | int | None]], date_slots: Iterable[int] = ()) -> None:
        from openpyxl import Workbook  # type: ignore[import-untyped]

        book = Workbook()
        sheet = book.active
        assert sheet is not None
        dated = set(date_slots)
        for row in rows:
            sheet.append([SENTINEL + v if isinstance(v, int) else v for v in row])
        for row_cells in sheet.iter_rows():
            for cell in row_cells:
                if isinstance(cell.value, int) and cell.value - SENTINEL in dated:
                    cell.number_format = "dd/mm/yyyy"
        buffer = io.BytesIO()
        book.save(buffer)
        import zipfile

        archive = zipfile.ZipFile(buffer)
        self.static = [
            _member(name, _STAMP.sub(STAMP, archive.read(name)))
            for name in archive.namelist()
            if name != "xl/worksheets/sheet1.xml"
        ]
        xml = archive.read("xl/worksheets/sheet1.xml")
        self.parts: list[bytes] = []
        self.slots: list[tuple[int, bytes, bytes]] = []  # (slot, reference, style attribute)
        end = 0
        for match in _SLOT.finditer(xml):
            self.parts.append(xml[end : match.start()])
            style = _STYLE.search(match.group(2))
            slot = int(match.group(3)) - SENTINEL
            self.slots.append((slot, match.group(1), style.group(0) if style else b""))
            end = match.end()
        self.parts.append(xml[end:])

    def render(self, values: dict[int, CellValue]) -> bytes:
        """The .xlsx bytes with ``values`` (by slot) in the slots; a missing slot stays empty."""
        out = [self.parts[0]]
        for (slot, reference, style), after in zip(self.slots, self.parts[1:], strict=True):
            out.append(_cell(reference, style, values.get(slot)))
            out.append(after)
        sheet = _member("xl/worksheets/sheet1.xml", b"".join(out), level=1)
        return _zip([*self.static[:3], sheet, *self.static[3:]])


def _cell(reference: bytes, style: bytes, value: CellValue) -> bytes:
    if value is None or value == "":
        return b""
    if isinstance(value, date):
        number = str((value - EXCEL_EPOCH).days).encode()
        return b'<c r="' + reference + b'"' + style + b"><v>" + number + b"</v></c>"
    if isinstance(value, int | float):
        return b'<c r="' + reference + b'"' + style + b"><v>" + str(value).encode() + b"</v></c>"
    text = value.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").encode()
    return (
        b'<c r="' + reference + b'"' + style + b' t="inlineStr"><is><t>' + text + b"</t></is></c>"
    )


def _member(name: str, data: bytes, level: int = 6) -> tuple[bytes, bytes, int, int]:
    """A zip member, deflated once: (name, compressed bytes, CRC-32, size)."""
    compressor = zlib.compressobj(level, zlib.DEFLATED, -15)
    body = compressor.compress(data) + compressor.flush()
    return name.encode(), body, zlib.crc32(data), len(data)


def _zip(members: list[tuple[bytes, bytes, int, int]]) -> bytes:
    """A zip archive of already deflated members."""
    out, central = bytearray(), bytearray()
    for name, body, crc, size in members:
        offset = len(out)
        out += struct.pack(
            "<IHHHHHIIIHH", 0x04034B50, 20, 0, 8, ZIP_TIME, ZIP_DATE, crc, len(body), size,
            len(name), 0,
        )  # fmt: skip
        out += name + body
        central += struct.pack(
            "<IHHHHHHIIIHHHHHII", 0x02014B50, 20, 20, 0, 8, ZIP_TIME, ZIP_DATE, crc, len(body),
            size, len(name), 0, 0, 0, 0, 0, offset,
        )  # fmt: skip
        central += name
    start = len(out)
    out += central
    count = len(members)
    out += struct.pack("<IHHHHIIH", 0x06054B50, 0, 0, count, count, len(central), start, 0)
    return bytes(out)


# --- submissions ------------------------------------------------------------------------------

KINDS = ("clean", "late", "flawed", "fixed", "wrong_site", "unknown_form", "duplicate", "again")
EXPECTED = {  # kind -> (status, late warning)
    "clean": ("accepted", False),
    "late": ("accepted", True),
    "flawed": ("rejected", False),
    "fixed": ("accepted", True),
    "wrong_site": ("rejected", False),
    "unknown_form": ("rejected", False),
    "duplicate": ("duplicate", False),
    "again": ("accepted", True),  # a new version of an accepted report, after the due date
}
# The mix, by position, so that even a tiny set has every kind: of the files, one in 50 names
# a commune that is not a site, one in 67 is no form of the plan, one in 100 is an exact copy
# of an accepted file; of the (site, milestone) pairs, one in 12 comes late and one in 16 is
# flawed, then sent again corrected. One file in five is a .csv.
EVERY_WRONG_SITE, EVERY_UNKNOWN_FORM, EVERY_DUPLICATE = 50, 67, 100
EVERY_LATE, EVERY_FLAWED = 12, 16
FOREIGN = ("STT", "Họ và tên chủ hộ", "Xã, phường, thị trấn", "Địa chỉ", "Số nhân khẩu")


def round_day(form: FormSpec, kind: str) -> date:
    """The day a file of ``kind`` is dropped."""
    offset = {"late": LATE, "fixed": FIXED, "duplicate": FIXED, "again": FIXED}.get(kind, ON_TIME)
    return form.due + timedelta(days=offset)


def person(rng: random.Random) -> str:
    return f"{rng.choice(SURNAMES)} {rng.choice(MIDDLE)} {rng.choice(GIVEN)}"


def row_values(rng: random.Random, form: FormSpec, site: Site) -> dict[str, CellValue]:
    """A clean row of ``form`` for ``site``."""
    commune = site.commune
    households = rng.randint(80, 2500)
    fill = {
        "a": rng.randint(2, 30),
        "b": rng.randint(50, 2000),
        "s": rng.choice(SYLLABLES) + " " + rng.choice(SYLLABLES),
        "p": person(rng),
    }
    values: dict[str, CellValue] = {
        "tinh": commune.province,
        "huyen": commune.district,
        "xa": commune.name,
        "mo_hinh": site.model if rng.random() < 0.6 else dict(MODELS)[site.model],
        "nguoi_lien_he": person(rng),
        "dien_thoai": f"09{rng.randint(10_000_000, 99_999_999)}",
        "so_kdc": rng.randint(1, 25),
        "so_ho": households,
        "so_ho_cam_ket": rng.randint(households // 2, households),
        "so_dai_bieu": rng.randint(30, 250),
        "nghi_quyet": rng.choice(["Có", "Có", "Không"]),
        "ban_chi_dao": rng.choice(["Có", "x", "Có"]),
        "kinh_phi": rng.randint(0, 400) * 100_000,
        "ngay_to_chuc": form.due - timedelta(days=rng.randint(5, 90)),
        "ngay_so_ket": form.due - timedelta(days=rng.randint(3, 40)),
        "hinh_anh": rng.choice(["Có", "Có (12 ảnh)", "Có"]),
        "xac_nhan_cap_uy": rng.choice(["Có", "Có", "Không"]),
    }
    return {
        c.key: rng.choice(TEXTS[c.key]).format(**fill) if c.key in TEXTS else values.get(c.key, "")
        for c in form.columns
    }


def flaw(rng: random.Random, form: FormSpec, values: dict[str, CellValue], number: int) -> str:
    """Spoil one cell of a clean row; what was done (an issue code intake should give)."""
    keys = {c.key for c in form.columns}
    way = number % 3
    if way == 0 and "so_ho" in keys:
        values["so_ho"] = rng.choice(["khoảng 500 hộ", "nhiều", "chưa thống kê"])
        return "not_integer"
    if way == 0:
        values["ngay_so_ket"] = rng.choice(["cuối tháng 8", "tháng 8/2026", "chưa tổ chức"])
        return "not_date"
    if way == 1 and "so_ho_cam_ket" in keys:
        values["so_ho_cam_ket"] = int(str(values["so_ho"])) + rng.randint(1, 300)
        return "rule_failed"
    if way == 1:
        values["ket_qua" if "ket_qua" in keys else "nguoi_lien_he"] = ""
        return "missing_value"
    values["xa"] = fold(str(values["xa"]))
    return "unknown_unit"


@dataclass
class Generated:
    """A generated set: where its plan is, and its files by round."""

    folder: Path
    plan: Path
    sites: int
    files: list[dict[str, Any]]
    quiet_day: date  # no reminder due, every earlier milestone complete
    report_day: date  # after the last round
    letter_day: date  # the registration's first reminder: one letter to every site
    seconds: float = 0.0
    rounds: list[str] = field(default_factory=list)


def generate(folder: Path, sites: int, files: int, seed: int = 2026) -> Generated:
    """Write a plan of ``sites`` communes, its gazetteer and ``files`` submissions."""
    started = time.perf_counter()
    rng = random.Random(f"{seed}-{sites}")
    folder.mkdir(parents=True, exist_ok=True)
    extra = max(1, sites // 20)
    communes = gazetteer(rng, sites + extra)
    chosen = sorted(rng.sample(range(len(communes)), sites))
    codes = [code for code, _ in MODELS]
    site_list = [
        Site(f"{slug(communes[i].name)}-{communes[i].code}", communes[i].code,
             rng.choice(codes), communes[i])
        for i in chosen
    ]  # fmt: skip
    taken = set(chosen)
    others = [c for i, c in enumerate(communes) if i not in taken]
    (folder / "don-vi-hanh-chinh.csv").write_text(gazetteer_csv(communes), encoding="utf-8")
    (folder / "plan.yaml").write_text(plan_text(site_list), encoding="utf-8")
    written = write_submissions(folder, rng, site_list, others, files)
    owed = [form for form in FORMS if not _complete(form, written, len(site_list))]
    last = max((date.fromisoformat(f["round"]) for f in written), default=FORMS[0].due)
    # the day before the first incomplete milestone's first reminder, else after the last round
    quiet = owed[0].due - timedelta(days=max(BEFORE_DAYS) + 1) if owed else last
    return Generated(
        folder,
        folder / "plan.yaml",
        sites,
        written,
        quiet_day=quiet if owed else last + timedelta(days=1),
        report_day=last + timedelta(days=1),
        letter_day=FORMS[0].due - timedelta(days=max(BEFORE_DAYS)),
        seconds=time.perf_counter() - started,
        rounds=sorted({f["round"] for f in written}),
    )


def _complete(form: FormSpec, written: list[dict[str, Any]], sites: int) -> bool:
    done = {f["site"] for f in written if f["milestone"] == form.milestone and f["kind"] in
            ("clean", "late", "fixed")}  # fmt: skip
    return len(done) == sites


def write_submissions(
    folder: Path, rng: random.Random, sites: list[Site], others: list[Commune], count: int
) -> list[dict[str, Any]]:
    """``count`` files in ``folder/rounds/<day>/``; their manifest entries."""
    templates = {form.id: _template(form) for form in FORMS}
    foreign = XlsxTemplate(
        [["ỦY BAN MTTQ VIỆT NAM"], ["DANH SÁCH HỘ GIA ĐÌNH KÝ CAM KẾT"], [], list(FOREIGN),
         [0, 1, 2, 3, 4], [5, 6, 7, 8, 9]]
    )  # fmt: skip
    queue = [(form, site) for form in FORMS for site in rng.sample(sites, len(sites))]
    entries: list[dict[str, Any]] = []
    accepted: list[dict[str, Any]] = []
    folders: dict[date, Path] = {}
    position = 0
    form = FORMS[0]

    def add(kind: str, form: FormSpec, site: Site | None, data: bytes, suffix: str,
            commune: Commune, extra: dict[str, Any] | None = None) -> dict[str, Any]:  # fmt: skip
        day = round_day(form, kind)
        short = "Danh sách hộ cam kết" if kind == "unknown_form" else form.short
        name = f"{len(entries) + 1:05d} {short} - {commune.name}{suffix}"
        where = folders.get(day)
        if where is None:
            where = folders[day] = folder / "rounds" / day.isoformat()
            where.mkdir(parents=True, exist_ok=True)
        (where / name).write_bytes(data)
        entry = {
            "file": name,
            "round": day.isoformat(),
            "kind": kind,
            "form": form.id,
            "milestone": form.milestone,
            "site": site.id if site else None,
            **(extra or {}),
        }
        entries.append(entry)
        return entry

    while len(entries) < count:
        number = len(entries)
        as_csv = number % 5 == 2  # a fifth of the files
        if number % EVERY_WRONG_SITE == 7 and others:
            commune = rng.choice(others)
            stranger = Site("", commune.code, rng.choice(MODELS)[0], commune)
            data, suffix = _file(templates[form.id], form, row_values(rng, form, stranger), as_csv)
            add("wrong_site", form, None, data, suffix, commune)
            continue
        if number % EVERY_UNKNOWN_FORM == 13:
            commune = rng.choice(sites).commune
            cells: dict[int, CellValue] = {
                0: 1, 1: person(rng), 2: commune.name, 3: f"Thôn {rng.choice(SYLLABLES)}",
                4: rng.randint(2, 8), 5: 2, 6: person(rng), 7: commune.name,
                8: f"Thôn {rng.choice(SYLLABLES)}", 9: rng.randint(2, 8),
            }  # fmt: skip
            add("unknown_form", form, None, foreign.render(cells), ".xlsx", commune)
            continue
        day = round_day(form, "duplicate").isoformat()
        earlier = (
            [e for e in accepted if e["round"] < day] if number % EVERY_DUPLICATE == 29 else []
        )
        if earlier:
            original = rng.choice(earlier)
            site = next(s for s in sites if s.id == original["site"])
            suffix = Path(original["file"]).suffix
            data = (folder / "rounds" / original["round"] / original["file"]).read_bytes()
            add("duplicate", form, site, data, f" (gửi lại){suffix}",
                site.commune, {"of": original["file"]})  # fmt: skip
            continue
        if position >= len(queue):  # every pair has a file: new versions from now on
            form, site = queue[rng.randrange(len(queue))]
            values = row_values(rng, form, site)
            data, suffix = _file(templates[form.id], form, values, as_csv)
            add("again", form, site, data, suffix, site.commune)
            continue
        form, site = queue[position]
        values = row_values(rng, form, site)
        if position % EVERY_FLAWED == 3:
            spoiled = dict(values)
            code = flaw(rng, form, spoiled, position // EVERY_FLAWED)
            data, suffix = _file(templates[form.id], form, spoiled, as_csv)
            add("flawed", form, site, data, suffix, site.commune, {"issue": code})
            if len(entries) < count:
                data, suffix = _file(templates[form.id], form, values, as_csv)
                accepted.append(add("fixed", form, site, data, suffix, site.commune))
        else:
            kind = "late" if position % EVERY_LATE == 5 else "clean"
            data, suffix = _file(templates[form.id], form, values, as_csv)
            entry = add(kind, form, site, data, suffix, site.commune)
            if kind == "clean":
                accepted.append(entry)
        position += 1
    # files of a round are taken in modification-time order: give them their creation order
    start = time.time() - 3600
    for number, entry in enumerate(entries):
        path = folder / "rounds" / entry["round"] / entry["file"]
        moment = start + number * 1e-3
        os.utime(path, (moment, moment))
    (folder / "manifest.json").write_text(
        json.dumps({"files": entries}, ensure_ascii=False, indent=0), encoding="utf-8"
    )
    return entries


def _template(form: FormSpec) -> XlsxTemplate:
    """The form's sheet: title block, header, one row of slots, signature."""
    width = len(form.columns)
    dated = [i for i, c in enumerate(form.columns) if c.type == "date"]
    return XlsxTemplate(
        [
            ["ỦY BAN MTTQ VIỆT NAM"],
            [width],  # the sender's unit, upper case
            [form.title],
            [],
            [c.label for c in form.columns],
            list(range(width)),
            [],
            [None, None, "Người lập biểu"],
            [None, None, width + 1],
        ],
        dated,
    )


def _file(
    template: XlsxTemplate, form: FormSpec, values: dict[str, CellValue], as_csv: bool
) -> tuple[bytes, str]:
    """The file's bytes and its suffix: .xlsx from the template, or .csv as Excel saves it."""
    unit = f"ỦY BAN MTTQ {str(values['xa']).upper()}"
    signer = str(values.get("nguoi_lien_he") or "")
    row = [values.get(c.key) for c in form.columns]
    if not as_csv:
        cells: dict[int, CellValue] = dict(enumerate(row))
        cells[len(row)], cells[len(row) + 1] = unit, signer
        return template.render(cells), ".xlsx"
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    width = len(form.columns)
    blank: list[str | int | float] = [""] * width
    lines: list[list[str | int | float]] = [
        ["ỦY BAN MTTQ VIỆT NAM", *blank[1:]],
        [unit, *blank[1:]],
        [form.title, *blank[1:]],
        blank,
        [c.label for c in form.columns],
        [v.strftime("%d/%m/%Y") if isinstance(v, date) else ("" if v is None else v) for v in row],
        blank,
        ["", "", "Người lập biểu", *blank[3:]],
    ]
    writer.writerows(lines)
    return out.getvalue().encode("utf-8-sig"), ".csv"


def load_generated(folder: Path) -> list[dict[str, Any]]:
    """The manifest's file entries of a generated set."""
    data: dict[str, Any] = json.loads((folder / "manifest.json").read_text(encoding="utf-8"))
    files: list[dict[str, Any]] = data["files"]
    return files


def tally(files: list[dict[str, Any]], outcomes: Iterable[Any]) -> dict[str, Counter[str]]:
    """For each kind of file, how many got each status (``accepted+late`` when warned late)."""
    kinds = {f["file"]: f["kind"] for f in files}
    found: dict[str, Counter[str]] = {}
    for outcome in outcomes:
        codes = {i.code for i in outcome.issues}
        status = outcome.status + ("+late" if "late" in codes else "")
        found.setdefault(kinds.get(outcome.file, "?"), Counter())[status] += 1
    return found


def expected_status(kind: str) -> str:
    status, late = EXPECTED[kind]
    return status + ("+late" if late else "")


# --- running steps in their own processes -----------------------------------------------------


@dataclass
class Run:
    """One child process: wall seconds, peak RSS (KiB, with its children) and its result."""

    wall: float
    rss_kib: int
    result: dict[str, Any]


# Runs a step and reports its wall time, exit code and peak RSS. A process's ru_maxrss starts
# at the high-water mark of the process it was forked from, so the benchmark's own memory (the
# generated files pass through it) would show in every step's figure; this small launcher
# is what spawns the step.
LAUNCHER = """
import json, os, sys, time
argv, report = json.loads(sys.argv[1]), sys.argv[2]
started = time.perf_counter()
pid = os.posix_spawn(argv[0], argv, os.environ)
_, status, usage = os.wait4(pid, 0)
wall = time.perf_counter() - started
code = os.waitstatus_to_exitcode(status)
with open(report, "w") as out:
    json.dump({"wall": wall, "rss_kib": usage.ru_maxrss, "code": code}, out)
"""


def child(argv: list[str], log: Path) -> Run:
    """Run ``argv`` through the launcher; its wall time, peak RSS and result file."""
    result_file, usage_file = log.with_suffix(".json"), log.with_suffix(".usage")
    result_file.unlink(missing_ok=True)
    env = dict(os.environ, MOHINH_BENCH_RESULT=str(result_file))
    log.parent.mkdir(parents=True, exist_ok=True)
    with log.open("wb") as out:
        launcher = [sys.executable, "-c", LAUNCHER, json.dumps(argv), str(usage_file)]
        subprocess.run(launcher, stdout=out, stderr=subprocess.STDOUT, env=env, check=True)
    usage = json.loads(usage_file.read_text())
    if usage["code"] != 0:
        tail = log.read_text(errors="replace")[-3000:]
        raise RuntimeError(f"{' '.join(argv[:6])}... failed ({usage['code']}):\n{tail}")
    result = json.loads(result_file.read_text()) if result_file.exists() else {}
    return Run(usage["wall"], usage["rss_kib"], result)


def step(name: str, log: Path, **arguments: Any) -> Run:
    """Run this script's step ``name`` in a child process."""
    return child([sys.executable, str(SCRIPT), "_step", name, json.dumps(arguments)], log)


def imports_only(log: Path) -> Run:
    """The baseline process: the interpreter and ``import flows.cli``, nothing else."""
    return child([sys.executable, "-c", "import flows.cli"], log)


def _answer(result: dict[str, Any]) -> None:
    Path(os.environ["MOHINH_BENCH_RESULT"]).write_text(json.dumps(result, default=str))


def step_intake(plan: str, folder: str, inbox: str, state: str, bare: bool) -> None:
    """P1 in its process: each round read bare (if ``bare``), then taken in; times per round."""
    from flows.intake.engine import IntakeOptions, run_intake
    from flows.plan import load_plan

    started = time.perf_counter()
    loaded = load_plan(plan)
    load_seconds = time.perf_counter() - started
    files = load_generated(Path(folder))
    rounds: dict[str, list[Path]] = {}
    for entry in files:
        rounds.setdefault(entry["round"], []).append(
            Path(folder) / "rounds" / entry["round"] / entry["file"]
        )
    results = []
    outcomes: list[Any] = []
    for day in sorted(rounds):
        paths = rounds[day]
        bare_seconds = bare_read(paths) if bare else None
        for path in paths:
            shutil.copy2(path, Path(inbox) / path.name)
        started = time.perf_counter()
        found = run_intake(
            loaded, Path(inbox), Path(state), date.fromisoformat(day),
            IntakeOptions(settle=0, min_age=0),
        )  # fmt: skip
        seconds = time.perf_counter() - started
        outcomes += found
        results.append({"day": day, "files": len(paths), "bare": bare_seconds, "intake": seconds})
        print(json.dumps(results[-1]), flush=True)  # in the step's log, should the run be cut
    mix = {kind: dict(counts) for kind, counts in tally(files, outcomes).items()}
    codes = Counter(i.code for o in outcomes for i in o.issues)
    _answer({"load_plan": load_seconds, "rounds": results, "mix": mix, "codes": dict(codes)})


def bare_read(paths: list[Path]) -> float:
    """Seconds to read every file the plainest way: python-calamine, or the csv module."""
    from python_calamine import CalamineWorkbook

    started = time.perf_counter()
    for path in paths:
        if path.suffix == ".csv":
            list(csv.reader(io.StringIO(path.read_bytes().decode("utf-8-sig"))))
            continue
        workbook = CalamineWorkbook.from_path(str(path))
        for name in workbook.sheet_names:
            workbook.get_sheet_by_name(name).to_python()
    return time.perf_counter() - started


COMMAND_IMPORTS = {  # what each command imports when it starts (flows/cli.py)
    "status": ["flows.documents.status"],
    "remind": ["flows.documents.service"],
    "report": ["flows.documents.service"],
    "intake": ["flows.documents.service", "flows.documents.outbox", "flows.intake.engine"],
}


def step_cli(argv: list[str], clear: list[str] | None = None, count: str | None = None) -> None:
    """One ``mohinh`` command in this process: its imports, then its work, timed apart."""
    import importlib

    started = time.perf_counter()
    import flows.cli

    for module in COMMAND_IMPORTS.get(argv[0], []):
        importlib.import_module(module)
    imported = time.perf_counter()
    for folder in clear or []:
        shutil.rmtree(folder, ignore_errors=True)
    began, cpu = time.perf_counter(), time.process_time()
    try:
        code = flows.cli.app(args=argv, standalone_mode=False, prog_name="mohinh")
    except SystemExit as stop:
        code = stop.code
    seconds, cpu = time.perf_counter() - began, time.process_time() - cpu
    sys.stdout.flush()
    written = len(list(Path(count).rglob("*.docx"))) if count else None
    _answer(
        {"imports": imported - started, "work": seconds, "cpu": cpu, "code": code, "docx": written}
    )


def step_lookup(plan: str, tries: int = 20) -> None:
    """``unit_index.lookup`` of an exact, an unaccented and a misspelled commune name."""
    from flows.plan import load_plan

    loaded = load_plan(plan)
    index = loaded.unit_index
    unit = loaded.unit_of(loaded.sites[len(loaded.sites) // 2]).unit.name
    names = {
        "exact": unit,
        "unaccented": fold(unit),
        "misspelled": unit[:-1] + ("x" if unit[-1] != "x" else "y"),
    }
    found: dict[str, Any] = {"units": len(index.placed), "names": names}
    for label, name in names.items():
        index.lookup(name)
        times = []
        for _ in range(tries):
            started = time.perf_counter()
            answer = index.lookup(name)
            times.append(time.perf_counter() - started)
        found[label] = statistics.median(times) * 1000
        found[f"{label}_answer"] = [p.path for p in answer.found[:2]] or answer.suggestions[:2]
    _answer(found)


def step_naive(plan: str, day: str, letters: int) -> None:
    """P2's baseline: ``bench/documents.py``'s naive loop on the plan's real letters of ``day``
    (a new DocxTemplate per letter, rendered to memory)."""
    from flows.documents.letters import build_letters
    from flows.documents.service import TEMPLATE_FILES, TEMPLATES
    from flows.documents.status import Evidence, build_matrix, reminders_due
    from flows.plan import load_plan

    documents = _load_bench("documents")
    loaded = load_plan(plan)
    matrix = build_matrix(loaded, Evidence(), date.fromisoformat(day))
    built = build_letters(loaded, matrix, reminders_due(loaded, matrix, set()))
    contexts = [letter.context for letter in built[:letters]]
    seconds = documents.naive(TEMPLATES / TEMPLATE_FILES["reminder"], contexts)
    _answer({"seconds": seconds, "letters": len(contexts), "available": len(built)})


def step_cycle(work: str, repeat: int) -> None:
    """P5: the demo cycle as a flow, and a trivial flow, interleaved (``bench/cycle.py``)."""
    cycle = _load_bench("cycle")
    started = time.perf_counter()
    cycle.trivial()
    first = time.perf_counter() - started
    trivial, flows = [], []
    for _ in range(repeat):
        started = time.perf_counter()
        cycle.trivial()
        trivial.append(time.perf_counter() - started)
        started = time.perf_counter()
        cycle.as_flow(Path(work) / "flow")
        flows.append(time.perf_counter() - started)
    _answer({"first": first, "trivial": trivial, "cycle": flows})


def _load_bench(name: str) -> Any:
    import importlib.util

    spec = importlib.util.spec_from_file_location(f"bench_{name}", ROOT / "bench" / f"{name}.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    return module


def step_pages(plan: str, state: str, outbox: str, day: str, repeat: int) -> None:
    """P7 in its process: the status pages (``service.status_page``) into an empty outbox
    with no chart cached (every page written, the chart drawn: the day's first run), then
    ``repeat`` times again with nothing changed (every page rendered and compared, none
    written). Wall time, and CPU time with the worker processes'."""
    from flows.documents import service
    from flows.plan.cache import load_in_state

    loaded = load_in_state(Path(plan), Path(state))
    options = service.DocumentOptions(pdf=False)
    shutil.rmtree(outbox, ignore_errors=True)
    shutil.rmtree(Path(state) / "cache" / "charts", ignore_errors=True)

    def timed() -> dict[str, Any]:
        before, clock = os.times(), time.perf_counter()
        pages = service.status_page(
            loaded, Path(state), Path(outbox), date.fromisoformat(day), options
        )
        wall, after = time.perf_counter() - clock, os.times()
        cpu = sum(after[:4]) - sum(before[:4])
        return {"wall": wall, "cpu": cpu, "sites": pages.sites, "changed": pages.changed}

    first = timed()
    again = [timed() for _ in range(repeat)]
    size = sum(p.stat().st_size for p in Path(outbox).rglob("*.html"))
    _answer({"first": first, "again": again, "bytes": size,
             "index": (Path(outbox) / "index.html").stat().st_size})  # fmt: skip


STEPS: dict[str, Callable[..., None]] = {
    "intake": step_intake,
    "cli": step_cli,
    "lookup": step_lookup,
    "naive": step_naive,
    "cycle": step_cycle,
    "pages": step_pages,
}

# --- the benchmark ----------------------------------------------------------------------------


@dataclass
class Row:
    """A line of the final table."""

    step: str
    value: str
    baseline: str
    rss_kib: int | None
    target: str
    verdict: str


@dataclass
class Bench:
    """The whole run: where it works, how often it repeats, what it found."""

    work: Path
    repeat: int
    rows: list[Row] = field(default_factory=list)
    raw: dict[str, Any] = field(default_factory=dict)
    logs: int = 0

    def log(self, name: str) -> Path:
        self.logs += 1
        return self.work / "logs" / f"{self.logs:03d}-{name}.log"

    def say(self, text: str) -> None:
        print(text, flush=True)

    def cli(self, label: str, argv: list[str], clear: list[Path] | None = None,
            fresh: Callable[[int], dict[str, Any]] | None = None) -> dict[str, Any]:  # fmt: skip
        """``repeat`` runs of a ``mohinh`` command, each after a bare-import baseline run."""
        works, cpus, walls, bases, imports, rss, docx = [], [], [], [], [], 0, []
        for attempt in range(self.repeat):
            base = imports_only(self.log(f"{label}-imports"))
            extra = fresh(attempt) if fresh else {}
            run = step(
                "cli",
                self.log(label),
                argv=argv + extra.get("argv", []),
                clear=[str(p) for p in clear or []],
                count=extra.get("count"),
            )
            if run.result["code"] not in (0, None):
                raise RuntimeError(f"mohinh {' '.join(argv)} exited {run.result['code']}")
            bases.append(base.wall)
            works.append(run.result["work"])
            cpus.append(run.result["cpu"])
            walls.append(run.wall)
            imports.append(run.result["imports"])
            rss = max(rss, run.rss_kib)
            docx.append(run.result.get("docx"))
        found = {
            "work": statistics.median(works),
            "cpu": statistics.median(cpus),
            "wall": statistics.median(walls),
            "baseline": statistics.median(bases),
            "imports": statistics.median(imports),
            "rss_kib": rss,
            "runs": {"work": works, "cpu": cpus, "wall": walls, "baseline": bases},
            "docx": docx,
        }
        self.raw[label] = found
        self.say(
            f"  {label}: work {found['work']:.3f} s ({found['cpu']:.3f} s of CPU) after its "
            f"imports ({found['imports']:.2f} s); "
            f"process wall {found['wall']:.2f} s; baseline `import flows.cli` "
            f"{found['baseline']:.2f} s; peak RSS {rss / 1024:.0f} MiB"
        )
        return found


def at_most(value: float, limit: float, unit: str) -> str:
    if value <= limit:
        return f"met ({value / limit:.0%} of the limit)"
    return f"MISSED by {value - limit:.3g} {unit} ({value / limit:.1f}× the limit)"


def at_least(value: float, floor: float, unit: str) -> str:
    if value >= floor:
        return f"met ({value / floor:.1f}× the floor)"
    return f"MISSED by {floor - value:.3g} {unit} ({floor / value:.1f}× too slow)"


def mib(kib: int | None) -> str:
    return "" if kib is None else f"{kib / 1024:.0f} MiB"


def rss_verdict(kib: int) -> str:
    return at_most(kib / 1024, 1024, "MiB")


def make_set(bench: Bench, sites: int, files: int, seed: int) -> Generated:
    folder = bench.work / "sets" / f"{sites}-{files}"
    if folder.exists():
        shutil.rmtree(folder)
    made = generate(folder, sites, files, seed)
    counts = Counter(f["kind"] for f in made.files)
    csvs = sum(1 for f in made.files if f["file"].endswith(".csv"))
    bench.say(
        f"generated {sites:,} sites, {len(made.files):,} files ({csvs:,} csv) in "
        f"{made.seconds:.1f} s ({len(made.files) / max(made.seconds, 1e-9):,.0f} files/s): "
        + ", ".join(f"{k} {counts[k]}" for k in KINDS if counts[k])
    )
    bench.raw.setdefault("generated", []).append(
        {"sites": sites, "files": len(made.files), "seconds": made.seconds, "kinds": counts}
    )
    return made


def fill(bench: Bench, made: Generated, label: str, bare: bool) -> tuple[Run, Path]:
    """Intake of every round of ``made`` into a new ledger."""
    place = bench.work / "runs" / label
    shutil.rmtree(place, ignore_errors=True)
    (place / "inbox").mkdir(parents=True)
    run = step(
        "intake",
        bench.log(label),
        plan=str(made.plan),
        folder=str(made.folder),
        inbox=str(place / "inbox"),
        state=str(place / "state"),
        bare=bare,
    )
    return run, place


def p1(bench: Bench, made: Generated) -> Path:
    bench.say(f"P1 intake of {len(made.files):,} files, round by round, after a bare read")
    run, place = fill(bench, made, "p1", bare=True)
    rounds = run.result["rounds"]
    files = sum(r["files"] for r in rounds)
    intake = sum(r["intake"] for r in rounds)
    bare = sum(r["bare"] for r in rounds)
    per_round = [r["files"] / r["intake"] for r in rounds if r["files"] >= 20]
    wrong = {
        kind: counts
        for kind, counts in run.result["mix"].items()
        if set(counts) != {expected_status(kind)}
    }
    bench.raw["p1"] = {**run.result, "rss_kib": run.rss_kib, "wall": run.wall}
    for r in rounds:
        bench.say(
            f"  {r['day']}: {r['files']:6,} files  bare {r['bare']:7.2f} s  intake "
            f"{r['intake']:8.2f} s  ({r['files'] / r['intake']:6.1f} files/s)"
        )
    bench.say(
        f"  total: intake {files / intake:.1f} files/s ({intake / files * 1000:.1f} ms/file), "
        f"bare read {files / bare:.0f} files/s ({bare / files * 1000:.2f} ms/file); "
        f"load_plan {run.result['load_plan']:.2f} s; peak RSS {mib(run.rss_kib)}"
    )
    if wrong:
        bench.say(f"  outcomes other than intended: {wrong}")
    spread_text = (
        f"; rounds {min(per_round):.0f}–{max(per_round):.0f} files/s, median "
        f"{statistics.median(per_round):.0f}"
        if per_round
        else ""
    )
    bench.rows.append(
        Row(
            f"P1 intake, {files:,} files",
            f"{files / intake:.1f} files/s ({intake / files * 1000:.1f} ms/file){spread_text}",
            f"bare read {files / bare:.0f} files/s ({bare / files * 1000:.2f} ms/file)",
            run.rss_kib,
            "≥ 150 files/s",
            at_least(files / intake, 150, "files/s"),
        )
    )
    bench.rows.append(
        Row(
            f"load_plan, {made.sites:,} sites",
            f"{run.result['load_plan']:.2f} s",
            "",
            None,
            "",
            "",
        )
    )
    return place


def lookup(bench: Bench, made: Generated) -> None:
    run = step("lookup", bench.log("lookup"), plan=str(made.plan))
    found = run.result
    bench.raw["lookup"] = found
    bench.say(
        f"lookup among {found['units']:,} units: exact {found['exact']:.3f} ms, unaccented "
        f"{found['unaccented']:.2f} ms, misspelled {found['misspelled']:.2f} ms "
        f"({found['names']})"
    )
    for label in ("unaccented", "misspelled"):
        bench.rows.append(
            Row(
                f"unit lookup, {label}, {found['units']:,} units",
                f"{found[label]:.2f} ms",
                f"exact name {found['exact']:.3f} ms",
                run.rss_kib,
                "≤ 5 ms",
                at_most(found[label], 5, "ms"),
            )
        )


def p4(bench: Bench, made: Generated, place: Path) -> None:
    day = made.quiet_day.isoformat()
    bench.say(
        f"P4 with the {len(made.files):,}-file ledger, as of {day} (no letter due), "
        f"median of {bench.repeat}"
    )
    common = ["--plan", str(made.plan), "--state", str(place / "state"), "--as-of", day]
    outbox = place / "p4-outbox"
    commands = {
        "status": ["status", *common],
        "remind (no letter due)": ["remind", *common, "--outbox", str(outbox), "--no-pdf"],
        "intake, empty inbox": [
            "intake",
            *common,
            "--inbox",
            str(place / "inbox"),
            "--no-feedback",
        ],
    }
    for label, argv in commands.items():
        found = bench.cli(f"p4-{label.split()[0].strip(',')}", argv, fresh=_count(outbox))
        if label.startswith("remind") and any(found["docx"]):
            bench.say(f"  (remind wrote letters on {day}: {found['docx']})")
        bench.rows.append(
            Row(
                f"P4 {label}",
                f"{found['work']:.3f} s beyond imports ({_extra(found)})",
                f"`import flows.cli` {found['baseline']:.2f} s",
                found["rss_kib"],
                "≤ 0.5 s",
                at_most(found["work"], 0.5, "s"),
            )
        )


def p7(bench: Bench, made: Generated, place: Path) -> None:
    day = made.report_day.isoformat()
    bench.say(f"P7 status pages with the {len(made.files):,}-file ledger, as of {day}")
    outbox = place / "p7-outbox"
    run = step("pages", bench.log("p7"), plan=str(made.plan), state=str(place / "state"),
               outbox=str(outbox), day=day, repeat=bench.repeat)  # fmt: skip
    first, again = run.result["first"], run.result["again"]
    wall = statistics.median(a["wall"] for a in again)
    cpu = statistics.median(a["cpu"] for a in again)
    bench.raw["p7"] = {**run.result, "rss_kib": run.rss_kib}
    bench.say(
        f"  first {first['wall']:.2f} s ({first['cpu']:.2f} s CPU, {first['changed']:,} pages "
        f"written); again {wall:.2f} s ({cpu:.2f} s CPU); office page "
        f"{run.result['index'] / 1024:.0f} KiB, all pages {run.result['bytes'] / 2**20:.0f} MiB"
    )
    sites = f"{first['sites']:,} sites"
    bench.rows += [
        Row(
            f"P7 status pages, {sites}, every page written",
            f"{first['wall']:.2f} s ({first['cpu']:.2f} s CPU with its workers)",
            "",
            run.rss_kib,
            "≤ 10 s",
            at_most(first["wall"], 10, "s"),
        ),
        Row(
            f"P7 status pages, {sites}, nothing changed",
            f"{wall:.2f} s ({cpu:.2f} s CPU with its workers)",
            "",
            run.rss_kib,
            "≤ 10 s",
            at_most(wall, 10, "s"),
        ),
    ]


def _extra(found: dict[str, Any]) -> str:
    return (
        f"CPU {found['cpu']:.3f} s; its imports {found['imports']:.2f} s, "
        f"process {found['wall']:.2f} s"
    )


def _count(folder: Path) -> Callable[[int], dict[str, Any]]:
    return lambda _attempt: {"count": str(folder)}


def report_sizes(sites: int) -> list[int]:
    return sorted({max(30, sites // 10), max(30, sites * 3 // 10), sites})


def p3(bench: Bench, made: Generated, place: Path, sizes: list[int], seed: int) -> None:
    bench.say(f"P3 report at {', '.join(f'{s:,}' for s in sizes)} sites")
    ratio = len(made.files) / made.sites
    results = {}
    for size in sizes:
        if size == made.sites:
            here, state = made, place / "state"
        else:
            here = make_set(bench, size, round(size * ratio), seed)
            run, where = fill(bench, here, f"p3-fill-{size}", bare=False)
            files = sum(r["files"] for r in run.result["rounds"])
            seconds = sum(r["intake"] for r in run.result["rounds"])
            bench.say(f"  filled the {size:,}-site ledger: {files / seconds:.1f} files/s")
            state = where / "state"
        outbox = bench.work / "runs" / f"p3-outbox-{size}"
        argv = ["report", "--plan", str(here.plan), "--state", str(state), "--outbox",
                str(outbox), "--as-of", here.report_day.isoformat(), "--no-pdf"]  # fmt: skip
        found = bench.cli(f"p3-report-{size}", argv, clear=[state / "cache", outbox])
        results[size] = found
        bench.rows.append(
            Row(
                f"P3 report, {size:,} sites",
                f"{found['work']:.2f} s beyond imports ({_extra(found)})",
                f"`import flows.cli` {found['baseline']:.2f} s",
                found["rss_kib"],
                "≤ 30 s, ≤ 1 GiB",
                at_most(found["work"], 30, "s")
                + "; "
                + at_most(found["rss_kib"] / 1024, 1024, "MiB"),
            )
        )
    if len(sizes) >= 2:
        small, large = sizes[-2], sizes[-1]
        growth = results[large]["work"] / results[small]["work"]
        memory = results[large]["rss_kib"] / results[small]["rss_kib"]
        linear = large / small
        bench.rows.append(
            Row(
                f"P3 growth {small:,} → {large:,} sites",
                f"time ×{growth:.2f}, peak RSS ×{memory:.2f}",
                "",
                None,
                f"≈ ×{linear:.1f} (linear)",
                "linear or better"
                if growth <= linear * 1.15
                else f"worse than linear (×{growth / linear:.2f} of linear)",
            )
        )
        bench.raw["p3_growth"] = {"time": growth, "rss": memory, "linear": linear}


def p2(bench: Bench, letters: int, naive: int, seed: int) -> None:
    made = make_set(bench, letters, 0, seed)
    day = made.letter_day.isoformat()
    bench.say(f"P2 remind writing {letters:,} letters on {day} against a naive loop")
    naive_runs: list[float] = []
    places: list[Path] = []

    def fresh(attempt: int) -> dict[str, Any]:
        place = bench.work / "runs" / f"p2-{attempt}"
        shutil.rmtree(place, ignore_errors=True)
        places.append(place)
        try:
            run = step("naive", bench.log("p2-naive"), plan=str(made.plan), day=day,
                       letters=min(naive, letters))  # fmt: skip
            naive_runs.append(run.result["seconds"] / run.result["letters"])
        except RuntimeError as failure:
            bench.say(f"  naive baseline unavailable: {str(failure).splitlines()[0]}")
        return {
            "argv": ["--state", str(place / "state"), "--outbox", str(place / "outbox")],
            "count": str(place / "outbox"),
        }

    argv = ["remind", "--plan", str(made.plan), "--as-of", day, "--no-pdf"]
    found = bench.cli("p2-remind", argv, fresh=fresh)
    written = max((d or 0) for d in found["docx"])
    per_letter = found["work"] / max(written, 1)
    naive_text = ""
    if naive_runs:
        naive_each = statistics.median(naive_runs)
        naive_text = (
            f"naive {naive_each * letters:.1f} s ({naive_each * 1000:.1f} ms/letter, "
            f"{min(naive, letters)} rendered and scaled); ratio "
            f"{per_letter / naive_each:.2f}"
        )
        bench.say(f"  {naive_text}")
    bench.raw["p2"] = {"naive_per_letter": naive_runs, "written": found["docx"]}
    bench.rows.append(
        Row(
            f"P2 remind, {letters:,} letters (+ their blank forms)",
            f"{found['work']:.1f} s ({per_letter * 1000:.1f} ms/letter, {written:,} .docx)",
            naive_text,
            found["rss_kib"],
            "—",
            "",
        )
    )
    for place in places:
        shutil.rmtree(place, ignore_errors=True)


def p5(bench: Bench) -> None:
    bench.say("P5 the demo cycle as a Prefect flow against a trivial flow (ephemeral mode)")
    run = step("cycle", bench.log("p5"), work=str(bench.work / "runs" / "p5"), repeat=bench.repeat)
    trivial = statistics.median(run.result["trivial"])
    cycle = statistics.median(run.result["cycle"])
    bench.raw["p5"] = {**run.result, "rss_kib": run.rss_kib}
    bench.say(
        f"  first flow (server start) {run.result['first']:.1f} s; trivial {trivial:.2f} s; "
        f"cycle {cycle:.2f} s"
    )
    bench.rows.append(
        Row(
            "P5 demo cycle (Prefect flow)",
            f"{cycle:.2f} s ({cycle / trivial:.2f}× the trivial flow)",
            f"trivial flow {trivial:.2f} s",
            run.rss_kib,
            "—",
            "",
        )
    )


def p6(bench: Bench) -> None:
    """The largest peak RSS of all the steps."""
    measured = [row for row in bench.rows if row.rss_kib is not None]
    if not measured:
        return
    largest = max(measured, key=lambda row: row.rss_kib or 0)
    kib = largest.rss_kib or 0
    bench.rows.append(
        Row(
            "P6 peak RSS, largest step",
            f"{kib / 1024:.0f} MiB ({largest.step})",
            "",
            None,
            "≤ 1 GiB",
            rss_verdict(kib),
        )
    )


def table(rows: list[Row]) -> str:
    lines = [
        "| step | measured | baseline (same run) | peak RSS | target | verdict |",
        "| --- | --- | --- | --- | --- | --- |",
    ]
    for row in rows:
        rss = mib(row.rss_kib)
        verdict = row.verdict
        if row.rss_kib is not None and row.rss_kib > GIB // 1024:
            verdict += f"; RSS {rss_verdict(row.rss_kib)}"
        lines.append(
            f"| {row.step} | {row.value} | {row.baseline} | {rss} | {row.target} | {verdict} |"
        )
    return "\n".join(lines)


def machine() -> str:
    memory = ""
    try:
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemTotal"):
                memory = f"{int(line.split()[1]) / 1024 / 1024:.1f} GiB RAM"
    except OSError:
        pass
    return f"{os.cpu_count()} cores, {memory}, Python {sys.version.split()[0]}"


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--sites", type=int, default=3000)
    parser.add_argument("--files", type=int, default=4000)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--letters", type=int, default=300)
    parser.add_argument("--naive", type=int, default=100)
    parser.add_argument("--report-sizes", type=lambda s: [int(x) for x in s.split(",")])
    parser.add_argument("--steps", default="p1,lookup,p4,p3,p2,p5,p7")
    parser.add_argument("--seed", type=int, default=2026)
    parser.add_argument("--work", type=Path)
    parser.add_argument("--keep", action="store_true", help="keep the work folder")
    parser.add_argument("--generate-only", action="store_true")
    parser.add_argument("--json", type=Path, help="write every raw figure here")
    args = parser.parse_args()
    work = args.work or Path(tempfile.mkdtemp(prefix="mohinh-national-"))
    work.mkdir(parents=True, exist_ok=True)
    bench = Bench(work, args.repeat)
    steps = set(args.steps.split(","))
    started = time.perf_counter()
    bench.say(f"mohinh national benchmark: {machine()}; work folder {work}")
    # Commands run from byte-code, as an installed package does (pip compiles at install);
    # with PYTHONDONTWRITEBYTECODE set, every module the commands import would be compiled
    # from source in every run and counted as their work.
    compileall.compile_dir(Path(__file__).resolve().parent.parent / "flows", quiet=1)
    try:
        made = make_set(bench, args.sites, args.files, args.seed)
        if args.generate_only:
            bench.say(f"plan: {made.plan}")
            return
        place = p1(bench, made) if steps & {"p1", "p4", "p3", "p7"} else work
        if "lookup" in steps:
            lookup(bench, made)
        if "p4" in steps:
            p4(bench, made, place)
        if "p3" in steps:
            p3(bench, made, place, args.report_sizes or report_sizes(args.sites), args.seed)
        if "p2" in steps:
            p2(bench, args.letters, args.naive, args.seed)
        if "p5" in steps:
            p5(bench)
        if "p7" in steps:
            p7(bench, made, place)
    finally:
        p6(bench)
        total = time.perf_counter() - started
        bench.say(f"\n{date.today():%Y-%m-%d}, {machine()}, whole run {total / 60:.1f} min\n")
        bench.say(table(bench.rows))
        if args.json:
            args.json.write_text(json.dumps(bench.raw, indent=1, default=str))
        if not args.keep and not args.work:
            shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    if len(sys.argv) == 4 and sys.argv[1] == "_step":
        STEPS[sys.argv[2]](**json.loads(sys.argv[3]))
    else:
        main()
