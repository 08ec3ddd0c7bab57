"""The ``mohinh`` command line: thin adapters over the core, messages in Vietnamese."""

from __future__ import annotations

import gc
import json
import os
import re
import signal
import sys
from collections import Counter
from collections.abc import Callable
from dataclasses import asdict
from datetime import date, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any
from zoneinfo import ZoneInfo

import typer
from rich.console import Console
from rich.markup import escape
from rich.table import Table

from flows.errors import MohinhError, PlanError
from flows.plan import Plan, load_plan
from flows.plan.cache import load_in_state
from flows.plan.types import why_not_a_day

if TYPE_CHECKING:
    from flows.documents.service import DocumentOptions, DocumentRun
    from flows.documents.status import Matrix
    from flows.intake.engine import FileOutcome
    from flows.plan.schema import DocumentKind

DEFAULT_PLAN = Path("config/plan.yaml")
DEFAULT_INBOX = Path("inbox")
DEFAULT_STATE = Path("state")
DEFAULT_OUTBOX = Path("outbox")
DEFAULT_HOST = "127.0.0.1"  # `serve`'s own Prefect server: this machine only
DEFAULT_PORT = 4200  # Prefect's own port, as the README's commands give it
EXIT_INVALID = 2

GROUP_SETTINGS: dict[str, Any] = {  # `mohinh` and `mohinh plan` alike
    "no_args_is_help": True,
    "rich_markup_mode": "markdown",  # a help paragraph's lines are joined, as it is read
    "options_metavar": "[TÙY_CHỌN]",
    "subcommand_metavar": "LỆNH [ĐỐI_SỐ]...",
    "suggest_commands": False,  # click suggests, in Vietnamese (flows/words.py)
}
app = typer.Typer(
    help="mohinh: theo dõi kế hoạch nhân rộng mô hình, nhận biểu mẫu, soạn văn bản.",
    add_completion=False,
    pretty_exceptions_enable=False,
    **GROUP_SETTINGS,
)
plan_app = typer.Typer(help="Kiểm tra và xem kế hoạch (tệp YAML).", **GROUP_SETTINGS)
app.add_typer(plan_app, name="plan")

PlanPath = Annotated[
    Path, typer.Argument(metavar="TỆP", help="Tệp kế hoạch YAML.", show_default=True)
]
PlanOption = Annotated[Path, typer.Option("--plan", metavar="TỆP", help="Tệp kế hoạch YAML.")]
StateOption = Annotated[
    Path, typer.Option("--state", metavar="THƯ_MỤC", help="Thư mục lưu sổ theo dõi.")
]
OutboxOption = Annotated[
    Path, typer.Option("--outbox", metavar="THƯ_MỤC", help="Thư mục ghi văn bản.")
]
DatabaseOption = Annotated[
    str | None,
    typer.Option(
        metavar="URL",
        help="Địa chỉ SQLAlchemy của cơ sở dữ liệu (mặc định: biến MOHINH_DATABASE_URL, nếu "
        "không có thì SQLite trong --state).",
    ),
]
AsOfOption = Annotated[
    str | None,
    typer.Option("--as-of", metavar="NGÀY", help="Ngày xét, ví dụ 2026-08-15 (mặc định: hôm nay)."),
]
TemplatesOption = Annotated[
    Path | None,
    typer.Option(
        "--templates", metavar="THƯ_MỤC", help="Thư mục mẫu văn bản (mặc định: templates/)."
    ),
]
PdfOption = Annotated[
    bool, typer.Option("--pdf/--no-pdf", help="Làm thêm bản PDF (cần LibreOffice).")
]


def _console(stderr: bool = False) -> Console:
    return Console(stderr=stderr, highlight=False, soft_wrap=True)


def _load(path: Path, state: Path | None = None) -> Plan:
    """Load the plan or exit 2 with every problem, one per line. With the command's ``state``
    folder, through the plan cache kept there (``flows.plan.cache``): a national plan loads
    in a tenth of a second instead of seconds while its files are unchanged."""
    try:
        plan = load_plan(path) if state is None else load_in_state(path, state)
    except PlanError as error:
        err = _console(stderr=True)
        for problem in error.problems:
            err.print(str(problem), markup=False)
        err.print(f"Kế hoạch có {len(error.problems)} lỗi, chưa dùng được.", markup=False)
        raise typer.Exit(EXIT_INVALID) from None
    except MohinhError as error:  # pragma: no cover - other stops carry their own text
        _console(stderr=True).print(str(error), markup=False)
        raise typer.Exit(1) from None
    # A command lives as long as its plan: the garbage collector need not walk the plan's
    # objects (100,000s at national size) on each of its rounds, which cost a command a
    # third of its time reading a national ledger.
    gc.freeze()
    return plan


def summary(plan: Plan) -> str:
    """One line saying what a valid plan holds."""
    due = [m.due for m in plan.milestones]
    return (
        f"Kế hoạch hợp lệ: {plan.campaign.id} — {len(plan.models)} mô hình, "
        f"{len(plan.sites)} điểm, {len(plan.milestones)} mốc "
        f"({min(due):%d/%m/%Y} → {max(due):%d/%m/%Y}), {len(plan.forms)} biểu mẫu, "
        f"{len(plan.units.walk())} đơn vị hành chính."
    )


@plan_app.command("check")
def plan_check(path: PlanPath = DEFAULT_PLAN) -> None:
    """Kiểm tra kế hoạch: in một dòng tóm tắt nếu hợp lệ, hoặc mọi lỗi (mỗi lỗi một dòng)."""
    plan = _load(path)
    _console().print(summary(plan), markup=False)


@plan_app.command("show")
def plan_show(path: PlanPath = DEFAULT_PLAN) -> None:
    """Xem kế hoạch: các mô hình, các điểm và mô hình được giao, các mốc và hạn nộp."""
    plan = _load(path)
    out = _console()
    out.print(f"[bold]{plan.campaign.title}[/bold]")
    out.print(summary(plan), markup=False)
    if plan.models:
        table = Table(title="Mô hình", title_justify="left")
        table.add_column("Mã")
        table.add_column("Tên mô hình")
        table.add_column("Số điểm", justify="right")
        for model in plan.models:
            count = sum(1 for s in plan.sites if s.model == model.code)
            table.add_row(model.code, model.name, str(count))
        out.print(table)
    table = Table(title="Điểm", title_justify="left")
    table.add_column("Mã")
    table.add_column("Đơn vị")
    if plan.models:
        table.add_column("Mô hình")
    table.add_column("Đơn vị cấp dưới")
    for site in plan.sites:
        row = [site.id, site.name or plan.unit_of(site).path]
        if plan.models:
            row.append(site.model or "")
        row.append("chọn khi đăng ký" if site.choose_child else "")
        table.add_row(*row)
    out.print(table)
    table = Table(title="Mốc", title_justify="left")
    for header in ("Mã", "Tên mốc", "Hạn nộp", "Biểu mẫu", "Số điểm phải nộp"):
        table.add_column(header)
    for milestone in plan.milestones:
        table.add_row(
            milestone.id,
            milestone.name + (" (đăng ký)" if milestone.registration else ""),
            f"{milestone.due:%d/%m/%Y}",
            milestone.form,
            str(len(plan.sites_of(milestone))),
        )
    out.print(table)
    print_issuer(plan)


DOCUMENT_WORDS: dict[DocumentKind, str] = {
    "reminder": "Công văn đôn đốc",
    "feedback": "Phiếu phản hồi",
    "report": "Báo cáo tổng hợp",
}


def print_issuer(plan: Plan) -> None:
    """What every document prints from the plan: the letterhead, the signature block, and
    each kind's number and "Nơi nhận" list, as the documents show them."""
    from flows.documents.letterhead import letterhead

    out = _console()
    start = plan.campaign.start or min(m.due for m in plan.milestones)
    heads = {kind: letterhead(plan, kind, start) for kind in DOCUMENT_WORDS}
    head = heads["report"]
    out.print("Cơ quan ban hành (đầu văn bản)", markup=False)
    for line in [*head["org_parent"].splitlines(), head["org_name"]]:
        out.print(f"  {line}", markup=False)
    out.print(f"  Nơi ban hành: {plan.issuer.place}", markup=False)
    signer = [head["signer_authority"], head["signer_title"]]
    signer.append(head["signer_name"] or "(chưa có họ tên: văn bản chừa chỗ ký)")
    out.print(f"Người ký: {' — '.join(signer)}", markup=False)
    table = Table(title="Văn bản", title_justify="left")
    for header in ("Loại", "Số, ký hiệu", "Nơi nhận"):
        table.add_column(header)
    for kind, words in DOCUMENT_WORDS.items():
        recipients = heads[kind]["recipients"] or "(không có)"
        table.add_row(words, escape(heads[kind]["number"]), escape(recipients))
    out.print(table)


def parse_day(text: str) -> date:
    """``2026-08-15`` or ``15/08/2026``."""
    for pattern in ("%Y-%m-%d", "%d/%m/%Y"):
        try:
            return datetime.strptime(text.strip(), pattern).date()
        except ValueError:
            continue
    written = re.fullmatch(r"(\d{4})-(\d{1,2})-(\d{1,2})|(\d{1,2})/(\d{1,2})/(\d{4})", text.strip())
    if written:
        year, month, day = written[1], written[2], written[3]
        if year is None:
            year, month, day = written[6], written[5], written[4]
        reason = why_not_a_day(int(year), int(month), int(day))
        if reason:
            raise typer.BadParameter(f"'{text}' không phải ngày: {reason}.")
    raise typer.BadParameter(f"'{text}' không phải ngày (viết 2026-08-15 hoặc 15/08/2026).")


def today_in(plan: Plan) -> date:
    """Today in the plan's time zone: the only place intake reads the clock."""
    return datetime.now(ZoneInfo(plan.campaign.timezone)).date()


SEVERITY_WORDS = {"error": "lỗi", "warning": "lưu ý"}


def printable(text: str) -> str:
    """Text from a sender's file made safe for a terminal (no control characters)."""
    return "".join(c if c.isprintable() else "\ufffd" for c in text)


@app.command("intake")
def intake(
    plan_path: Annotated[
        Path, typer.Option("--plan", metavar="TỆP", help="Tệp kế hoạch YAML.")
    ] = DEFAULT_PLAN,
    inbox: Annotated[
        Path, typer.Option(metavar="THƯ_MỤC", help="Thư mục các đơn vị gửi tệp vào.")
    ] = DEFAULT_INBOX,
    state: Annotated[
        Path, typer.Option(metavar="THƯ_MỤC", help="Thư mục lưu sổ theo dõi.")
    ] = DEFAULT_STATE,
    as_of: Annotated[
        str | None,
        typer.Option(
            "--as-of", metavar="NGÀY", help="Ngày nhận dùng để xét nộp muộn (mặc định: hôm nay)."
        ),
    ] = None,
    as_json: Annotated[bool, typer.Option("--json", help="In kết quả dạng JSON.")] = False,
    database: DatabaseOption = None,
    outbox: Annotated[
        Path | None,
        typer.Option(
            metavar="THƯ_MỤC", help="Thư mục ghi phiếu phản hồi cho các tệp có lỗi hoặc lưu ý."
        ),
    ] = DEFAULT_OUTBOX,
    feedback: Annotated[
        bool, typer.Option("--feedback/--no-feedback", help="Ghi phiếu phản hồi cho tệp có lỗi.")
    ] = True,
    templates: TemplatesOption = None,
    pdf: PdfOption = True,
    settle: Annotated[
        float,
        typer.Option(metavar="GIÂY", help="Số giây giữa hai lần xem tệp (tệp phải không đổi)."),
    ] = 2.0,
    min_age: Annotated[
        float, typer.Option(metavar="GIÂY", help="Tệp phải được ghi xong ít nhất chừng này giây.")
    ] = 5.0,
) -> None:
    """Nhận các tệp trong thư mục nhận: kiểm tra theo kế hoạch, ghi sổ, trả lời từng tệp.

    Mỗi tệp bị trả lại hoặc có lưu ý được trả lời bằng một phiếu phản hồi, trong --outbox."""
    from flows.documents import service
    from flows.documents.outbox import check_outbox, write_failure
    from flows.intake.engine import IntakeOptions, run_intake

    plan = _load(plan_path, state)
    day = parse_day(as_of) if as_of else today_in(plan)
    options = IntakeOptions(settle=settle, min_age=min_age, database=database)
    outcomes, written, unwritten = None, None, None
    try:
        if feedback and outbox is not None:
            check_outbox(outbox, inbox)
        outcomes = run_intake(plan, inbox, state, day, options)
        if feedback and outbox is not None:
            written = service.feedback(
                plan, inbox, state, outbox, day, _document_options(templates, pdf, database)
            )
    except MohinhError as failure:
        raise _stop(failure) from None
    except OSError as failure:  # the files are in the ledger: only their feedback is owed
        if outcomes is None or outbox is None:
            raise
        unwritten = (
            f"{write_failure(failure, 'phiếu phản hồi', outbox)} Các tệp trên đã được nhận và "
            "ghi sổ; phiếu phản hồi còn thiếu sẽ được ghi ở lần chạy sau, khi thư mục văn bản "
            "ghi được."
        )
    if as_json:
        data: dict[str, Any] = {"as_of": day.isoformat(), "files": [o.as_dict() for o in outcomes]}
        if written is not None:
            data["documents"] = [asdict(w) for w in written.written]
        if unwritten is not None:
            data["documents_error"] = unwritten
        typer.echo(json.dumps(data, ensure_ascii=False, indent=2))
    else:
        print_outcomes(plan, outcomes, day)
        if written is not None:
            print_written(written, outbox or DEFAULT_OUTBOX)
    if outcomes and written is not None and outbox is not None:  # files came in
        write_page(plan, state, outbox, day, _document_options(templates, pdf, database), as_json)
    if unwritten is not None:
        raise _stop(MohinhError(unwritten))


def json_rows(data: dict[str, Any], key: str) -> str:
    """``data`` as JSON, each item of its list ``key`` on a line of its own: as readable as
    ``indent=2`` for a few sites, and written by the C encoder for 10,000 (seconds faster)."""
    encode = json.JSONEncoder(ensure_ascii=False).encode
    fields = [f"  {encode(name)}: {encode(value)}" for name, value in data.items() if name != key]
    rows = ",\n".join(f"    {encode(row)}" for row in data[key])
    fields.append(f"  {encode(key)}: [\n{rows}\n  ]" if rows else f"  {encode(key)}: []")
    return "{\n" + ",\n".join(fields) + "\n}"


def _document_options(templates: Path | None, pdf: bool, database: str | None) -> DocumentOptions:
    from flows.documents.service import TEMPLATES, DocumentOptions

    return DocumentOptions(templates or TEMPLATES, pdf, database)


def _day(plan: Plan, as_of: str | None) -> date:
    return parse_day(as_of) if as_of else today_in(plan)


def counted(kinds: list[str]) -> str:
    """``9 văn bản và 9 biểu mẫu``: documents and the blank forms sent with them."""
    forms = kinds.count("form")
    return f"{len(kinds) - forms} văn bản" + (f" và {forms} biểu mẫu" if forms else "")


def print_written(run: DocumentRun, outbox: Path) -> None:
    """The documents a run wrote, one path per line."""
    out = _console()
    documents = [w for w in run.written if w.kind not in ("chart",)]
    if documents:
        count = counted([w.kind for w in documents])
        out.print(f"\nĐã ghi {count} vào {outbox}:", markup=False)
        for written in documents:
            extra = f" (+ {written.pdf})" if written.pdf else ""
            out.print(f"  {outbox / written.path}{extra}", markup=False)
    for problem in run.problems:
        _console(stderr=True).print(f"Lưu ý: {problem}", markup=False)
    if run.manifest:
        out.print(f"Danh sách: {run.manifest}", markup=False)


def write_page(
    plan: Plan, state: Path, outbox: Path, day: date, options: DocumentOptions, quiet: bool = False
) -> None:
    """The status pages (``outbox/index.html``, a page per site) after a command that wrote
    into the outbox; a page that cannot be written is said on stderr, and the command's
    documents stand."""
    from flows.documents.outbox import write_failure
    from flows.documents.service import status_page

    try:
        pages = status_page(plan, state, outbox, day, options)
    except OSError as failure:
        problem = write_failure(failure, "trang tình hình", outbox)
        _console(stderr=True).print(f"Lưu ý: {problem}", markup=False)
        return
    except MohinhError as failure:
        _console(stderr=True).print(f"Lưu ý: {failure}", markup=False)
        return
    if not quiet:
        _console().print(f"Trang tình hình: {pages.index}", markup=False)


def warn_no_ledger(state: Path, database: str | None) -> None:
    """Say so when there is no ledger: every report then shows as not received."""
    from flows.intake.ledger import ledger_exists

    if not ledger_exists(state, database):
        _console(stderr=True).print(
            f"Lưu ý: chưa có sổ theo dõi trong {state} (chưa nhận tệp nào, hoặc --state sai): "
            "mọi báo cáo được coi là chưa nhận.",
            markup=False,
        )


def _stop(failure: MohinhError) -> typer.Exit:
    _console(stderr=True).print(str(failure), markup=False)
    return typer.Exit(1)


@app.command("status")
def status(
    plan_path: PlanOption = DEFAULT_PLAN,
    state: StateOption = DEFAULT_STATE,
    as_of: AsOfOption = None,
    as_json: Annotated[bool, typer.Option("--json", help="In kết quả dạng JSON.")] = False,
    database: DatabaseOption = None,
    every_site: Annotated[
        bool,
        typer.Option(
            "--all",
            help="In từng đơn vị kể cả khi kế hoạch có nhiều đơn vị (mặc định: từng đơn vị khi "
            "có không quá 60 đơn vị, nếu nhiều hơn thì bảng tổng hợp theo mốc và theo địa bàn).",
        ),
    ] = False,
) -> None:
    """Tình hình gửi báo cáo của từng đơn vị, từng mốc, tại một ngày."""
    from flows.documents.areas import DETAIL_SITES
    from flows.documents.status import SHORT_STATE, status_matrix

    plan = _load(plan_path, state)
    day = _day(plan, as_of)
    warn_no_ledger(state, database)
    try:
        matrix = status_matrix(plan, state, day, database)
    except MohinhError as failure:
        raise _stop(failure) from None
    if as_json:
        typer.echo(json_rows(matrix.as_dict(), "sites"))
        return
    if len(matrix.rows) > DETAIL_SITES and not every_site:
        print_status_summary(matrix)
        return
    table = Table(title=f"Tình hình gửi báo cáo đến ngày {day:%d/%m/%Y}", title_justify="left")
    table.add_column("Đơn vị")
    for milestone in plan.milestones:
        table.add_column(f"{milestone.id}\nhạn {milestone.due:%d/%m}")
    for row in matrix.rows:
        cells = []
        for milestone in plan.milestones:
            cell = row.cells.get(milestone.id)
            if cell is None:
                cells.append("—")
                continue
            text = SHORT_STATE[cell.state]
            cells.append(f"{text} {cell.received:%d/%m}" if cell.received else text)
        table.add_row(escape(row.name), *cells)
    _console().print(table)


def print_status_summary(matrix: Matrix) -> None:
    """Where a big campaign stands: each milestone's sites by state, then the reports
    accepted out of those owed by milestone and by the unit above the sites."""
    from flows.documents.areas import site_grouping
    from flows.documents.status import SHORT_STATE, State

    plan, day, out = matrix.plan, matrix.as_of, _console()
    states: list[State] = ["submitted", "late", "rejected", "overdue", "due_soon", "not_due"]
    title = f"Tình hình gửi báo cáo đến ngày {day:%d/%m/%Y}: {len(matrix.rows):,} đơn vị"
    table = Table(title=title.replace(",", "."), title_justify="left")
    for header in ["Mốc", "Hạn", *(SHORT_STATE[s] for s in states), "Phải nộp"]:
        first = header in ("Mốc", "Hạn")
        table.add_column(
            header,
            justify="left" if header == "Mốc" else "right",
            no_wrap=first,
            min_width=None if first else len(_number(len(matrix.rows))),
        )
    grouping = site_grouping(plan, matrix.rows)
    ids = [m.id for m in plan.milestones]
    counts = [Counter[State]() for _ in ids]
    groups = len(grouping.names) if grouping is not None else 0
    owed = [[Counter[bool]() for _ in ids] for _ in range(groups)]
    of_row = grouping.of_row if grouping is not None else [None] * len(matrix.rows)
    for row, group in zip(matrix.rows, of_row, strict=True):
        for n, milestone_id in enumerate(ids):
            cell = row.cells.get(milestone_id)
            if cell is not None:
                counts[n][cell.state] += 1
                if group is not None:
                    owed[group][n][cell.state in ("submitted", "late")] += 1
    for milestone, counted in zip(plan.milestones, counts, strict=True):
        cells = [_number(counted[s]) for s in states]
        table.add_row(
            escape(milestone.id), f"{milestone.due:%d/%m/%Y}", *cells, _number(counted.total())
        )
    out.print(table)
    if grouping is not None:
        by_area = Table(
            title=f"Số báo cáo đã nhận / phải nộp, theo {grouping.label}", title_justify="left"
        )
        by_area.add_column(grouping.header)
        for milestone in plan.milestones:
            by_area.add_column(escape(milestone.id), justify="right")
        for name, counted_here in zip(grouping.names, owed, strict=True):
            shown = [
                f"{_number(c[True])}/{_number(c.total())}" if c.total() else "—"
                for c in counted_here
            ]
            by_area.add_row(escape(name), *shown)
        out.print(by_area)
    out.print(
        "Từng đơn vị: thêm --all (hoặc --json), hoặc xem bảng tính kèm báo cáo tổng hợp "
        "(mohinh report).",
        markup=False,
    )


def _number(value: int) -> str:
    """``12.345``: a count as Vietnamese write it."""
    return f"{value:,}".replace(",", ".")


@app.command("remind")
def remind(
    plan_path: PlanOption = DEFAULT_PLAN,
    state: StateOption = DEFAULT_STATE,
    outbox: OutboxOption = DEFAULT_OUTBOX,
    as_of: AsOfOption = None,
    force: Annotated[
        bool, typer.Option("--force", help="Soạn lại cả công văn đã soạn trong ngày.")
    ] = False,
    database: DatabaseOption = None,
    templates: TemplatesOption = None,
    pdf: PdfOption = True,
) -> None:
    """Soạn công văn đôn đốc đến hạn trong ngày (mỗi công văn chỉ soạn một lần)."""
    from flows.documents.service import remind as write_reminders

    plan = _load(plan_path, state)
    day = _day(plan, as_of)
    try:
        run = write_reminders(
            plan, state, outbox, day, _document_options(templates, pdf, database), force
        )
    except MohinhError as failure:
        raise _stop(failure) from None
    if not run.written:
        # Nothing changed in the outbox or the ledger: the pages stay as the last command
        # wrote them (at national size they take seconds to write).
        _console().print(f"Không có công văn đôn đốc nào đến hạn ngày {day:%d/%m/%Y}.")
        return
    print_written(run, outbox)
    write_page(plan, state, outbox, day, _document_options(templates, pdf, database))


@app.command("report")
def report(
    plan_path: PlanOption = DEFAULT_PLAN,
    state: StateOption = DEFAULT_STATE,
    outbox: OutboxOption = DEFAULT_OUTBOX,
    as_of: AsOfOption = None,
    database: DatabaseOption = None,
    templates: TemplatesOption = None,
    pdf: PdfOption = True,
) -> None:
    """Soạn báo cáo tổng hợp tại một ngày (.docx, biểu đồ và bảng tính .xlsx kèm theo)."""
    from flows.documents.service import report as write_report

    plan = _load(plan_path, state)
    day = _day(plan, as_of)
    try:
        run = write_report(plan, state, outbox, day, _document_options(templates, pdf, database))
    except MohinhError as failure:
        raise _stop(failure) from None
    print_written(run, outbox)
    write_page(plan, state, outbox, day, _document_options(templates, pdf, database))


@app.command("forms")
def forms(
    plan_path: PlanOption = DEFAULT_PLAN,
    outbox: OutboxOption = DEFAULT_OUTBOX,
    milestone: Annotated[
        list[str] | None,
        typer.Option(metavar="MÃ_MỐC", help="Chỉ mốc này (mã mốc; có thể ghi nhiều lần)."),
    ] = None,
    site: Annotated[
        list[str] | None,
        typer.Option(metavar="MÃ_ĐIỂM", help="Chỉ điểm này (mã điểm; có thể ghi nhiều lần)."),
    ] = None,
    inbox: Annotated[
        Path,
        typer.Option(
            metavar="THƯ_MỤC", help="Thư mục nhận (biểu mẫu không được ghi vào trong đó)."
        ),
    ] = DEFAULT_INBOX,
) -> None:
    """Soạn biểu mẫu trống (.xlsx) cho từng điểm và từng mốc.

    Biểu mẫu được ghi vào thư mục của điểm trong --outbox, có danh sách chọn, định dạng và
    trang hướng dẫn."""
    from flows.forms import write_forms

    plan = _load(plan_path)
    known_milestones = {m.id: m for m in plan.milestones}
    unknown = [m for m in milestone or [] if m not in known_milestones]
    unknown_sites = [s for s in site or [] if plan.site_by_id(s) is None]
    if unknown or unknown_sites:
        if unknown:
            _console(stderr=True).print(
                unknown_ids("mốc", unknown, list(known_milestones)), markup=False
            )
        if unknown_sites:
            _console(stderr=True).print(
                unknown_ids("điểm", unknown_sites, [s.id for s in plan.sites]), markup=False
            )
        raise typer.Exit(EXIT_INVALID)
    chosen = [known_milestones[m] for m in milestone] if milestone else plan.milestones
    from flows.documents.outbox import check_outbox, write_failure

    try:
        check_outbox(outbox, inbox)
        written = write_forms(plan, outbox, chosen, site or None)
    except MohinhError as failure:
        raise _stop(failure) from None
    except OSError as failure:
        raise _stop(MohinhError(write_failure(failure, "biểu mẫu", outbox))) from None
    out = _console()
    if not written:
        out.print(
            "Không có biểu mẫu nào để ghi: các điểm đã chọn không gửi các mốc đã chọn.",
            markup=False,
        )
        return
    out.print(f"Đã ghi {len(written)} biểu mẫu vào {outbox}:", markup=False)
    for path in written:
        out.print(f"  {path}", markup=False)


def unknown_ids(what: str, unknown: list[str], known: list[str]) -> str:
    """``Không có mốc x`` with what it was probably meant to be (``có phải 'X'?``), else
    the ids there are."""
    from flows.plan.messages import closest

    guesses = [closest(value, known) for value in unknown]
    if all(guesses):
        meant = ", ".join(f"'{g}'" for g in guesses)
        return f"Không có {what} {', '.join(unknown)}; có phải {meant}?"
    return f"Không có {what} {', '.join(unknown)} (có: {', '.join(known)})"


@app.command("run")
def run(
    plan_path: PlanOption = DEFAULT_PLAN,
    inbox: Annotated[
        Path, typer.Option(metavar="THƯ_MỤC", help="Thư mục các đơn vị gửi tệp vào.")
    ] = DEFAULT_INBOX,
    state: StateOption = DEFAULT_STATE,
    outbox: OutboxOption = DEFAULT_OUTBOX,
    as_of: AsOfOption = None,
    database: DatabaseOption = None,
    templates: TemplatesOption = None,
    pdf: PdfOption = True,
    settle: Annotated[
        float, typer.Option(metavar="GIÂY", help="Số giây giữa hai lần xem tệp.")
    ] = 2.0,
    min_age: Annotated[
        float, typer.Option(metavar="GIÂY", help="Tệp phải ghi xong ít nhất chừng này giây.")
    ] = 5.0,
) -> None:
    """Chạy ngay một vòng đầy đủ qua Prefect: nhận tệp, công văn đôn đốc, báo cáo tổng hợp.

    Như lịch tự động sẽ chạy (nhận tệp kèm phiếu phản hồi). Không đặt PREFECT_API_URL thì tự
    khởi động máy chủ Prefect trên máy này (dữ liệu trong thư mục --state)."""
    plan = _load(plan_path, state)  # a broken plan stops here, before Prefect starts
    day = _day(plan, as_of)
    parameters = {
        "plan": str(plan_path),
        "inbox": str(inbox),
        "state": str(state),
        "outbox": str(outbox),
        "as_of": day.isoformat(),
        "database": database,
        "templates": str(templates) if templates else None,
        "pdf": pdf,
        "settle": settle,
        "min_age": min_age,
    }
    os.environ.setdefault("PREFECT_SERVER_ANALYTICS_ENABLED", "false")
    from flows.serving import local_server, require_server

    try:
        if external := os.environ.get("PREFECT_API_URL"):
            require_server(external)
            result = _cycle(parameters)
        else:
            _console().print("Đang khởi động máy chủ Prefect trên máy này…", markup=False)
            with local_server(state) as api_url:
                os.environ["PREFECT_API_URL"] = api_url
                result = _cycle(parameters)
    except MohinhError as failure:
        raise _stop(failure) from None
    out = _console()
    files = result["files"]
    if files:
        counts: dict[str, int] = {}
        for file in files:
            counts[file["status"]] = counts.get(file["status"], 0) + 1
        from flows.intake.engine import STATUS_WORDS

        words = ", ".join(f"{n} {STATUS_WORDS[s]}" for s, n in counts.items())
        out.print(f"Nhận tệp ngày {day:%d/%m/%Y}: {words}.", markup=False)
    documents = [d for d in result["documents"] if d["kind"] != "chart"]
    out.print(f"Đã ghi {counted([d['kind'] for d in documents])} vào {outbox}:", markup=False)
    for document in documents:
        out.print(f"  {outbox / document['path']}", markup=False)
    if result.get("page"):
        out.print(f"Trang tình hình: {outbox / result['page']}", markup=False)


def _cycle(parameters: dict[str, Any]) -> dict[str, Any]:
    """One ``cycle`` flow run; a Prefect server lost midway is said plainly (what was done
    stays done; the next run goes on from there)."""
    import httpx

    from flows.orchestration import cycle

    try:
        result: dict[str, Any] = cycle(**parameters)
        return result
    except httpx.HTTPError as failure:
        raise MohinhError(
            f"Mất kết nối với máy chủ Prefect giữa chừng ({type(failure).__name__}: {failure}). "
            "Phần đã làm xong được giữ nguyên; lần chạy sau sẽ làm tiếp."
        ) from None


def _parameters(
    plan_path: Path,
    inbox: Path,
    state: Path,
    outbox: Path,
    database: str | None,
    templates: Path | None,
    pdf: bool,
) -> dict[str, Any]:
    """The flows' parameters for deployments: absolute paths, since runs start elsewhere."""
    return {
        "plan": str(plan_path.resolve()),
        "inbox": str(inbox.resolve()),
        "state": str(state.resolve()),
        "outbox": str(outbox.resolve()),
        "database": database,
        "templates": str(templates.resolve()) if templates else None,
        "pdf": pdf,
    }


@app.command("serve")
def serve(
    plan_path: PlanOption = DEFAULT_PLAN,
    inbox: Annotated[
        Path, typer.Option(metavar="THƯ_MỤC", help="Thư mục các đơn vị gửi tệp vào.")
    ] = DEFAULT_INBOX,
    state: StateOption = DEFAULT_STATE,
    outbox: OutboxOption = DEFAULT_OUTBOX,
    database: DatabaseOption = None,
    templates: TemplatesOption = None,
    pdf: PdfOption = True,
    host: Annotated[
        str,
        typer.Option(
            metavar="ĐỊA_CHỈ",
            help="Địa chỉ máy chủ Prefect tự khởi động lắng nghe: 127.0.0.1 là chỉ máy này, "
            "0.0.0.0 là cả các máy khác trong mạng.",
        ),
    ] = DEFAULT_HOST,
    port: Annotated[
        int,
        typer.Option(
            metavar="CỔNG", help="Cổng của máy chủ Prefect tự khởi động (giao diện và API)."
        ),
    ] = DEFAULT_PORT,
) -> None:
    """Chạy theo lịch trong kế hoạch (phần schedules) cho tới khi bấm Ctrl-C.

    Không đặt PREFECT_API_URL thì tự khởi động một máy chủ Prefect trên máy này, ở --host và
    --port, rồi in địa chỉ giao diện và lệnh chạy ngay một vòng."""
    plan = _load(plan_path, state)
    parameters = _parameters(plan_path, inbox, state, outbox, database, templates, pdf)
    signal.signal(signal.SIGTERM, _interrupt)
    from flows.serving import local_server, require_server, serve_plan, ui_address

    out = _console()
    try:
        external = os.environ.get("PREFECT_API_URL")
        if external:
            require_server(external)
            serve_plan(plan, parameters, _ready(plan, external, external.removesuffix("/api")))
        else:
            out.print("Đang khởi động máy chủ Prefect trên máy này…", markup=False)
            with local_server(state, host=host, port=port) as api_url:
                os.environ["PREFECT_API_URL"] = api_url
                out.print(f"Máy chủ Prefect: {api_url.removesuffix('/api')}", markup=False)
                serve_plan(plan, parameters, _ready(plan, api_url, ui_address(host, port)))
    except KeyboardInterrupt:
        pass
    except MohinhError as failure:
        raise _stop(failure) from None
    out.print("Đã dừng chạy theo lịch.", markup=False)


def _ready(plan: Plan, api_url: str, ui: str) -> Callable[[list[str]], None]:
    """What ``serve`` says once its deployments are served: what runs, where the UI is, and
    the command that runs a whole cycle now (as the README gives it)."""

    def say(names: list[str]) -> None:
        out = _console()
        out.print("Đang chạy theo lịch (dừng: Ctrl-C):", markup=False)
        for name in names:
            out.print(f"  {name}", markup=False)
        out.print(f"Giao diện Prefect: {ui}", markup=False)
        program = Path(sys.executable).with_name("prefect")
        if program.is_relative_to(Path.cwd()):
            program = Path(".") / program.relative_to(Path.cwd())
        cycle = f"cycle/{plan.campaign.id}-cycle"
        out.print("Chạy ngay một vòng đầy đủ:", markup=False)
        out.print(
            f"  PREFECT_API_URL={api_url} {program} deployment run '{cycle}' --watch",
            markup=False,
        )

    return say


@app.command("deploy")
def deploy(
    pool: Annotated[
        str, typer.Option(metavar="TÊN", help="Nhóm máy chạy (work pool) của Prefect.")
    ],
    plan_path: PlanOption = DEFAULT_PLAN,
    inbox: Annotated[
        Path, typer.Option(metavar="THƯ_MỤC", help="Thư mục các đơn vị gửi tệp vào.")
    ] = DEFAULT_INBOX,
    state: StateOption = DEFAULT_STATE,
    outbox: OutboxOption = DEFAULT_OUTBOX,
    database: DatabaseOption = None,
    templates: TemplatesOption = None,
    pdf: PdfOption = True,
) -> None:
    """Đăng ký lịch chạy của kế hoạch vào một nhóm máy chạy của Prefect.

    Máy chủ Prefect là PREFECT_API_URL; các máy chạy "prefect worker start --pool …" thực hiện.
    Các đường dẫn phải là đường dẫn mà máy chạy nhìn thấy."""
    plan = _load(plan_path, state)
    parameters = _parameters(plan_path, inbox, state, outbox, database, templates, pdf)
    from flows.serving import deploy_plan, require_server

    try:
        external = os.environ.get("PREFECT_API_URL")
        if not external:
            raise MohinhError(
                "Chưa đặt PREFECT_API_URL: lệnh này cần địa chỉ máy chủ Prefect dùng chung."
            )
        require_server(external)
        names = deploy_plan(plan, parameters, pool)
    except MohinhError as failure:
        raise _stop(failure) from None
    out = _console()
    out.print(f"Đã đăng ký {len(names)} lịch chạy vào nhóm máy '{pool}':", markup=False)
    for name in names:
        out.print(f"  {name}", markup=False)


def _interrupt(_signal: int, _frame: object) -> None:
    raise KeyboardInterrupt


@app.command("simulate")
def simulate(
    start: Annotated[str, typer.Option("--from", metavar="NGÀY", help="Ngày bắt đầu.")],
    end: Annotated[str, typer.Option("--to", metavar="NGÀY", help="Ngày kết thúc.")],
    plan_path: PlanOption = DEFAULT_PLAN,
    state: StateOption = DEFAULT_STATE,
    database: DatabaseOption = None,
) -> None:
    """Xem trước: ngày nào sẽ gửi công văn đôn đốc nào (không ghi gì)."""
    from flows.documents.status import simulate_ledger as replay

    plan = _load(plan_path, state)
    first, last = parse_day(start), parse_day(end)
    if last < first:
        raise typer.BadParameter("--to phải sau --from.")
    warn_no_ledger(state, database)
    try:
        days = replay(plan, state, first, last, database)
    except MohinhError as failure:
        raise _stop(failure) from None
    out = _console()
    names = {s.id: plan.site_name(s) for s in plan.sites}
    milestones = {m.id: m.name for m in plan.milestones}
    total = 0
    for day, reminders in days:
        if not reminders:
            continue
        by_site: dict[str, list[str]] = {}
        for reminder in reminders:
            by_site.setdefault(reminder.site, []).append(
                f"{milestones[reminder.milestone]} ({reminder.level.label})"
            )
        total += len(by_site)
        out.print(f"[bold]{day:%d/%m/%Y}[/bold]: {len(by_site)} công văn")
        for site, items in by_site.items():
            out.print(f"  {names[site]}: {'; '.join(items)}", markup=False)
    out.print(
        f"Từ {first:%d/%m/%Y} đến {last:%d/%m/%Y}: {total} công văn (chưa ghi gì).",
        markup=False,
    )


DETAIL_FILES = 60
"""The most files ``mohinh intake`` lists one by one; above it, a summary."""


def print_outcomes(plan: Plan, outcomes: list[FileOutcome], day: date) -> None:
    """One table row per file, then each file's issues with their cells."""
    from flows.intake.engine import STATUS_WORDS

    out = _console()
    if not outcomes:
        out.print(f"Không có tệp mới trong thư mục nhận (ngày xét: {day:%d/%m/%Y}).")
        return
    if len(outcomes) > DETAIL_FILES:
        print_outcome_summary(outcomes, day)
        return
    table = Table(title=f"Nhận tệp ngày {day:%d/%m/%Y}", title_justify="left")
    for header in ("Tệp", "Kết quả", "Điểm", "Mốc", "Lỗi", "Lưu ý"):
        table.add_column(header)
    for outcome in outcomes:
        errors = sum(1 for i in outcome.issues if i.is_error)
        table.add_row(
            escape(printable(outcome.file)),
            STATUS_WORDS[outcome.status],
            ", ".join(outcome.sites),
            outcome.milestone or "",
            str(errors or ""),
            str(len(outcome.issues) - errors or ""),
        )
    out.print(table)
    for outcome in outcomes:
        if not outcome.issues:
            continue
        out.print(
            f"\n[bold]{escape(printable(outcome.file))}[/bold] ({STATUS_WORDS[outcome.status]})"
        )
        for issue in outcome.issues:
            place = issue.cell or (f"dòng {issue.row}" if issue.row else None)
            where = " ".join(p for p in (issue.sheet and f"[{issue.sheet}]", place) if p)
            hint = (
                f" Gợi ý: {issue.suggestion}."
                if issue.suggestion and "?" not in issue.message
                else ""
            )
            line = f"  {SEVERITY_WORDS[issue.severity]}: {where + ' ' if where else ''}"
            out.print(printable(f"{line}{issue.message}{hint}"), markup=False)
    _print_totals(outcomes)


def _print_totals(outcomes: list[FileOutcome]) -> None:
    from flows.intake.engine import STATUS_WORDS

    counts = Counter[str](o.status for o in outcomes)
    shown = [f"{_number(counts[s])} {words}" for s, words in STATUS_WORDS.items() if counts[s]]
    _console().print(f"\nTổng: {', '.join(shown)}.", markup=False)


def print_outcome_summary(outcomes: list[FileOutcome], day: date) -> None:
    """A big intake (a national round: thousands of files) in a few lines: the files by
    outcome, then the first files with errors, one line each; every file is in ``--json``
    and in its feedback sheet. Rendering a row per file would take longer than the intake."""
    out = _console()
    out.print(f"Nhận {_number(len(outcomes))} tệp ngày {day:%d/%m/%Y}.", markup=False)
    flawed = [o for o in outcomes if any(i.is_error for i in o.issues)]
    if flawed:
        out.print(f"\nTệp có lỗi ({_number(len(flawed))}):", markup=False)
    for outcome in flawed[:DETAIL_FILES]:
        errors = [i for i in outcome.issues if i.is_error]
        more = f" (và {len(errors) - 1} lỗi khác)" if len(errors) > 1 else ""
        out.print(printable(f"  {outcome.file}: {errors[0].message}{more}"), markup=False)
    if len(flawed) > DETAIL_FILES:
        out.print(f"  … và {_number(len(flawed) - DETAIL_FILES)} tệp khác.", markup=False)
    _print_totals(outcomes)
    out.print(
        "Từng tệp: thêm --json; mỗi tệp có lỗi hoặc lưu ý có phiếu phản hồi trong thư mục văn bản.",
        markup=False,
    )


def main() -> None:
    """Entry point of ``mohinh`` and ``python -m flows``: typer's and click's own words
    ("Usage:", "Options", error messages) in Vietnamese too (``flows.words``)."""
    from flows.words import speak_vietnamese

    speak_vietnamese()
    app()
