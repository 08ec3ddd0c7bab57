"""The report of a plan with many sites: tables per model and per unit above the sites in the
.docx, every site in the workbook (read back with python-docx and openpyxl)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path

import openpyxl
import pytest

from flows.documents import areas as areas_module
from flows.documents import service
from flows.documents import status as standing
from flows.documents.areas import DETAIL_SITES
from flows.documents.report import Report
from flows.documents.status import Evidence, Matrix, Refused, build_matrix
from flows.intake.ledger import StoredRecord
from flows.plan import Plan, load_plan_text
from tests.test_documents import docx_text
from tests.test_printing import assert_only_total_formulas

PROVINCES = ["Tỉnh Một", "Tỉnh Hai", "Tỉnh Ba"]
DISTRICTS = 4  # per province; the first of each is "Huyện Châu Thành"
COMMUNES = 20  # per district: 240 sites
AS_OF = date(2027, 11, 27)
FORMULA_NOTE, FORMULA_RESULT = "=1+1", "=SUM(A1:A3)"


def plan_text(flat: bool = False) -> str:
    """Communes under districts under provinces (or, ``flat``, right under the root)."""
    units, sites, n = [], [], 0
    for p, province in enumerate(PROVINCES, start=1):
        units.append(f"    - name: {province}\n      children:")
        for d in range(DISTRICTS):
            district = "Huyện Châu Thành" if d == 0 else f"Huyện Số {p}{d}"
            units.append(f"        - name: {district}\n          children:")
            for _ in range(COMMUNES):
                n += 1
                units.append(f"            - name: Xã Số {n:03d}")
                model = "M1" if n % 2 else "M2"
                sites.append(f"  - {{id: xa-{n:03d}, unit: Xã Số {n:03d}, model: {model}}}")
    if flat:
        units = [f"    - name: Xã Số {i:03d}" for i in range(1, n + 1)]
    unit_lines, site_lines = "\n".join(units), "\n".join(sites)
    return f"""
campaign: {{id: vung-thu-2027, title: Kế hoạch nhân rộng mô hình năm 2027}}
issuer:
  parent: ỦY BAN MTTQ VIỆT NAM
  name: BAN THƯỜNG TRỰC
  place: Hà Nội
  signer: {{authority: TM. BAN THƯỜNG TRỰC, title: PHÓ CHỦ TỊCH}}
  documents:
    reminder: {{symbol: CV-MTTQ}}
    report: {{symbol: BC-MTTQ}}
models:
  - {{code: M1, name: Mô hình một}}
  - {{code: M2, name: Mô hình hai}}
units:
  name: Vùng thử
  children:
{unit_lines}
sites:
{site_lines}
milestones:
  - {{id: dang-ky, name: Đăng ký, due: 2027-03-15, form: dang-ky, registration: true}}
  - {{id: bao-cao, name: Báo cáo kết quả, due: 2027-11-20, form: bao-cao}}
forms:
  - id: dang-ky
    title: ĐĂNG KÝ
    columns:
      - {{key: xa, label: Xã, type: unit, required: true}}
      - {{key: so_ho, label: Số hộ tham gia, type: integer}}
      - {{key: ghi_chu, label: Ghi chú, type: text}}
  - id: bao-cao
    title: BÁO CÁO
    columns:
      - {{key: xa, label: Xã, type: unit, required: true}}
      - {{key: so_ho, label: Tổng số hộ, type: integer}}
      - {{key: ket_qua, label: Kết quả, type: text}}
      - {{key: hinh_anh, label: Có hình ảnh, type: yes-no}}
recognition:
  requires: [{{milestone: bao-cao, column: hinh_anh}}]
report:
  sections:
    - {{title: Kết quả thực hiện, columns: [ket_qua], figures: true}}
"""


def evidence(plan: Plan) -> Evidence:
    """Every site registered (every tenth late); of the final reports, a quarter missing, a
    quarter rejected, the rest accepted."""
    records, refused = [], []
    for n, site in enumerate(plan.sites, start=1):
        name = plan.site_name(site)
        day = date(2027, 3, 20) if n % 10 == 0 else date(2027, 3, 10)
        note = FORMULA_NOTE if n == 1 else "ghi chú"
        values = {"xa": name, "so_ho": 100 + n, "ghi_chu": note}
        records.append(StoredRecord(site.id, "dang-ky", 1, day, values, f"{site.id}.xlsx", True))
        if n % 4 == 0:
            continue
        if n % 4 == 1:
            refused.append(Refused([site.id], "bao-cao", date(2027, 11, 18), f"{site.id}-sai.xlsx"))
            continue
        result = FORMULA_RESULT if n == 2 else f"Kết quả của {name}"
        values = {"xa": name, "so_ho": n, "ket_qua": result, "hinh_anh": n % 3 != 0}
        day = date(2027, 11, 18)
        records.append(StoredRecord(site.id, "bao-cao", 1, day, values, f"{site.id}-bc.xlsx", True))
    return Evidence(records, refused)


@dataclass(frozen=True)
class Written:
    plan: Plan
    matrix: Matrix
    text: str
    workbook: Path
    docx: Path


@pytest.fixture(scope="module")
def big_plan() -> Plan:
    return load_plan_text(plan_text(), "vung-thu.yaml", Path("."))


@pytest.fixture(scope="module")
def written(big_plan: Plan, tmp_path_factory: pytest.TempPathFactory) -> Written:
    """``mohinh report`` on the plan, the ledger's evidence replaced by :func:`evidence`."""
    root = tmp_path_factory.mktemp("big")
    found = evidence(big_plan)
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(standing.Evidence, "from_ledger", classmethod(lambda cls, ledger: found))
        run = service.report(
            big_plan, root / "state", root / "outbox", AS_OF, service.DocumentOptions(pdf=False)
        )
    (docx,) = [root / "outbox" / w.path for w in run.written if w.kind == "report"]
    (xlsx,) = [root / "outbox" / w.path for w in run.written if w.kind == "report-workbook"]
    matrix = build_matrix(big_plan, found, AS_OF)
    return Written(big_plan, matrix, docx_text(docx), xlsx, docx)


def test_the_docx_shows_tables_per_unit_not_per_site(written: Written) -> None:
    text = written.text
    assert len(written.plan.sites) > DETAIL_SITES
    assert "Xã Số" not in text  # no site row, no list of names
    assert FORMULA_RESULT not in text
    lines = text.splitlines()
    caption = "Đăng ký (hạn 15/03/2027): số đơn vị theo huyện"
    table = lines[lines.index(caption) + 1 :]
    assert table[0] == "Huyện | Số đơn vị | Đúng hạn | Nộp muộn"
    assert table[1] == "Huyện Châu Thành (Tỉnh Một) | 20 | 18 | 2"
    assert table[2] == "Huyện Số 11 | 20 | 18 | 2"
    assert "Huyện Châu Thành (Tỉnh Ba) | 20 | 18 | 2" in table
    assert table[len(PROVINCES) * DISTRICTS + 1] == "Tổng cộng | 240 | 216 | 24"
    caption = "Báo cáo kết quả (hạn 20/11/2027): số đơn vị theo mô hình"
    table = lines[lines.index(caption) + 1 :]
    assert table[0] == "Mô hình | Số đơn vị | Đúng hạn | Bị trả lại | Quá hạn"
    assert table[3] == "Tổng cộng | 240 | 120 | 60 | 60"
    accepted = [n for n in range(1, 241) if n % 4 in (2, 3)]
    caption = "Báo cáo kết quả: theo huyện"
    table = lines[lines.index(caption) + 1 :]
    assert table[0] == "Huyện | Số đơn vị | Tổng số hộ"
    total = f"{sum(accepted):,}".replace(",", ".")
    assert table[len(PROVINCES) * DISTRICTS + 1] == f"Tổng cộng | {len(accepted)} | {total}"
    for sentence in [
        "Vì kế hoạch có nhiều đơn vị, các bảng của báo cáo này tổng hợp theo mô hình và theo huyện",
        f"{len(accepted)} đơn vị có nội dung ở mục này; nội dung của từng đơn vị: xem trang "
        "“Dữ liệu bao-cao” (cột “Kết quả”) của bảng tính kèm theo.",
        "xem trang “Tình trạng” của bảng tính kèm theo",
        "- Báo cáo kết quả (hạn 20/11/2027): 60 đơn vị chưa gửi, 60 đơn vị có tệp bị trả lại, "
        "chưa gửi lại; quá hạn 7 ngày",
        "- Đăng ký: 24 đơn vị nộp muộn (muộn 5 ngày)",
        "- Chưa có 'Báo cáo kết quả' (quá hạn, chưa nộp): 60 đơn vị.",
        "- Danh sách từng đơn vị và lý do: xem trang “Công nhận” của bảng tính kèm theo.",
    ]:
        assert sentence in text, sentence


def test_the_workbook_keeps_every_site(written: Written) -> None:
    book = openpyxl.load_workbook(written.workbook)
    names = [written.plan.site_name(s) for s in written.plan.sites]
    ws = book["Tình trạng"]
    assert ws.max_row == 2 + len(names)
    assert [c.value for c in ws[2]][:3] == ["Tỉnh", "Huyện", "Đơn vị"]
    assert [ws.cell(i, 3).value for i in range(3, ws.max_row + 1)] == names
    assert [ws.cell(3, j).value for j in (1, 2)] == ["Tỉnh Một", "Huyện Châu Thành"]
    assert ws["A2"].font.b and ws["A2"].fill.fgColor.rgb == "FFDDEBF7"
    assert ws["A3"].border.left.style == "thin" and ws["A3"].alignment.wrap_text
    assert ws.freeze_panes == "A3"
    assert ws.auto_filter.ref == f"A2:{ws.cell(2, ws.max_column).column_letter}{ws.max_row}"
    assert book["Công nhận"].max_row == 2 + len(names)
    data = book["Dữ liệu dang-ky"]
    cells = {c.value: c for row in data.iter_rows(min_row=3) for c in row}
    assert cells[FORMULA_NOTE].data_type == "s" and cells[FORMULA_NOTE].quotePrefix
    assert not cells["ghi chú"].quotePrefix
    assert data.cell(2, 4).value == "Ngày nhận"
    assert data.cell(3, 4).value == datetime(2027, 3, 10)  # a date, not its text
    assert data.cell(3, 4).number_format == "dd/mm/yyyy"
    data = book["Dữ liệu bao-cao"]
    cells = {c.value: c for row in data.iter_rows(min_row=3) for c in row}
    assert cells[FORMULA_RESULT].data_type == "s" and cells[FORMULA_RESULT].quotePrefix
    assert assert_only_total_formulas(book) > 0  # the totals, and nothing a site wrote


def test_up_to_the_threshold_the_docx_shows_every_site(written: Written) -> None:
    plan, matrix = written.plan, written.matrix
    small = Report(plan, Matrix(plan, AS_OF, matrix.rows[:DETAIL_SITES]))
    assert small.detailed
    assert "Xã Số 060" in small.context()["status_table"]
    big = Report(plan, Matrix(plan, AS_OF, matrix.rows[: DETAIL_SITES + 1]))
    assert not big.detailed
    assert "Xã Số" not in big.context()["status_table"]


def test_too_many_units_above_the_sites_group_them_one_level_higher(
    written: Written, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(areas_module, "AREA_ROWS", len(PROVINCES))
    grouping = Report(written.plan, written.matrix).areas.grouping
    assert grouping is not None
    assert (grouping.label, grouping.names) == ("tỉnh", PROVINCES)


def test_sites_right_below_the_root_have_no_unit_tables() -> None:
    plan = load_plan_text(plan_text(flat=True), "phang.yaml", Path("."))
    built = Report(plan, build_matrix(plan, evidence(plan), AS_OF))
    assert built.areas.grouping is None and built.areas.headers == []
    tables = built.context()["status_table"]
    assert "theo mô hình" in tables and "Xã Số" not in tables
    assert built.workbook()[0].header[0] == "Đơn vị"


@pytest.mark.slow
@pytest.mark.usefixtures("libreoffice")
def test_libreoffice_lays_out_the_big_report(written: Written, tmp_path: Path) -> None:
    from flows.documents.pdf import convert

    copy = tmp_path / "tong-hop.docx"
    copy.write_bytes(written.docx.read_bytes())
    converted, problems = convert([copy])
    assert problems == []
    assert converted[copy].read_bytes().startswith(b"%PDF")
