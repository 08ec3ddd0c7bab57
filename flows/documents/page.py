"""The status page: ``outbox/index.html`` for the office and ``outbox/<site>/index.html`` for
each site, static HTML that opens from the shared folder in any browser, with no server, no
internet and no JavaScript.

The office's page shows where the campaign stands (the status matrix with its colours and
legend, the chart, the late and missing reports, the sites ready for recognition) and links
to every document in the outbox. A site's page shows only that site: its row, its readiness
and its own documents. Every link is relative, so the pages work wherever the share is
mounted.

A plan of more than :data:`~flows.documents.areas.DETAIL_SITES` sites gets summaries on the
office's page instead (counts per milestone, per model and per unit above the sites) and a
page per unit under ``tinh-hinh/`` listing its sites, so that every site's page is two clicks
away while no page holds 10,000 rows.

The pages are rendered with Jinja (``templates/status*.html.j2``, autoescaped) and written
atomically; a site's page that has not changed is not written again (10,000 small files on a
share). What is linked is what is in the folders when the pages are written: the documents of
every run, not only the last.
"""

from __future__ import annotations

import base64
import hashlib
import json
import os
import re
import time
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from functools import lru_cache
from pathlib import Path
from typing import Any
from urllib.parse import quote
from zoneinfo import ZoneInfo

import jinja2
from markupsafe import Markup

from flows.documents.areas import DETAIL_SITES, Grouping
from flows.documents.atomic import write_atomic
from flows.documents.letterhead import short_date
from flows.documents.outbox import REPORT_FOLDER, UNKNOWN_SITE_FOLDER
from flows.documents.render import TemplateProblem
from flows.documents.report import CHART_LEGEND, Readiness, Report, shown_value
from flows.documents.status import STATE_WORDS, Cell, Matrix, SiteRow
from flows.names import safe_name
from flows.parallel import spread
from flows.plan import Plan

PAGE = "index.html"
GROUPS_FOLDER = "tinh-hinh"
"""The pages per unit above the sites (a plan too big to show site by site)."""
TEMPLATE = "status.html.j2"
SITE_TEMPLATE = "status-site.html.j2"
GROUP_TEMPLATE = "status-group.html.j2"
MACROS = "status-macros.html.j2"
CHUNK = 100  # sites per page when a big plan's sites sit right below its root
SHARE = 50  # sites a worker takes at a time (a plan of 2,000 sites or more is spread)
LISTED = 200  # documents of unknown sites listed on the office's page at most

# The states in the chart's order, its labels and colours; the text colour that reads on each.
STATES = [key for key, _, _ in CHART_LEGEND]
LABELS = {key: label for key, label, _ in CHART_LEGEND}
COLOURS = {key: colour for key, _, colour in CHART_LEGEND}

COPY_LABELS = {".docx": "Word", ".pdf": "PDF", ".xlsx": "Excel", ".png": "Ảnh", ".csv": "CSV"}
_LETTER = re.compile(r"cong-van-(\d{4}-\d{2}-\d{2})(?:-(\d+))?$")
_FEEDBACK = re.compile(r"phan-hoi-(\d{4}-\d{2}-\d{2})-(\d+)-(.*)$")
_REPORT = re.compile(r"tong-hop-(\d{4}-\d{2}-\d{2})$")
COPY_ORDER = {suffix: n for n, suffix in enumerate(COPY_LABELS)}
KIND_ORDER = {"report": 0, "reminder": 1, "feedback": 2, "form": 3, "other": 4}


@dataclass(frozen=True)
class Link:
    """A link: what it says and where it goes (relative to the page)."""

    label: str
    href: str


@dataclass(frozen=True)
class Listed:
    """A document in the outbox and its copies (the .docx, its PDF, the marked workbook)."""

    title: str
    kind: str
    day: date | None
    links: list[Link]


@dataclass
class Pages:
    """What a run of :func:`write_pages` did."""

    index: Path
    sites: int = 0
    groups: int = 0
    changed: int = 0
    seconds: float = 0.0
    pages: list[Path] = field(default_factory=list)


# --- templates -------------------------------------------------------------------------------


def environment(folders: Sequence[Path]) -> jinja2.Environment:
    """Jinja over the templates in ``folders`` (the first that has a template wins),
    autoescaped, strict about undefined variables. Made for each run (compiling the templates
    costs milliseconds), so a template edited while ``mohinh serve`` runs is read again; not
    reloaded within a run (that would cost a look at the files on each of 10,000 pages)."""
    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader([str(f) for f in folders]),
        auto_reload=False,
        autoescape=True,
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.globals |= {
        "STATES": STATES,
        "LABELS": LABELS,
        "COLOURS": COLOURS,
        "STATE_CSS": Markup(
            "\n".join(f".s-{s}{{background:{c};color:{ink(c)}}}" for s, c in COLOURS.items())
        ),
    }
    legend = [
        {"state": key, "label": label, "words": STATE_WORDS[key]}  # type: ignore[index]
        for key, label, _ in CHART_LEGEND
    ]
    env.globals["LEGEND"] = env.get_template(MACROS).module.legend(legend)  # type: ignore[attr-defined]
    return env


def ink(colour: str) -> str:
    """Black or white, whichever reads better on ``colour`` (``#rrggbb``)."""
    red, green, blue = (int(colour[i : i + 2], 16) / 255 for i in (1, 3, 5))
    return "#000000" if 0.299 * red + 0.587 * green + 0.114 * blue > 0.55 else "#ffffff"


# --- the documents in a folder ------------------------------------------------------------


def folder_files(folder: Path) -> list[str]:
    """The documents in ``folder``: files, not hidden, not the page itself."""
    try:
        with os.scandir(folder) as entries:
            return sorted(
                e.name
                for e in entries
                if not e.name.startswith(".") and e.name != PAGE and e.is_file()
            )
    except OSError:
        return []


@lru_cache(maxsize=4096)
def _date(day: date | None) -> str:
    """:func:`short_date`, remembered: a page per site shows the same few days."""
    return short_date(day)


def _day(text: str) -> date | None:
    try:
        return date.fromisoformat(text)
    except ValueError:
        return None


def describe(
    names: list[str], prefix: str, forms: dict[str, str], sent: dict[int, str] | None = None
) -> list[Listed]:
    """The documents among ``names`` (files of one folder), each with its copies grouped under
    one title, the newest first within each kind; ``prefix`` (``""`` or ``"<folder>/"``) leads
    every link; ``forms`` names each blank form's file after its milestone; ``sent``, the
    name each file was sent under by its ledger id, names the file a feedback answers."""
    stems: dict[str, list[str]] = {}
    for name in names:
        stem = os.path.splitext(name)[0]
        stems.setdefault(stem, []).append(name)
    found = []
    for stem, files in stems.items():
        files.sort(key=lambda n: COPY_ORDER.get(_ext(n), len(COPY_ORDER)))
        links = [Link(_copy_label(n, stem), prefix + quote(n)) for n in files]
        found.append(_listed(stem, files, links, forms, sent or {}))
    found.sort(key=lambda d: (KIND_ORDER[d.kind], -(d.day or date.min).toordinal(), d.title))
    return found


def _ext(name: str) -> str:
    return os.path.splitext(name)[1].lower()


def _copy_label(name: str, stem: str) -> str:
    label = COPY_LABELS.get(_ext(name), name)
    if stem.startswith("phan-hoi-") and _ext(name) == ".xlsx":
        return "Bảng tính đánh dấu lỗi"
    if stem.startswith("tong-hop-") and _ext(name) == ".png":
        return "Biểu đồ"
    return label


def _listed(
    stem: str, files: list[str], links: list[Link], forms: dict[str, str], sent: dict[int, str]
) -> Listed:
    if found := _LETTER.match(stem):
        day = _day(found[1])
        number = f" (số {found[2]})" if found[2] else ""
        return Listed(f"Công văn đôn đốc ngày {_date(day)}{number}", "reminder", day, links)
    if found := _FEEDBACK.match(stem):
        day = _day(found[1])
        name = sent.get(int(found[2]), found[3])
        what = f"“{name}” " if name else ""
        title = f"Phiếu phản hồi về tệp {what}nhận ngày {_date(day)} (số {found[2]})"
        return Listed(title, "feedback", day, links)
    if found := _REPORT.match(stem):
        day = _day(found[1])
        return Listed(f"Báo cáo tổng hợp đến ngày {_date(day)}", "report", day, links)
    form = next((forms[f] for f in files if f in forms), None)
    if form is not None:
        return Listed(f"Biểu mẫu: {form}", "form", None, links)
    return Listed(files[0] if len(files) == 1 else stem, "other", None, links)


class FormNames:
    """The file names of a site's blank forms (``form_file_name``), each to its milestone's
    name, made from names folded once per plan rather than once per site and milestone."""

    def __init__(self, plan: Plan) -> None:
        self.milestones = [(safe_name(m.id), m.name) for m in plan.milestones]

    def of(self, folder: str) -> dict[str, str]:
        """For the site whose folder (its id, folded) is ``folder``."""
        return {f"bieu-mau-{m}-{folder}.xlsx": name for m, name in self.milestones}


# --- what the pages show -----------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class CellView:
    """A cell of the matrix as shown: its state, short label, received date, a longer note."""

    state: str | None
    label: str
    received: str
    note: str


NOT_SENT = CellView(None, "—", "", "Không phải gửi")


def cell_view(cell: Cell | None, as_of: date) -> CellView:
    """How a cell of the matrix is shown."""
    if cell is None:
        return NOT_SENT
    note = STATE_WORDS[cell.state]
    if cell.state == "late" and cell.received:
        note += f", muộn {(cell.received - cell.due).days} ngày"
    elif cell.state in ("overdue", "rejected") and as_of > cell.due:
        note += f", quá hạn {(as_of - cell.due).days} ngày"
    elif cell.state in ("due_soon", "not_due") and cell.due >= as_of:
        note += f", còn {(cell.due - as_of).days} ngày"
    if cell.rejected_files and cell.state == "rejected":
        note += "; tệp bị trả lại: " + ", ".join(cell.rejected_files[-3:])
    return CellView(cell.state, LABELS[cell.state], _date(cell.received), note)


@dataclass(frozen=True, slots=True)
class RowView:
    """A row of the matrix: the site, the link to its page, its model, its cells."""

    name: str
    href: str | None
    model: str
    cells: list[CellView]


@dataclass(frozen=True, slots=True)
class SiteLine:
    """A milestone on a site's page: its name, due date and the site's cell."""

    name: str
    due: str
    cell: CellView


def _tiles(matrix: Matrix, readiness: list[Readiness]) -> list[dict[str, Any]]:
    """The headline figures."""
    counted = Counter(c.state for row in matrix.rows for c in row.cells.values())
    owed = counted.total()
    accepted = counted["submitted"] + counted["late"]
    ready = sum(1 for r in readiness if r.ready)
    n = shown_value
    return [
        _tile(n(len(matrix.rows)), "đơn vị"),
        _tile(n(owed), "báo cáo phải gửi"),
        _tile(
            n(accepted),
            "đã nhận",
            "submitted",
            f"{n(counted['submitted'])} đúng hạn, {n(counted['late'])} muộn",
        ),
        _tile(n(counted["overdue"]), "quá hạn, chưa gửi", "overdue"),
        _tile(n(counted["rejected"]), "bị trả lại, chưa gửi lại", "rejected"),
        _tile(n(counted["due_soon"] + counted["not_due"]), "chưa đến hạn", "not_due"),
        _tile(f"{n(ready)}/{n(len(readiness))}", "đủ điều kiện kiểm tra, công nhận"),
    ]


def _tile(value: str, label: str, state: str | None = None, detail: str = "") -> dict[str, Any]:
    return {"value": value, "label": label, "state": state, "detail": detail}


def bar(counted: Counter[str]) -> list[dict[str, Any]]:
    """A stacked bar of ``counted`` (state -> sites), in the chart's order: each segment's
    state, count and width in percent."""
    total = counted.total()
    return [
        {"state": s, "count": shown_value(counted[s]), "width": round(100 * counted[s] / total, 2)}
        for s in STATES
        if counted[s]
    ]


def _milestone_summary(plan: Plan, rows: list[SiteRow]) -> list[dict[str, Any]]:
    found = []
    for milestone in plan.milestones:
        counted = Counter[str](c.state for r in rows if (c := r.cells.get(milestone.id)))
        found.append(
            {
                "name": milestone.name,
                "due": short_date(milestone.due),
                "counts": [shown_value(counted[s]) if counted[s] else "" for s in STATES],
                "owed": shown_value(counted.total()),
                "bar": bar(counted),
            }
        )
    return found


def _grouped(
    plan: Plan, rows: list[SiteRow], grouping: Grouping, hrefs: list[str] | None
) -> list[dict[str, Any]]:
    """Per group: how many sites, and per milestone the reports accepted out of those owed
    with a stacked bar of the states."""
    counted = [[Counter[str]() for _ in plan.milestones] for _ in grouping.names]
    sites = Counter[int]()
    for row, group in zip(rows, grouping.of_row, strict=True):
        if group is None:
            continue
        sites[group] += 1
        for n, milestone in enumerate(plan.milestones):
            if (cell := row.cells.get(milestone.id)) is not None:
                counted[group][n][cell.state] += 1
    found = []
    for g, name in enumerate(grouping.names):
        if not sites[g]:
            continue
        cells = []
        for c in counted[g]:
            accepted = c["submitted"] + c["late"]
            cells.append(
                {
                    "text": f"{shown_value(accepted)}/{shown_value(c.total())}" if c else "—",
                    "bar": bar(c) if c else [],
                }
            )
        href = hrefs[g] if hrefs is not None else None
        found.append({"name": name, "href": href, "sites": shown_value(sites[g]), "cells": cells})
    return found


def _milestones(plan: Plan) -> list[dict[str, str]]:
    return [{"name": m.name, "due": short_date(m.due)} for m in plan.milestones]


def _row_view(plan: Plan, row: SiteRow, as_of: date, href: str | None) -> RowView:
    cells = [cell_view(row.cells.get(m.id), as_of) for m in plan.milestones]
    return RowView(row.name, href, row.model or "", cells)


CHART_VERSION = 1  # bump with chart.DRAWING_VERSION


def page_chart(report: Report, cache: Path | None) -> bytes:
    """The report's chart, kept in ``cache`` as ``page-<sha256>.png`` by the figures it shows,
    so that pages written again with the same figures (an intake with nothing new) neither draw
    it nor import matplotlib. Deleting the cache is always safe."""
    if cache is None:
        return report.chart(None)
    shape = {
        "rows": [[m.name, sorted(report.counts(m).items())] for m in report.plan.milestones],
        "as_of": report.matrix.as_of.isoformat(),
        "legend": CHART_LEGEND,
        "version": CHART_VERSION,
    }
    text = json.dumps(shape, ensure_ascii=False, sort_keys=True)
    stored = cache / f"page-{hashlib.sha256(text.encode('utf-8')).hexdigest()}.png"
    try:
        return stored.read_bytes()
    except OSError:
        pass
    png = report.chart(cache)
    write_atomic(stored, png)
    return png


def chart_uri(png: bytes | None) -> str | None:
    """The chart as a ``data:`` URI, so the page needs no file beside it."""
    if not png:
        return None
    return "data:image/png;base64," + base64.b64encode(png).decode("ascii")


def written_words(moment: datetime, timezone: str) -> str:
    """``14:05 ngày 27/11/2017`` in the plan's time zone."""
    local = moment.astimezone(ZoneInfo(timezone))
    return f"{local:%H:%M} ngày {local:%d/%m/%Y}"


def _base(plan: Plan, matrix: Matrix) -> dict[str, Any]:
    return {
        "org": [*plan.issuer.parent, plan.issuer.name],
        "campaign": plan.campaign.title,
        "reference": plan.campaign.reference or "",
        "as_of": short_date(matrix.as_of),
    }


# --- the pages ---------------------------------------------------------------------------


@dataclass(frozen=True)
class _Group:
    """A page of a big plan listing some of its sites: its title, file and rows."""

    name: str
    file: str
    rows: list[int]


def _groups(report: Report) -> tuple[list[_Group], Grouping | None]:
    """The pages per unit above the sites (in chunks of :data:`CHUNK` sites when the sites
    sit right below the root), and the grouping they follow."""
    rows = report.matrix.rows
    grouping = report.areas.grouping
    if grouping is None:
        chunks = [list(range(i, min(i + CHUNK, len(rows)))) for i in range(0, len(rows), CHUNK)]
        return [
            _Group(f"Đơn vị {c[0] + 1}–{c[-1] + 1}", f"trang-{n + 1}.html", c)
            for n, c in enumerate(chunks)
        ], None
    members: list[list[int]] = [[] for _ in grouping.names]
    for i, group in enumerate(grouping.of_row):
        if group is not None:
            members[group].append(i)
    used: set[str] = set()
    pages = []
    for name, indexes in zip(grouping.names, members, strict=True):
        stem = safe_name(name, 60)
        file, n = f"{stem}.html", 1
        while file in used:
            n += 1
            file = f"{stem}-{n}.html"
        used.add(file)
        pages.append(_Group(name, file, indexes))
    return pages, grouping


Job = tuple[str, list[int]]
"""``("sites", rows)`` or ``("group", [n])``: pages to write; ``("chart", [])``: the chart
to draw into its cache."""


class PageWriter:
    """Writes the pages of one plan and day into an outbox."""

    def __init__(
        self,
        plan: Plan,
        matrix: Matrix,
        root: Path,
        templates: Sequence[Path],
        written_at: datetime,
        sent: dict[int, str] | None = None,
    ) -> None:
        self.plan, self.matrix, self.root = plan, matrix, root
        self.sent = sent or {}
        self.env = environment(templates)
        self.written_at = written_at
        self.report = Report(plan, matrix)
        self.detailed = len(matrix.rows) <= DETAIL_SITES
        self.result = Pages(root / PAGE)
        self.folders = [safe_name(row.site.id) for row in matrix.rows]
        self.forms = FormNames(plan)
        self.views: dict[int, CellView] = {}
        self.group_of: dict[int, _Group] = {}
        self.groups: list[_Group] = []
        self.charts: Path | None = None

    def _write(self, relative: str, text: str, durable: bool = True) -> Path | None:
        """Write a page atomically, not at all when the file already holds the same bytes;
        the page's path when it was written."""
        path = self.root / relative
        data = text.encode("utf-8")
        try:
            if path.stat().st_size == len(data) and path.read_bytes() == data:
                return None
        except OSError:
            pass
        write_atomic(path, data, durable=durable)
        return path

    def _note(self, written: Path | None) -> None:
        if written is not None:
            self.result.changed += 1
            self.result.pages.append(written)

    def site_documents(self, index: int, prefix: str) -> list[Listed]:
        """The documents in the folder of the site of row ``index``."""
        folder = self.folders[index]
        names = folder_files(self.root / folder)
        forms = self.forms.of(folder) if any(n.startswith("bieu-mau-") for n in names) else {}
        return describe(names, prefix, forms, self.sent)

    def view(self, cell: Cell, as_of: date) -> CellView:
        """:func:`cell_view`, once per cell: the sites that sent nothing share theirs."""
        found = self.views.get(id(cell))
        if found is None:
            found = self.views[id(cell)] = cell_view(cell, as_of)
        return found

    def href(self, index: int, up: str = "") -> str:
        """The page of the site of row ``index``, from a page ``up`` (``../``) the outbox."""
        return f"{up}{quote(self.folders[index])}/{PAGE}"

    def write(self, charts: Path | None) -> Pages:
        """Every page: the sites', the units' (a big plan), then the office's."""
        started = time.perf_counter()
        groups, grouping = ([], None) if self.detailed else _groups(self.report)
        self.groups, self.charts = groups, charts
        self.group_of = {i: g for g in groups for i in g.rows}
        count = len(self.matrix.rows)
        # The chart first: with workers, one draws it (into the cache) while others write pages.
        jobs: list[Job] = [("chart", [])] if charts is not None else []
        jobs += [("group", [n]) for n in range(len(groups))]
        jobs += [("sites", list(range(i, min(i + SHARE, count)))) for i in range(0, count, SHARE)]
        for written in spread(self.do, jobs, _do, _adopt, (self,)):
            for path in written:
                self._note(path)
        chart = page_chart(self.report, charts)  # from the cache, drawn by its job
        self.write_index(chart, groups, grouping)
        self.result.sites, self.result.groups = count, len(groups)
        self.result.seconds = time.perf_counter() - started
        return self.result

    def do(self, job: Job) -> list[Path]:
        """A job: the pages of a share of the sites, or of a unit above them; the pages
        written (the others had not changed). A big plan's jobs are spread over the cores,
        each worker forked with this writer."""
        kind, numbers = job
        if kind == "chart":
            page_chart(self.report, self.charts)
            return []
        if kind == "group":
            written = self.write_group(self.groups[numbers[0]])
            return [written] if written else []
        return self.site_pages(numbers)

    def site_pages(self, rows: list[int]) -> list[Path]:
        """The pages of the sites of ``rows``; those written (the others had not changed)."""
        template = self.env.get_template(SITE_TEMPLATE)
        base = _base(self.plan, self.matrix)
        models = {m.code: m.name for m in self.plan.models}
        as_of = self.matrix.as_of
        lines = [(m.id, m.name, _date(m.due)) for m in self.plan.milestones]
        written = []
        for i in rows:
            row = self.matrix.rows[i]
            ready = self.report.readiness[i]
            group = self.group_of.get(i)
            milestones = [
                SiteLine(name, due, self.view(cell, as_of))
                for key, name, due in lines
                if (cell := row.cells.get(key)) is not None
            ]
            context = base | {
                "site": row.name,
                "model": models.get(row.model or "", row.model or ""),
                "milestones": milestones,
                "ready": ready.ready,
                "reasons": ready.reasons,
                "documents": self.site_documents(i, ""),
                "group": (
                    Link(group.name, f"../{GROUPS_FOLDER}/{quote(group.file)}") if group else None
                ),
            }
            path = self._write(f"{self.folders[i]}/{PAGE}", template.render(context), False)
            if path is not None:
                written.append(path)
        return written

    def write_group(self, group: _Group) -> Path | None:
        template = self.env.get_template(GROUP_TEMPLATE)
        rows = self.matrix.rows
        context = _base(self.plan, self.matrix) | {
            "group": group.name,
            "milestones": _milestones(self.plan),
            "has_models": bool(self.plan.models),
            "rows": [
                _row_view(self.plan, rows[i], self.matrix.as_of, self.href(i, "../"))
                for i in group.rows
            ],
            "summary": _milestone_summary(self.plan, [rows[i] for i in group.rows]),
        }
        return self._write(f"{GROUPS_FOLDER}/{group.file}", template.render(context), False)

    def write_index(
        self, chart: bytes | None, groups: list[_Group], grouping: Grouping | None
    ) -> None:
        plan, matrix, report = self.plan, self.matrix, self.report
        as_of = matrix.as_of
        context = _base(plan, matrix) | {
            "written_at": written_words(self.written_at, plan.campaign.timezone),
            "tiles": _tiles(matrix, report.readiness),
            "detailed": self.detailed,
            "milestones": _milestones(plan),
            "has_models": bool(plan.models),
            "chart": chart_uri(chart),
            "reports": describe(folder_files(self.root / REPORT_FOLDER), f"{REPORT_FOLDER}/", {}),
            "unknown_folder": UNKNOWN_SITE_FOLDER,
        }
        unknown = folder_files(self.root / UNKNOWN_SITE_FOLDER)
        shown = describe(unknown[-3 * LISTED :], f"{UNKNOWN_SITE_FOLDER}/", {}, self.sent)
        context["unknown"] = shown[:LISTED]  # the newest (names begin with the day)
        context["unknown_more"] = len({os.path.splitext(n)[0] for n in unknown}) - LISTED
        if self.detailed:
            context |= {
                "rows": [
                    _row_view(plan, row, as_of, self.href(i)) for i, row in enumerate(matrix.rows)
                ],
                "late": report.late(),
                "missing": report.missing(),
                "ready": [
                    Link(r.site, self.href(i)) for i, r in enumerate(report.readiness) if r.ready
                ],
                "not_ready": [
                    {"site": Link(r.site, self.href(i)), "reasons": r.reasons}
                    for i, r in enumerate(report.readiness)
                    if not r.ready
                ],
                "sites": [
                    {
                        "name": row.name,
                        "href": self.href(i),
                        "documents": self.site_documents(i, f"{quote(self.folders[i])}/"),
                    }
                    for i, row in enumerate(matrix.rows)
                ],
            }
        else:
            group_hrefs = [f"{GROUPS_FOLDER}/{quote(g.file)}" for g in groups]
            tables = []
            if report.by_model is not None:
                tables.append(
                    {
                        "title": f"Theo {report.by_model.label}",
                        "header": report.by_model.header,
                        "rows": _grouped(plan, matrix.rows, report.by_model, None),
                    }
                )
            if grouping is not None:
                tables.append(
                    {
                        "title": f"Theo {grouping.label}",
                        "header": grouping.header,
                        "rows": _grouped(plan, matrix.rows, grouping, group_hrefs),
                    }
                )
            workbook = _latest_workbook(self.root, as_of)
            context |= {
                "summary": _milestone_summary(plan, matrix.rows),
                "tables": tables,
                "pages": [Link(g.name, h) for g, h in zip(groups, group_hrefs, strict=True)]
                if grouping is None
                else [],
                "late_summary": _without_workbook_note(report.late_summary()),
                "missing_summary": _without_workbook_note(report.missing_summary()),
                "ready_count": f"{shown_value(sum(1 for r in report.readiness if r.ready))}/"
                f"{shown_value(len(report.readiness))}",
                "not_ready_summary": report.not_ready_summary()[:-1],
                "workbook": workbook,
            }
        self._note(self._write(PAGE, self.env.get_template(TEMPLATE).render(context)))


_forked: PageWriter | None = None  # the writer a worker process was forked with


def _adopt(writer: PageWriter) -> None:
    global _forked
    _forked = writer


def _do(job: Job) -> list[Path]:
    assert _forked is not None
    return _forked.do(job)


def _without_workbook_note(lines: list[str]) -> list[str]:
    """The report's summary lines without its last one (where the workbook lists the sites:
    the page links the workbook itself)."""
    return lines[:-1]


def _latest_workbook(root: Path, as_of: date) -> Link | None:
    """The report's workbook of ``as_of``, else the newest one: it lists every site."""
    names = [n for n in folder_files(root / REPORT_FOLDER) if n.endswith(".xlsx")]
    if not names:
        return None
    wanted = f"tong-hop-{as_of:%Y-%m-%d}.xlsx"
    name = wanted if wanted in names else sorted(names)[-1]
    return Link(name, f"{REPORT_FOLDER}/{quote(name)}")


def write_pages(
    plan: Plan,
    matrix: Matrix,
    root: Path,
    templates: Sequence[Path],
    written_at: datetime,
    charts: Path | None = None,
    sent: dict[int, str] | None = None,
) -> Pages:
    """Write ``root/index.html``, each site's ``root/<site>/index.html`` and, for a plan too
    big to show site by site, ``root/tinh-hinh/<unit>.html``. ``templates``: the folders to
    take the templates from, the first first; ``charts``: the chart cache; ``sent``: the name
    each file was sent under, by its ledger id (for the titles of feedback)."""
    try:
        return PageWriter(plan, matrix, root, templates, written_at, sent).write(charts)
    except jinja2.TemplateError as failure:
        raise TemplateProblem(template_problem(failure, templates)) from None


def template_problem(failure: jinja2.TemplateError, templates: Sequence[Path]) -> str:
    """What is wrong with a page template, said for staff."""
    where = ", ".join(str(t) for t in templates)
    if isinstance(failure, jinja2.TemplateNotFound):
        return f"Không tìm thấy mẫu trang tình hình {failure.name} (trong {where})."
    name = getattr(failure, "filename", None) or getattr(failure, "name", None) or where
    line = getattr(failure, "lineno", None)
    at = f", dòng {line}" if line else ""
    return f"Mẫu trang tình hình {name}{at} không dùng được: {failure.message or failure}."
