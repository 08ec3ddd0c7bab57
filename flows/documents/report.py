"""The consolidated report (báo cáo tổng hợp) as of a day, and its companion workbook.

The outline is the plan's (``report.sections``, by default the usual five parts of a Front
report): under each heading, the free text the sites wrote in the columns the plan names,
site by site; under the figures heading, tables per model and per site of every number the
forms collect. Then where every site stands, who is late or missing, who is ready for
inspection and recognition and why not, and a chart. The .xlsx holds the same tables and
every accepted value.

A plan of more than :data:`DETAIL_SITES` sites (a whole country's communes) would make that
.docx thousands of pages long. Its .docx shows tables per model and per unit above the sites
instead (how many sites stand where on each milestone, the figures' totals, who is ready for
recognition), counts in place of the lists of names, and says where in the workbook each
site's rows are; the workbook keeps every site, with the units above it in the first columns.
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date
from functools import cached_property
from pathlib import Path
from typing import Any
from xml.sax.saxutils import escape

from markupsafe import Markup

from flows.documents.areas import DETAIL_SITES, Areas, Grouping, site_areas
from flows.documents.letterhead import letterhead, short_date
from flows.documents.render import Paragraphs
from flows.documents.status import SHORT_STATE, STATE_WORDS, Cell, Matrix, SiteRow, State
from flows.documents.wordml import clean_text, table_xml
from flows.documents.workbooks import CellValue, ColumnSum, SheetTable, sheet_title
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
LACKING = "thiếu: "  # a readiness reason: a required yes-no column does not say yes

STATUS_SHEET, LATE_SHEET, MISSING_SHEET, READY_SHEET = (
    "Tình trạng",
    "Nộp muộn",
    "Còn thiếu",
    "Công nhận",
)
WORKBOOK = "bảng tính kèm theo"
READINESS_COLUMNS = [("ready", "Đủ điều kiện"), ("not_ready", "Chưa đủ điều kiện")]


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
            reasons.append(f"{LACKING}{column.label}")
    return Readiness(row.name, not reasons, reasons)


def _milestone(plan: Plan, milestone_id: str) -> Milestone:
    return next(m for m in plan.milestones if m.id == milestone_id)


def _numeric_columns(form: Form) -> list[Column]:
    return [c for c in form.columns if c.type in NUMERIC]


FigureTable = tuple[str, list[str], list[list[Any]], int]
"""A table of figures: title, header, rows, and how many rows at the end are totals."""


class Report:
    """Everything the report shows, computed once from the plan and the matrix."""

    def __init__(self, plan: Plan, matrix: Matrix) -> None:
        self.plan, self.matrix = plan, matrix
        self.readiness = [readiness(plan, row) for row in matrix.rows]
        self.detailed = len(matrix.rows) <= DETAIL_SITES
        """Whether the .docx shows every site (a small plan) or tables per group."""

    @cached_property
    def areas(self) -> Areas:
        """The units above the sites (computed only for a plan too big to show site by site)."""
        return site_areas(self.plan, self.matrix.rows)

    @cached_property
    def by_model(self) -> Grouping | None:
        """The sites by model, if the plan has models."""
        if not self.plan.models:
            return None
        codes = {m.code: n for n, m in enumerate(self.plan.models)}
        of_row = [codes.get(r.model or "") for r in self.matrix.rows]
        return Grouping("mô hình", "Mô hình", [m.name for m in self.plan.models], of_row)

    def groupings(self) -> list[Grouping]:
        """The groups of the summary tables: by model (if the plan has models), by the unit
        above the sites (if they are not right below the root)."""
        return [g for g in (self.by_model, self.areas.grouping) if g is not None]

    def _by_words(self) -> str:
        """``mô hình và theo tỉnh, thành phố``: what the summary tables group by."""
        return " và theo ".join(g.label for g in self.groupings())

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
        n = shown_value
        text = (
            f"Kế hoạch gồm {n(len(self.matrix.rows))} đơn vị, {len(self.plan.milestones)} mốc báo "
            f"cáo, tổng cộng {n(len(cells))} báo cáo phải gửi. Đến ngày "
            f"{short_date(self.matrix.as_of)}, đã nhận {n(accepted)} báo cáo "
            f"({n(by_state['submitted'])} đúng hạn, {n(by_state['late'])} muộn); "
            f"{n(by_state['overdue'])} quá hạn chưa gửi; {n(by_state['rejected'])} bị trả lại "
            f"chưa gửi lại; {n(by_state['due_soon'] + by_state['not_due'])} chưa đến hạn. "
            f"{n(ready)}/{n(len(self.readiness))} đơn vị đủ điều kiện kiểm tra, công nhận."
        )
        if self.detailed:
            return text
        grouped = f"tổng hợp theo {self._by_words()}" if self.groupings() else "tổng hợp chung"
        return (
            f"{text} Vì kế hoạch có nhiều đơn vị, các bảng của báo cáo này {grouped}; số "
            f"liệu, nội dung và tình hình gửi báo cáo của từng đơn vị có trong {WORKBOOK} "
            "(tệp .xlsx cùng tên)."
        )

    @cached_property
    def _figures(self) -> list[tuple[Milestone, list[Column], list[int]]]:
        """Each milestone with numbers, its number columns, and the rows that have values."""
        found = []
        for milestone in self.plan.milestones:
            form = self.plan.form_by_id(milestone.form)
            columns = _numeric_columns(form) if form else []
            rows = [i for i, r in enumerate(self.matrix.rows) if _values(r, milestone) is not None]
            if columns and rows:
                found.append((milestone, columns, rows))
        return found

    def _figure_titles(self, milestone: Milestone, per_site: bool) -> list[str]:
        titles = [f"{milestone.name}: theo {g.label}" for g in self._figure_groupings()]
        return [*titles, f"{milestone.name}: theo đơn vị"] if per_site else titles

    def _figure_groupings(self) -> list[Grouping]:
        """By model (when the plan has models); by the unit above the sites too when the .docx
        does not show them one by one."""
        if not self.detailed:
            return self.groupings()
        return [self.by_model] if self.by_model is not None else []

    def figure_tables(self, per_site: bool | None = None) -> list[FigureTable]:
        """Tables per milestone with numbers: per model, per unit above the sites (for a plan
        too big to show site by site) and per site (unless ``per_site`` is false; by default
        when the .docx shows sites one by one), each closed by a total."""
        per_site = self.detailed if per_site is None else per_site
        all_rows = self.matrix.rows
        tables: list[FigureTable] = []
        for milestone, columns, indexes in self._figures:
            rows = [all_rows[i] for i in indexes]
            labels = [c.label for c in columns]
            totals = [_total(rows, milestone, c.key) for c in columns]
            titles = iter(self._figure_titles(milestone, per_site))
            for grouping in self._figure_groupings():
                members: list[list[SiteRow]] = [[] for _ in grouping.names]
                for i in indexes:
                    group = grouping.of_row[i]
                    if group is not None:
                        members[group].append(all_rows[i])
                by_group = [
                    [name, len(group), *[_total(group, milestone, c.key) for c in columns]]
                    for name, group in zip(grouping.names, members, strict=True)
                    if group
                ]
                tables.append(
                    (
                        next(titles),
                        [grouping.header, "Số đơn vị", *labels],
                        [*by_group, ["Tổng cộng", len(rows), *totals]],
                        1,
                    )
                )
            if per_site:
                where = self._where_header()
                per_row: list[list[Any]] = [
                    [
                        *self._where(i),
                        all_rows[i].name,
                        *[_values(all_rows[i], milestone).get(c.key) for c in columns],  # type: ignore[union-attr]
                    ]
                    for i in indexes
                ]
                blanks = [""] * len(where)
                tables.append(
                    (
                        next(titles),
                        [*where, "Đơn vị", *labels],
                        [*per_row, ["Tổng cộng", *blanks, *totals]],
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

    def _late_cells(self) -> Iterator[tuple[int, Milestone, Cell, date, int]]:
        """Reports received after their due date: the row, the milestone, the cell, the day
        received and the days late."""
        for i, row in enumerate(self.matrix.rows):
            for milestone in self.plan.milestones:
                cell = row.cells.get(milestone.id)
                if cell and cell.state == "late" and cell.received:
                    yield i, milestone, cell, cell.received, (cell.received - cell.due).days

    def _late(self) -> list[tuple[int, str]]:
        """Reports received after their due date: the row, and the line saying so."""
        return [
            (
                i,
                f"{self.matrix.rows[i].name} — {milestone.name}: nộp ngày "
                f"{short_date(received)}, muộn {days} ngày",
            )
            for i, milestone, _, received, days in self._late_cells()
        ]

    def late(self) -> list[str]:
        """Reports received after their due date."""
        return [line for _, line in self._late()]

    def _missing_cells(self) -> Iterator[tuple[int, Milestone, Cell, str, int]]:
        """Reports past their due date and not accepted: the row, the milestone, the cell,
        what happened (not sent, or rejected and not sent again) and the days overdue."""
        for i, row in enumerate(self.matrix.rows):
            for milestone in self.plan.milestones:
                cell = row.cells.get(milestone.id)
                if cell and cell.state in ("overdue", "rejected") and self.matrix.as_of > cell.due:
                    days = (self.matrix.as_of - cell.due).days
                    what = "có tệp bị trả lại, chưa gửi lại" if cell.rejected_files else "chưa gửi"
                    yield i, milestone, cell, what, days

    def _missing(self) -> list[tuple[int, str]]:
        """Reports past their due date and not accepted: the row, and the line saying so."""
        return [
            (
                i,
                f"{self.matrix.rows[i].name} — {milestone.name} (hạn {short_date(cell.due)}): "
                f"{what}, quá hạn {days} ngày",
            )
            for i, milestone, cell, what, days in self._missing_cells()
        ]

    def missing(self) -> list[str]:
        """Reports past their due date and not accepted."""
        return [line for _, line in self._missing()]

    def sections(self) -> list[dict[str, Any]]:
        """The plan's outline with each site's text under its heading (for a plan too big to
        show site by site: how many sites wrote there, and where the workbook has it)."""
        found = []
        for number, section in enumerate(self.plan.report.sections, start=1):
            entries = []
            writers = 0
            for row in self.matrix.rows:
                pieces = []
                for milestone in self.plan.milestones:
                    values = _values(row, milestone) or {}
                    for key in section.columns:
                        text = shown_value(values.get(key)).strip()
                        if text:
                            pieces.append((milestone.name, text))
                if pieces:
                    writers += 1
                if pieces and self.detailed:
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
                    fit = None if self.detailed else _fitted_first(header, shown)
                    tables.append(_titled_table(title, header, shown, totals, fit))
            intro = "" if entries or tables else "Chưa có nội dung từ báo cáo của các đơn vị."
            if writers and not self.detailed:
                where = self._columns_at(section.columns) or "các trang “Dữ liệu …”"
                intro = (
                    f"{shown_value(writers)} đơn vị có nội dung ở mục này; nội dung của từng "
                    f"đơn vị: xem {where} của {WORKBOOK}."
                )
            found.append(
                {
                    "heading": f"{roman(number)}. {section.title.upper()}",
                    "intro": intro,
                    "tables": tables,
                    "entries": entries,
                }
            )
        return found

    def _columns_at(self, keys: list[str]) -> str:
        """Where the workbook holds the columns ``keys``: ``trang “…” (cột “…”, “…”) và trang
        “…” (cột “…”)``."""
        places = []
        for milestone in self.plan.milestones:
            form = self.plan.form_by_id(milestone.form)
            labels = [c.label for c in form.columns if c.key in keys] if form else []
            if labels:
                sheet = self._data_sheets[milestone.id]
                places.append(f"trang “{sheet}” (cột {', '.join(f'“{x}”' for x in labels)})")
        return " và ".join([", ".join(places[:-1]), places[-1]] if len(places) > 2 else places)

    # --- a plan too big to show site by site --------------------------------------------------

    def summary_tables(self) -> Markup:
        """What replaces the status matrix for a plan too big to show site by site: reports
        per state per milestone, then per model and per unit above the sites, milestone by
        milestone, then who is ready for recognition per model and per unit."""
        rows, groupings = self.matrix.rows, self.groupings()
        parts = [
            _paragraph(
                f"Tình hình gửi báo cáo của từng đơn vị: xem trang “{STATUS_SHEET}” của "
                f"{WORKBOOK}. Các bảng dưới đây đếm số đơn vị theo tình hình gửi báo cáo"
                + (f", theo {self._by_words()}." if groupings else ".")
            )
        ]
        per_milestone = [
            (
                f"{m.name}\n(hạn {short_date(m.due)})",
                Counter[str](c.state for r in rows if (c := r.cells.get(m.id)) is not None),
            )
            for m in self.plan.milestones
        ]
        parts.append(
            _state_table(
                "Tình hình gửi báo cáo theo mốc",
                "Mốc báo cáo",
                per_milestone,
                "Số báo cáo phải gửi",
            )
        )
        for milestone in self.plan.milestones:
            for grouping in groupings:
                counted: list[Counter[str]] = [Counter() for _ in grouping.names]
                for i, row in enumerate(rows):
                    cell, group = row.cells.get(milestone.id), grouping.of_row[i]
                    if cell is not None and group is not None:
                        counted[group][cell.state] += 1
                lines = [(n, c) for n, c in zip(grouping.names, counted, strict=True) if c]
                title = (
                    f"{milestone.name} (hạn {short_date(milestone.due)}): số đơn vị theo "
                    f"{grouping.label}"
                )
                parts.append(_state_table(title, grouping.header, lines))
        for grouping in groupings:
            ready: list[Counter[str]] = [Counter() for _ in grouping.names]
            for i, found in enumerate(self.readiness):
                group = grouping.of_row[i]
                if group is not None:
                    ready[group]["ready" if found.ready else "not_ready"] += 1
            lines = [(n, c) for n, c in zip(grouping.names, ready, strict=True) if c]
            title = f"Đơn vị đủ điều kiện kiểm tra, công nhận theo {grouping.label}"
            parts.append(_count_table(title, grouping.header, lines, READINESS_COLUMNS))
        return Markup("").join(parts)

    def _where_tables(self) -> str:
        """``; số đơn vị theo mô hình và theo tỉnh, thành phố: xem các bảng ở mục này`` (or
        nothing, when there are no such tables)."""
        groupings = self.groupings()
        if not groupings:
            return ""
        return f"; số đơn vị theo {self._by_words()}: xem các bảng ở mục này"

    def late_summary(self) -> list[str]:
        """The late reports counted per milestone, and where the list is."""
        lines = []
        for milestone in self.plan.milestones:
            days = [
                (cell.received - cell.due).days
                for row in self.matrix.rows
                if (cell := row.cells.get(milestone.id)) and cell.state == "late" and cell.received
            ]
            if days:
                spread = (
                    f"muộn {min(days)} ngày"
                    if min(days) == max(days)
                    else f"muộn từ {min(days)} đến {max(days)} ngày"
                )
                lines.append(
                    f"{milestone.name}: {shown_value(len(days))} đơn vị nộp muộn ({spread})"
                )
        if lines:
            lines.append(self._listed_in(LATE_SHEET))
        return lines

    def _listed_in(self, sheet: str) -> str:
        """Where the sites a summary counts are listed one by one."""
        return f"Danh sách từng đơn vị: xem trang “{sheet}” của {WORKBOOK}{self._where_tables()}"

    def missing_summary(self) -> list[str]:
        """The reports past due and not accepted, counted per milestone, and where the list
        is."""
        lines = []
        as_of = self.matrix.as_of
        for milestone in self.plan.milestones:
            if as_of <= milestone.due:
                continue
            counted = Counter(
                "rejected" if cell.rejected_files else "overdue"
                for row in self.matrix.rows
                if (cell := row.cells.get(milestone.id)) and cell.state in ("overdue", "rejected")
            )
            parts = []
            if counted["overdue"]:
                parts.append(f"{shown_value(counted['overdue'])} đơn vị chưa gửi")
            if counted["rejected"]:
                parts.append(
                    f"{shown_value(counted['rejected'])} đơn vị có tệp bị trả lại, chưa gửi lại"
                )
            if parts:
                lines.append(
                    f"{milestone.name} (hạn {short_date(milestone.due)}): {', '.join(parts)}; "
                    f"quá hạn {(as_of - milestone.due).days} ngày"
                )
        if lines:
            lines.append(self._listed_in(MISSING_SHEET))
        return lines

    def ready_summary(self) -> list[str]:
        """How many sites are ready, and where they are listed."""
        ready = sum(1 for r in self.readiness if r.ready)
        if not ready:
            return []
        return [
            f"{shown_value(ready)}/{shown_value(len(self.readiness))} đơn vị; danh sách: xem "
            f"trang “{READY_SHEET}” của {WORKBOOK}{self._where_tables()}"
        ]

    def not_ready_summary(self) -> list[dict[str, str]]:
        """Why sites are not ready, each reason with how many sites it holds back (most first),
        and where the list is."""
        reasons = Counter(x for r in self.readiness if not r.ready for x in r.reasons)
        if not reasons:
            return []
        lines = [
            {"site": _reason_phrase(reason), "reasons": f"{shown_value(count)} đơn vị"}
            for reason, count in reasons.most_common()
        ]
        lines.append(
            {
                "site": "Danh sách từng đơn vị và lý do",
                "reasons": f"xem trang “{READY_SHEET}” của {WORKBOOK}",
            }
        )
        return lines

    # --- documents -------------------------------------------------------------------------

    def context(self) -> dict[str, Any]:
        """The variables of ``templates/report.docx``."""
        plan, as_of = self.plan, self.matrix.as_of
        base = letterhead(plan, "report", as_of) | {
            "summary_title": (
                f"Kết quả thực hiện {plan.campaign.title} (tính đến ngày {short_date(as_of)})"
            ),
            "overview": self.overview(),
            "sections": self.sections(),
        }
        if not self.detailed:
            return base | {
                "status_table": self.summary_tables(),
                "late": self.late_summary(),
                "missing": self.missing_summary(),
                "ready": self.ready_summary(),
                "not_ready": self.not_ready_summary(),
            }
        header, rows = self.status_rows()
        widths = _widths(len(header), first=4.0)
        return base | {
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

    # --- the workbook ------------------------------------------------------------------------

    def _where_header(self) -> list[str]:
        """The headers of the columns naming the units above a site (none for a small plan)."""
        return [] if self.detailed else self.areas.headers

    def _where(self, index: int) -> list[str]:
        """The units above the site of row ``index`` (none for a small plan)."""
        return [] if self.detailed else self.areas.names[index]

    @cached_property
    def _data_sheets(self) -> dict[str, str]:
        """The title each milestone's data sheet gets in the workbook (after the sheets before
        it, made unique the way :func:`write_workbook` makes them)."""
        names = [STATUS_SHEET, LATE_SHEET, MISSING_SHEET, READY_SHEET]
        for milestone, _, _ in self._figures:
            names += self._figure_titles(milestone, per_site=True)
        titles: list[str] = []
        for name in names:
            titles.append(sheet_title(name, set(titles)))
        found = {}
        for milestone in self.plan.milestones:
            if self.plan.form_by_id(milestone.form) is not None:
                found[milestone.id] = sheet_title(f"Dữ liệu {milestone.id}", set(titles))
                titles.append(found[milestone.id])
        return found

    def workbook(self) -> list[SheetTable]:
        """The companion workbook: the same tables, then every accepted value; for a plan too
        big to show site by site, each site's row starts with the units above it. Days are
        dates and counts numbers (they sort and filter); totals are sums of their column."""
        note = f"{self.plan.campaign.title} — tính đến ngày {short_date(self.matrix.as_of)}"
        where, at = self._where_header(), self._where
        named = len(where) + 1  # the columns naming a site's row
        milestones = self.plan.milestones
        status_header = [*where, "Đơn vị"]
        for milestone in milestones:
            status_header += [
                f"{milestone.name}\n(hạn {short_date(milestone.due)})",
                f"{milestone.name}: ngày nhận",
            ]
        sheets = [
            SheetTable(
                STATUS_SHEET, status_header, self._status_lines(), note=note, title_columns=named
            ),
            SheetTable(
                LATE_SHEET,
                [*where, "Đơn vị", "Mốc", "Hạn", "Ngày nhận", "Số ngày muộn"],
                [
                    [*at(i), self.matrix.rows[i].name, m.name, cell.due, received, days]
                    for i, m, cell, received, days in self._late_cells()
                ],
                note=note,
                title_columns=named,
            ),
            SheetTable(
                MISSING_SHEET,
                [*where, "Đơn vị", "Mốc", "Hạn", "Tình trạng", "Số ngày quá hạn"],
                [
                    [*at(i), self.matrix.rows[i].name, m.name, cell.due, what, days]
                    for i, m, cell, what, days in self._missing_cells()
                ],
                note=note,
                title_columns=named,
            ),
            SheetTable(
                READY_SHEET,
                [*where, "Đơn vị", "Đủ điều kiện kiểm tra, công nhận", "Lý do chưa đủ"],
                [
                    [*at(i), r.site, "Có" if r.ready else "Không", "; ".join(r.reasons)]
                    for i, r in enumerate(self.readiness)
                ],
                note=note,
                title_columns=named,
            ),
        ]
        for title, table_header, table_rows, totals in self.figure_tables(per_site=True):
            # a table per site starts with the columns naming the site, one per group with one
            per_site = table_header[:named] == [*where, "Đơn vị"]
            rows = _summed(table_rows, totals)
            sheets.append(
                SheetTable(
                    title,
                    table_header,
                    rows,
                    note=note,
                    totals=totals,
                    title_columns=named if per_site else 1,
                )
            )
        for milestone in milestones:
            form = self.plan.form_by_id(milestone.form)
            if form is None:
                continue
            data: list[list[CellValue]] = []
            for i, row in enumerate(self.matrix.rows):
                cell = row.cells.get(milestone.id)
                if cell is None or cell.values is None:
                    continue
                values = [_cell_value(cell.values.get(c.key)) for c in form.columns]
                data.append([*at(i), row.name, cell.received, cell.file, *values])
            sheets.append(
                SheetTable(
                    f"Dữ liệu {milestone.id}",
                    [*where, "Đơn vị", "Ngày nhận", "Tệp", *[c.label for c in form.columns]],
                    data,
                    note=f"{milestone.name} — {note}",
                    title_columns=named,
                )
            )
        return sheets

    def _status_lines(self) -> list[list[CellValue]]:
        """A line per site: the units above it, its name, and for each milestone its state
        and the day its report was received (a date, empty if none)."""
        lines: list[list[CellValue]] = []
        for i, row in enumerate(self.matrix.rows):
            line: list[CellValue] = [*self._where(i), row.name]
            for milestone in self.plan.milestones:
                cell = row.cells.get(milestone.id)
                if cell is None:
                    line += ["—", None]
                else:
                    line += [SHORT_STATE[cell.state], cell.received]
            lines.append(line)
        return lines


def _summed(rows: list[list[Any]], totals: int) -> list[list[CellValue]]:
    """``rows`` with each number of the last ``totals`` rows that is the sum of its column
    above made a :class:`ColumnSum` (a formula in the workbook). A total that is not (in a
    table by model, sites of no model count in the total but in no line) stays a number."""
    body = rows[: len(rows) - totals]
    summed: list[list[CellValue]] = [list(r) for r in body]
    for row in rows[len(rows) - totals :]:
        line: list[CellValue] = []
        for j, value in enumerate(row):
            if _is_number(value):
                column = sum(r[j] for r in body if j < len(r) and _is_number(r[j]))
                if math.isclose(column, value, rel_tol=1e-12, abs_tol=1e-9):
                    value = ColumnSum(value)
            line.append(value)
        summed.append(line)
    return summed


def _is_number(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


def _count_table(
    title: str,
    header: str,
    lines: list[tuple[str, Counter[str]]],
    columns: list[tuple[str, str]],
    count: str = "Số đơn vị",
) -> Markup:
    """A line per milestone or group: its count, then its count of each key of ``columns``
    (key, header); then the total. Nothing without lines."""
    if not lines:
        return Markup("")
    total: Counter[str] = Counter()
    for _, counted in lines:
        total.update(counted)
    rows = [
        [name, *(shown_value(x) for x in (c.total(), *(c[key] for key, _ in columns)))]
        for name, c in [*lines, ("Tổng cộng", total)]
    ]
    header_row = [header, count, *(label for _, label in columns)]
    return _titled_table(title, header_row, rows, 1, _fitted_first(header_row, rows))


def _state_table(
    title: str, header: str, lines: list[tuple[str, Counter[str]]], count: str = "Số đơn vị"
) -> Markup:
    """How many sites (or reports) are in each state: only the states that occur get a
    column, in the chart's order."""
    states = [(key, label) for key, label, _ in CHART_LEGEND if any(c[key] for _, c in lines)]
    return _count_table(title, header, lines, states, count)


def _reason_phrase(reason: str) -> str:
    """A readiness reason as a list item: ``Thiếu 'Có hình ảnh'`` for ``thiếu: Có hình ảnh``,
    ``Chưa đăng ký (…)`` for ``chưa đăng ký (…)``."""
    if reason.startswith(LACKING):
        reason = f"thiếu '{reason.removeprefix(LACKING)}'"
    return reason[:1].upper() + reason[1:]


def _paragraph(text: str) -> Markup:
    """A body paragraph (the template's Normal style) holding ``text``."""
    return Markup(
        '<w:p><w:pPr><w:spacing w:before="60" w:after="60"/></w:pPr>'
        f'<w:r><w:t xml:space="preserve">{escape(clean_text(text))}</w:t></w:r></w:p>'
    )


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


def _fitted_first(header: list[str], rows: list[list[str]]) -> float:
    """A width for the first column (names of units, models, milestones) that fits its longest
    line in 10 pt where the other columns leave room (at least 2 cm each), 4 to 7 cm."""
    longest = max((len(line) for r in [header, *rows] for line in r[0].splitlines()), default=0)
    room = 16.0 - 2.0 * (len(header) - 1)
    return max(4.0, min(longest * 0.19 + 0.4, 7.0, room))


def _titled_table(
    title: str,
    header: list[str],
    rows: list[list[str]],
    totals: int,
    first: float | None = None,
) -> Markup:
    """A bold caption paragraph, then the table (its first column ``first`` cm wide, 4 by
    default)."""
    caption = (
        '<w:p><w:pPr><w:keepNext/><w:spacing w:before="120" w:after="60"/>'
        '<w:ind w:firstLine="0"/></w:pPr>'
        f'<w:r><w:rPr><w:b/><w:i/></w:rPr><w:t xml:space="preserve">{escape(title)}</w:t></w:r>'
        "</w:p>"
    )
    widths = _widths(len(header), first=first or 4.0)
    table = table_xml(header, rows, widths, font_size=10, total_rows=totals)
    return Markup(caption) + table
