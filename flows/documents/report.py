"""The consolidated report (báo cáo tổng hợp) as of a day, and its companion workbook.

The outline is the plan's (``report.sections``, by default the usual five parts of a Front
report): under each heading, the free text the sites wrote in the columns the plan names,
site by site; under the figures heading, tables per model and per site of every number the
forms collect. Then where every site stands, who is late or missing, who is ready for
inspection and recognition and why not, and a chart. The .xlsx holds the same tables and
every accepted value.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any
from xml.sax.saxutils import escape

from markupsafe import Markup

from flows.documents.letterhead import letterhead, short_date
from flows.documents.render import Paragraphs
from flows.documents.status import SHORT_STATE, STATE_WORDS, Matrix, SiteRow, State
from flows.documents.wordml import table_xml
from flows.documents.workbooks import SheetTable
from flows.plan import Plan
from flows.plan.schema import Column, Form, Milestone

CHART_IMAGE = "word/media/image1.png"
CHART_LEGEND: list[tuple[str, str, str]] = [
    ("submitted", "Đúng hạn", "#2e7d32"),
    ("late", "Nộp muộn", "#f9a825"),
    ("rejected", "Bị trả lại", "#c62828"),
    ("overdue", "Quá hạn", "#6d1b1b"),
    ("due_soon", "Sắp đến hạn", "#1565c0"),
    ("not_due", "Chưa đến hạn", "#b0bec5"),
]
ROMAN = ["I", "II", "III", "IV", "V", "VI", "VII", "VIII", "IX", "X", "XI", "XII"]
NUMERIC = ("integer", "number")
ENTRY_CHARACTERS = 3000  # of a site's text under one heading
ACCEPTED: tuple[State, ...] = ("submitted", "late")


def roman(number: int) -> str:
    """1 -> ``I``; beyond twelve headings, plain digits."""
    return ROMAN[number - 1] if number <= len(ROMAN) else str(number)


def shown_value(value: Any) -> str:
    """A stored value as Vietnamese write it: ``1.234``, ``2,5``, ``Có``, ``05/09/2017``."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "Có" if value else "Không"
    if isinstance(value, int):
        return f"{value:,}".replace(",", ".")
    if isinstance(value, float):
        if value.is_integer():
            return shown_value(int(value))
        whole, _, fraction = f"{value:,.2f}".rstrip("0").partition(".")
        return whole.replace(",", ".") + ("," + fraction if fraction else "")
    if isinstance(value, str) and len(value) == 10 and value[4] == "-" and value[7] == "-":
        try:
            return short_date(date.fromisoformat(value))
        except ValueError:
            return value
    return str(value)


@dataclass(frozen=True)
class Readiness:
    """Whether a site is ready for inspection and recognition, and if not, why."""

    site: str
    ready: bool
    reasons: list[str]


def readiness(plan: Plan, row: SiteRow) -> Readiness:
    """Registered, every milestone accepted, and every required yes-no column says yes."""
    reasons = []
    for milestone in plan.milestones:
        cell = row.cells.get(milestone.id)
        if cell is None or cell.state in ACCEPTED:
            continue
        what = "chưa đăng ký" if milestone.registration else f"chưa có '{milestone.name}'"
        reasons.append(f"{what} ({cell.words})")
    for requirement in plan.recognition.requires:
        cell = row.cells.get(requirement.milestone)
        if cell is None or cell.values is None:
            continue
        milestone = _milestone(plan, requirement.milestone)
        form = plan.form_by_id(milestone.form)
        column = form.column(requirement.column) if form else None
        if column and cell.values.get(requirement.column) is not True:
            reasons.append(f"thiếu: {column.label}")
    return Readiness(row.name, not reasons, reasons)


def _milestone(plan: Plan, milestone_id: str) -> Milestone:
    return next(m for m in plan.milestones if m.id == milestone_id)


def _numeric_columns(form: Form) -> list[Column]:
    return [c for c in form.columns if c.type in NUMERIC]


class Report:
    """Everything the report shows, computed once from the plan and the matrix."""

    def __init__(self, plan: Plan, matrix: Matrix) -> None:
        self.plan, self.matrix = plan, matrix
        self.readiness = [readiness(plan, row) for row in matrix.rows]

    # --- figures ---------------------------------------------------------------------------

    def counts(self, milestone: Milestone) -> dict[str, int]:
        """How many sites are in each state for ``milestone``."""
        found: dict[str, int] = {}
        for row in self.matrix.rows:
            cell = row.cells.get(milestone.id)
            if cell is not None:
                found[cell.state] = found.get(cell.state, 0) + 1
        return found

    def overview(self) -> str:
        """The headline figures in one paragraph."""
        cells = [c for row in self.matrix.rows for c in row.cells.values()]
        by_state = {s: sum(1 for c in cells if c.state == s) for s in STATE_WORDS}
        accepted = by_state["submitted"] + by_state["late"]
        ready = sum(1 for r in self.readiness if r.ready)
        return (
            f"Kế hoạch gồm {len(self.matrix.rows)} đơn vị, {len(self.plan.milestones)} mốc báo "
            f"cáo, tổng cộng {len(cells)} báo cáo phải gửi. Đến ngày "
            f"{short_date(self.matrix.as_of)}, đã nhận {accepted} báo cáo "
            f"({by_state['submitted']} đúng hạn, {by_state['late']} muộn); "
            f"{by_state['overdue']} quá hạn chưa gửi; {by_state['rejected']} bị trả lại chưa "
            f"gửi lại; {by_state['due_soon'] + by_state['not_due']} chưa đến hạn. "
            f"{ready}/{len(self.readiness)} đơn vị đủ điều kiện kiểm tra, công nhận."
        )

    def figure_tables(self) -> list[tuple[str, list[str], list[list[Any]], int]]:
        """(title, header, rows, total rows) per milestone with numbers: per model, then per
        site, each closed by a total."""
        tables = []
        for milestone in self.plan.milestones:
            form = self.plan.form_by_id(milestone.form)
            columns = _numeric_columns(form) if form else []
            rows = [r for r in self.matrix.rows if _values(r, milestone) is not None]
            if not columns or not rows:
                continue
            labels = [c.label for c in columns]
            totals = [_total(rows, milestone, c.key) for c in columns]
            if self.plan.models:
                by_model = []
                for model in self.plan.models:
                    group = [r for r in rows if r.model == model.code]
                    if group:
                        sums = [_total(group, milestone, c.key) for c in columns]
                        by_model.append([model.name, len(group), *sums])
                tables.append(
                    (
                        f"{milestone.name}: theo mô hình",
                        ["Mô hình", "Số đơn vị", *labels],
                        [*by_model, ["Tổng cộng", len(rows), *totals]],
                        1,
                    )
                )
            per_site: list[list[Any]] = [
                [r.name, *[_values(r, milestone).get(c.key) for c in columns]]  # type: ignore[union-attr]
                for r in rows
            ]
            tables.append(
                (
                    f"{milestone.name}: theo đơn vị",
                    ["Đơn vị", *labels],
                    [*per_site, ["Tổng cộng", *totals]],
                    1,
                )
            )
        return tables

    def status_rows(self) -> tuple[list[str], list[list[Any]]]:
        """The status matrix as text: a row per site, a column per milestone."""
        header = ["Đơn vị"] + [f"{m.name}\n(hạn {short_date(m.due)})" for m in self.plan.milestones]
        rows: list[list[Any]] = []
        for row in self.matrix.rows:
            line = [row.name]
            for milestone in self.plan.milestones:
                cell = row.cells.get(milestone.id)
                if cell is None:
                    line.append("—")
                elif cell.received:
                    line.append(f"{SHORT_STATE[cell.state]}\n{short_date(cell.received)}")
                else:
                    line.append(SHORT_STATE[cell.state])
            rows.append(line)
        return header, rows

    def late(self) -> list[str]:
        """Reports received after their due date."""
        found = []
        for row in self.matrix.rows:
            for milestone in self.plan.milestones:
                cell = row.cells.get(milestone.id)
                if cell and cell.state == "late" and cell.received:
                    days = (cell.received - cell.due).days
                    found.append(
                        f"{row.name} — {milestone.name}: nộp ngày {short_date(cell.received)}, "
                        f"muộn {days} ngày"
                    )
        return found

    def missing(self) -> list[str]:
        """Reports past their due date and not accepted."""
        found = []
        for row in self.matrix.rows:
            for milestone in self.plan.milestones:
                cell = row.cells.get(milestone.id)
                if cell and cell.state in ("overdue", "rejected") and self.matrix.as_of > cell.due:
                    days = (self.matrix.as_of - cell.due).days
                    what = "có tệp bị trả lại, chưa gửi lại" if cell.rejected_files else "chưa gửi"
                    found.append(
                        f"{row.name} — {milestone.name} (hạn {short_date(cell.due)}): "
                        f"{what}, quá hạn {days} ngày"
                    )
        return found

    def sections(self) -> list[dict[str, Any]]:
        """The plan's outline with each site's text under its heading."""
        found = []
        for number, section in enumerate(self.plan.report.sections, start=1):
            entries = []
            for row in self.matrix.rows:
                pieces = []
                for milestone in self.plan.milestones:
                    values = _values(row, milestone) or {}
                    for key in section.columns:
                        text = shown_value(values.get(key)).strip()
                        if text:
                            pieces.append((milestone.name, text))
                if pieces:
                    several = len({name for name, _ in pieces}) > 1
                    lines = []
                    for name, piece in pieces:
                        first, *rest = piece.splitlines()
                        lines += [f"({name}) {first}" if several else first, *rest]
                    entries.append({"site": row.name, "text": Paragraphs(_cut(lines))})
            tables = []
            if section.figures:
                for title, header, rows, totals in self.figure_tables():
                    shown = [[shown_value(v) for v in r] for r in rows]
                    tables.append(_titled_table(title, header, shown, totals))
            intro = "" if entries or tables else "Chưa có nội dung từ báo cáo của các đơn vị."
            found.append(
                {
                    "heading": f"{roman(number)}. {section.title.upper()}",
                    "intro": intro,
                    "tables": tables,
                    "entries": entries,
                }
            )
        return found

    # --- documents -------------------------------------------------------------------------

    def context(self) -> dict[str, Any]:
        """The variables of ``templates/report.docx``."""
        plan, as_of = self.plan, self.matrix.as_of
        header, rows = self.status_rows()
        widths = _widths(len(header), first=4.0)
        return letterhead(plan, "report", as_of) | {
            "summary_title": (
                f"Kết quả thực hiện {plan.campaign.title} (tính đến ngày {short_date(as_of)})"
            ),
            "overview": self.overview(),
            "sections": self.sections(),
            "status_table": table_xml(header, rows, widths, font_size=10),
            "late": self.late(),
            "missing": self.missing(),
            "ready": [r.site for r in self.readiness if r.ready],
            "not_ready": [
                {"site": r.site, "reasons": "; ".join(r.reasons)}
                for r in self.readiness
                if not r.ready
            ],
        }

    def chart(self, cache: Path | None) -> bytes:
        """Stacked bars: how many sites stand where, milestone by milestone."""
        from flows.documents.chart import status_chart  # matplotlib: only when drawing

        rows = [(m.name, self.counts(m)) for m in self.plan.milestones]
        title = f"Tình hình gửi báo cáo đến ngày {short_date(self.matrix.as_of)}"
        return status_chart(rows, CHART_LEGEND, title, cache)

    def workbook(self) -> list[SheetTable]:
        """The companion workbook: the same tables, then every accepted value."""
        note = f"{self.plan.campaign.title} — tính đến ngày {short_date(self.matrix.as_of)}"
        header, rows = self.status_rows()
        sheets = [
            SheetTable("Tình trạng", header, rows, note=note),
            SheetTable("Nộp muộn", ["Nộp muộn"], [[x] for x in self.late()], note=note),
            SheetTable(
                "Còn thiếu", ["Quá hạn, chưa nộp"], [[x] for x in self.missing()], note=note
            ),
            SheetTable(
                "Công nhận",
                ["Đơn vị", "Đủ điều kiện kiểm tra, công nhận", "Lý do chưa đủ"],
                [
                    [r.site, "Có" if r.ready else "Không", "; ".join(r.reasons)]
                    for r in self.readiness
                ],
                note=note,
            ),
        ]
        for title, table_header, table_rows, _ in self.figure_tables():
            sheets.append(SheetTable(title, table_header, table_rows, note=note))
        for milestone in self.plan.milestones:
            form = self.plan.form_by_id(milestone.form)
            if form is None:
                continue
            data = []
            for row in self.matrix.rows:
                cell = row.cells.get(milestone.id)
                if cell is None or cell.values is None:
                    continue
                values = [_cell_value(cell.values.get(c.key)) for c in form.columns]
                data.append([row.name, short_date(cell.received), cell.file, *values])
            sheets.append(
                SheetTable(
                    f"Dữ liệu {milestone.id}",
                    ["Đơn vị", "Ngày nhận", "Tệp", *[c.label for c in form.columns]],
                    data,
                    note=f"{milestone.name} — {note}",
                )
            )
        return sheets


def _cut(lines: list[str]) -> list[str]:
    """A site's text for one heading, cut at :data:`ENTRY_CHARACTERS` (the workbook has it
    whole)."""
    kept, used = [], 0
    for line in lines:
        if used + len(line) > ENTRY_CHARACTERS:
            rest = sum(len(x) for x in lines) - used
            kept.append(
                f"{line[: max(ENTRY_CHARACTERS - used, 0)]}… (còn {rest} ký tự, xem "
                "bảng tính kèm theo)"
            )
            break
        kept.append(line)
        used += len(line)
    return kept


def _values(row: SiteRow, milestone: Milestone) -> dict[str, Any] | None:
    cell = row.cells.get(milestone.id)
    return cell.values if cell is not None else None


def _total(rows: list[SiteRow], milestone: Milestone, key: str) -> float | int:
    total: float | int = 0
    for row in rows:
        value = (_values(row, milestone) or {}).get(key)
        if isinstance(value, int | float) and not isinstance(value, bool):
            total += value
    return total


def _cell_value(value: Any) -> Any:
    if isinstance(value, bool):
        return "Có" if value else "Không"
    if isinstance(value, str) and len(value) == 10 and value[4] == "-" and value[7] == "-":
        try:
            return date.fromisoformat(value)
        except ValueError:
            return value
    return value


def _widths(count: int, first: float, total: float = 16.0) -> list[float]:
    rest = (total - first) / max(count - 1, 1)
    return [first] + [rest] * (count - 1)


def _titled_table(title: str, header: list[str], rows: list[list[str]], totals: int) -> Markup:
    """A bold caption paragraph, then the table."""
    caption = (
        '<w:p><w:pPr><w:keepNext/><w:spacing w:before="120" w:after="60"/>'
        '<w:ind w:firstLine="0"/></w:pPr>'
        f'<w:r><w:rPr><w:b/><w:i/></w:rPr><w:t xml:space="preserve">{escape(title)}</w:t></w:r>'
        "</w:p>"
    )
    table = table_xml(
        header, rows, _widths(len(header), first=4.0), font_size=10, total_rows=totals
    )
    return Markup(caption) + table
