"""The consolidated report at national size: time and peak memory of each step of ``report``
at 1,000, 3,000 and 10,000 sites.

    .venv/bin/python bench/report_size.py [--sites 1000 3000 10000]

The plan is synthetic and built in memory: communes as sites under a three-level tree (the
country, 63 provinces, 714 districts at 10,000 sites, fewer at smaller sizes), five models,
four milestones whose forms have numbers, dates, yes-no answers and free text. The matrix is
built directly, a week after the last due date: most reports accepted (some late), some
overdue, some rejected, every accepted report with values, a few texts starting with ``=``.
``build_matrix`` is not measured (it is another piece of work).

Each size runs in a child process, which times the steps and reads its own peak RSS after
each (the high-water mark so far: building plan and matrix, ``Report`` and its context, the
chart, rendering the .docx, writing the .xlsx); the parent reads the child's overall peak with
``getrusage(RUSAGE_CHILDREN)`` (the largest child so far: sizes run smallest first). CPU
seconds are shown beside wall-clock ones, which a busy machine inflates. Targets at 10,000
sites: report (docx + xlsx) <= 30 s and <= 1 GiB, time linear in sites.
"""

from __future__ import annotations

import argparse
import json
import random
import resource
import subprocess
import sys
import tempfile
import time
from datetime import date, timedelta
from pathlib import Path
from typing import Any

from flows.documents.report import CHART_IMAGE, Report
from flows.documents.service import TEMPLATE_FILES, TEMPLATES, DocumentOptions, load_template
from flows.documents.status import Cell, Matrix, SiteRow, State
from flows.documents.workbooks import write_workbook
from flows.plan import Plan

PROVINCES = 63
DISTRICTS_PER_10K = 714
MODELS = ["BVMT", "ANTT", "NTM", "TTND", "VMVT"]
START = date(2027, 3, 1)
WORDS = (
    "Ban công tác Mặt trận phối hợp chi bộ, trưởng khu dân cư tổ chức họp dân, phổ biến quy "
    "ước, vận động các hộ ký cam kết thực hiện; duy trì tổ tự quản, kiểm tra định kỳ hằng tháng"
)


def _text(rng: random.Random, words: int) -> str:
    known = WORDS.split()
    start = rng.randrange(len(known))
    picked = [known[(start + i) % len(known)] for i in range(words)]
    return " ".join(picked).capitalize() + "."


def _columns(spec: str) -> list[dict[str, Any]]:
    kinds = {"i": "integer", "n": "number", "t": "text", "d": "date", "y": "yes-no"}
    columns = [{"key": "don_vi", "label": "Xã, phường, thị trấn", "type": "unit"}]
    for item in spec.split():
        kind, key, label = item.split(":", 2)
        columns.append({"key": key, "label": label.replace("_", " "), "type": kinds[kind]})
    return columns


FORMS = {
    "dang-ky": "i:so_kdc:Số_khu_dân_cư i:so_ho:Số_hộ_tham_gia t:nguoi_lien_he:Người_liên_hệ",
    "hoi-nghi": (
        "d:ngay:Ngày_tổ_chức i:so_dai_bieu:Số_đại_biểu y:nghi_quyet:Có_nghị_quyết "
        "i:so_ho_cam_ket:Số_hộ_ký_cam_kết n:kinh_phi:Kinh_phí_(đồng)"
    ),
    "so-ket": "t:ket_qua:Kết_quả t:kho_khan:Khó_khăn t:de_xuat:Đề_xuất",
    "bao-cao": (
        "i:so_kdc:Số_khu_dân_cư i:so_ho:Tổng_số_hộ i:so_ho_cam_ket:Số_hộ_ký_cam_kết "
        "t:chi_dao:Chỉ_đạo t:ket_qua:Kết_quả t:dien_hinh:Tiêu_biểu t:phuong_huong:Phương_hướng "
        "y:hinh_anh:Có_hình_ảnh y:xac_nhan:Có_xác_nhận_cấp_ủy"
    ),
}


def synthetic_plan(sites: int) -> Plan:
    """A national plan: ``sites`` communes under provinces and districts."""
    districts = max(1, round(sites * DISTRICTS_PER_10K / 10_000))
    provinces = min(PROVINCES, districts)
    tree: list[dict[str, Any]] = [
        {"name": f"Tỉnh Số {p + 1:02d}", "children": []} for p in range(provinces)
    ]
    places: list[list[dict[str, Any]]] = []
    for d in range(districts):
        district: dict[str, Any] = {"name": f"Huyện Số {d + 1:03d}", "children": []}
        tree[d % provinces]["children"].append(district)
        places.append(district["children"])
    site_list = []
    for s in range(sites):
        name = f"Xã Tân Hòa {s + 1:05d}"
        places[s % districts].append({"name": name})
        site_list.append({"id": f"xa-{s + 1:05d}", "unit": name, "model": MODELS[s % 5]})
    milestones = [
        {
            "id": form,
            "name": f"Báo cáo {form}",
            "due": str(START + timedelta(days=60 * (i + 1))),
            "form": form,
            "registration": i == 0,
        }
        for i, form in enumerate(FORMS)
    ]
    return Plan.model_validate(
        {
            "campaign": {"id": "toan-quoc-2027", "title": "Kế hoạch nhân rộng mô hình năm 2027"},
            "issuer": {
                "parent": ["ỦY BAN TRUNG ƯƠNG", "MẶT TRẬN TỔ QUỐC VIỆT NAM"],
                "name": "BAN THƯỜNG TRỰC",
                "place": "Hà Nội",
                "signer": {"authority": "TM. BAN THƯỜNG TRỰC", "title": "PHÓ CHỦ TỊCH"},
                "documents": {"report": {"symbol": "BC-MTTW"}},
            },
            "models": [{"code": c, "name": f"Mô hình tự quản {c}"} for c in MODELS],
            "units": {"name": "Việt Nam", "children": tree},
            "sites": site_list,
            "milestones": milestones,
            "forms": [
                {
                    "id": form,
                    "title": f"BIỂU {form.upper()}",
                    "site_column": "don_vi",
                    "columns": _columns(spec),
                }
                for form, spec in FORMS.items()
            ],
            "recognition": {"requires": [{"milestone": "bao-cao", "column": "hinh_anh"}]},
            "report": {
                "sections": [
                    {"title": "Công tác chỉ đạo, triển khai", "columns": ["chi_dao"]},
                    {
                        "title": "Kết quả thực hiện",
                        "columns": ["ket_qua", "dien_hinh"],
                        "figures": True,
                    },
                    {"title": "Khó khăn, hạn chế", "columns": ["kho_khan"]},
                    {"title": "Phương hướng, đề xuất", "columns": ["phuong_huong", "de_xuat"]},
                ]
            },
        }
    )


def _values(plan: Plan, form_id: str, name: str, rng: random.Random) -> dict[str, Any]:
    form = plan.form_by_id(form_id)
    assert form is not None
    values: dict[str, Any] = {}
    for column in form.columns:
        if column.type == "unit":
            values[column.key] = name
        elif column.type == "integer":
            values[column.key] = rng.randrange(1, 2000)
        elif column.type == "number":
            values[column.key] = rng.randrange(0, 50_000_000) / 2
        elif column.type == "date":
            values[column.key] = str(START + timedelta(days=rng.randrange(200)))
        elif column.type == "yes-no":
            values[column.key] = rng.random() < 0.85
        else:
            text = _text(rng, rng.randrange(10, 45))
            values[column.key] = "=" + text if rng.random() < 0.01 else text
    return values


def synthetic_matrix(plan: Plan) -> Matrix:
    """Where every site stands a week after the last due date."""
    rng = random.Random(2027)
    as_of = max(m.due for m in plan.milestones) + timedelta(days=7)
    rows = []
    for site in plan.sites:
        name = plan.site_name(site)
        cells = {}
        for milestone in plan.milestones:
            draw, due = rng.random(), milestone.due
            state: State = (
                "submitted"
                if draw < 0.7
                else "late"
                if draw < 0.8
                else "overdue"
                if draw < 0.93
                else "rejected"
            )
            if state in ("submitted", "late"):
                day = due + timedelta(days=rng.randrange(-10, 0) if state == "submitted" else 3)
                file = f"{site.id}-{milestone.id}.xlsx"
                values = _values(plan, milestone.form, name, rng)
                cells[milestone.id] = Cell(state, due, day, values, file)
            elif state == "rejected":
                cells[milestone.id] = Cell(state, due, rejected_files=[f"{site.id}-sai.xlsx"])
            else:
                cells[milestone.id] = Cell(state, due)
        rows.append(SiteRow(site, name, site.model, cells))
    return Matrix(plan, as_of, rows)


def _peak_mib() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


class Steps:
    """Seconds (wall clock and CPU) of each step, and the peak RSS after it."""

    def __init__(self) -> None:
        self.done: dict[str, tuple[float, float, float]] = {}
        self._wall, self._cpu = time.perf_counter(), time.process_time()

    def end(self, name: str) -> None:
        wall, cpu = time.perf_counter(), time.process_time()
        self.done[name] = (wall - self._wall, cpu - self._cpu, _peak_mib())
        self._wall, self._cpu = wall, cpu


def measure(sites: int) -> dict[str, Any]:
    """The child: every step of ``report`` once."""
    steps = Steps()
    plan = synthetic_plan(sites)
    matrix = synthetic_matrix(plan)
    template = load_template(DocumentOptions(), "report")
    steps.end("plan, matrix")
    built = Report(plan, matrix)
    context = built.context()
    steps.end("Report, context")
    chart = built.chart(None)
    steps.end("chart")
    docx = template.render(context, {CHART_IMAGE: chart})
    size_docx = len(docx)
    del docx, context
    steps.end("render .docx")
    with tempfile.TemporaryDirectory() as folder:
        steps.end("")
        write_workbook(Path(folder) / "tong-hop.xlsx", built.workbook())
        steps.end("write .xlsx")
        size_xlsx = (Path(folder) / "tong-hop.xlsx").stat().st_size
    steps.done.pop("")
    return {"steps": steps.done, "docx": size_docx, "xlsx": size_xlsx}


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--sites", type=int, nargs="+", default=[1000, 3000, 10_000])
    parser.add_argument("--child", type=int, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        print(json.dumps(measure(args.child)))
        return
    print(f"report at national size ({TEMPLATES / TEMPLATE_FILES['report']})")
    print(f"{'sites':>6}  {'step':<16} {'wall s':>8} {'CPU s':>8} {'peak MiB':>9}")
    for sites in args.sites:
        done = subprocess.run(
            [sys.executable, __file__, "--child", str(sites)],
            capture_output=True,
            text=True,
            check=True,
        )
        result = json.loads(done.stdout)
        peak = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
        steps = result["steps"]
        for name, (wall, cpu, mib) in steps.items():
            print(f"{sites:>6}  {name:<16} {wall:8.2f} {cpu:8.2f} {mib:9.0f}")
        wall = sum(w for name, (w, _, _) in steps.items() if name != "plan, matrix")
        cpu = sum(c for name, (_, c, _) in steps.items() if name != "plan, matrix")
        print(
            f"{sites:>6}  {'report in all':<16} {wall:8.2f} {cpu:8.2f} {peak:9.0f}"
            f"  (.docx {result['docx'] / 2**20:.1f} MiB, .xlsx {result['xlsx'] / 2**20:.1f} MiB;"
            f" {cpu / sites * 1000:.2f} ms CPU/site)"
        )


if __name__ == "__main__":
    main()
