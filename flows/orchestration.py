"""Prefect flows: thin wrappers over the core, for the scheduler and the operator's UI.

Each flow loads the plan (failing early, with the plan's own messages in the run log), then
runs one coarse task per job: a task takes in a whole batch of files, writes a whole day's
letters, or the whole report, so a run costs a handful of task runs however many files there
are. Tasks retry only on I/O trouble (a file locked by Excel, a busy database); a bad plan,
template or outbox fails at once. Every run leaves artifacts in the UI: the intake outcome, the
status matrix and the documents written.

``cycle`` runs intake (with feedback), reminders and the report in order, then writes the
status pages (``outbox/index.html`` and a page per site).
"""

from __future__ import annotations

from collections.abc import Callable
from contextlib import suppress
from dataclasses import asdict
from datetime import date, datetime
from pathlib import Path
from typing import Any, ParamSpec, TypeVar
from zoneinfo import ZoneInfo

from prefect import flow, get_run_logger, task
from prefect.artifacts import create_markdown_artifact, create_table_artifact
from prefect.cache_policies import NO_CACHE
from prefect.client.schemas.objects import State, TaskRun
from prefect.runtime import flow_run
from prefect.tasks import Task
from sqlalchemy.exc import OperationalError

from flows.documents import service
from flows.documents.outbox import Written, check_outbox, write_failure
from flows.documents.status import SHORT_STATE, Matrix, status_matrix
from flows.errors import PlanError
from flows.intake.engine import STATUS_WORDS, FileOutcome, IntakeOptions, run_intake
from flows.intake.ledger import LedgerError
from flows.plan import Plan
from flows.plan.cache import Loaded, load_tracked, state_cache, unchanged

RETRIES = 3
RETRY_DELAYS: list[float] = [5, 20, 60]
P = ParamSpec("P")
R = TypeVar("R")
TRANSIENT = (OSError, OperationalError, LedgerError)


def transient_only(_task: Task[..., Any], _run: TaskRun, state: State[Any]) -> bool:
    """Retry a task only when it failed on I/O that may clear up (a locked file, a busy
    database); a bad plan, template or outbox fails at once."""
    failure = state.data if isinstance(state.data, BaseException) else None
    if failure is None:
        try:
            state.result(raise_on_failure=True)
        except BaseException as raised:  # the failure the state holds
            failure = raised
    return isinstance(failure, TRANSIENT)


def io_task(name: str) -> Callable[[Callable[P, R]], Task[P, R]]:
    """A coarse task that retries on transient I/O only; its runs are named ``<name>-<day>``
    (every task takes the ``day`` it works for)."""
    return task(
        name=name,
        task_run_name=f"{name}-{{day}}",
        cache_policy=NO_CACHE,
        retries=RETRIES,
        retry_delay_seconds=RETRY_DELAYS,
        retry_condition_fn=transient_only,
    )


RECENT_PLANS = 8
_recent: dict[Path, Loaded] = {}  # plan file -> the plan loaded from it, and its files' stamps


def load_once(plan_path: str, state: str | None = None) -> Plan:
    """The plan, read again only when one of its files (the plan, its gazetteer) changed: the
    run's name and its body both need it, and a served process runs for months. Read through
    the plan cache of the ``state`` folder when there is one (``flows.plan.cache``)."""
    path = Path(plan_path).resolve()
    recent = _recent.get(path)
    if recent is not None and recent.stamps is not None and unchanged(recent.stamps):
        return recent.plan
    loaded = load_tracked(path, state_cache(Path(state) if state else None))
    _recent.pop(path, None)
    if loaded.stamps is not None:
        _recent[path] = loaded
        while len(_recent) > RECENT_PLANS:
            del _recent[next(iter(_recent))]
    return loaded.plan


def load(plan_path: str, state: str | None = None) -> Plan:
    """The plan, or a failed run whose log lists every problem with its line."""
    try:
        return load_once(plan_path, state)
    except PlanError as error:
        logger = get_run_logger()
        for problem in error.problems:
            logger.error(str(problem))
        logger.error("Kế hoạch có %d lỗi, chưa dùng được.", len(error.problems))
        raise


def day_of(plan: Plan, as_of: str | None) -> date:
    """``as_of`` (``YYYY-MM-DD``), else today in the plan's time zone."""
    if as_of:
        return date.fromisoformat(as_of)
    return datetime.now(ZoneInfo(plan.campaign.timezone)).date()


def run_name() -> str:
    """``<flow>-<plan id>-<day>`` for the UI."""
    parameters = flow_run.parameters
    plan_id, day = Path(str(parameters.get("plan", "plan"))).stem, parameters.get("as_of")
    with suppress(Exception):  # a broken plan still gets a name; the run fails with its messages
        state = parameters.get("state")
        plan = load_once(str(parameters["plan"]), None if state is None else str(state))
        plan_id, day = plan.campaign.id, day_of(plan, day).isoformat()
    return f"{flow_run.flow_name}-{plan_id}-{day or 'hom-nay'}"


def _options(templates: str | None, pdf: bool, database: str | None) -> service.DocumentOptions:
    return service.DocumentOptions(
        Path(templates) if templates else service.TEMPLATES, pdf, database
    )


def logged(run: service.DocumentRun) -> list[Written]:
    """What a document job wrote; its problems (a PDF copy that failed) go to the run log."""
    for problem in run.problems:
        get_run_logger().warning(problem)
    return run.written


# --- tasks ------------------------------------------------------------------------------------


@io_task("nhan-tep")
def take_in(
    plan: Plan,
    inbox: Path,
    intake_options: IntakeOptions,
    state: Path,
    outbox: Path,
    day: date,
    options: service.DocumentOptions,
) -> tuple[list[FileOutcome], list[Written]]:
    """Take in every ready file (one batch), then write the feedback owed."""
    logger = get_run_logger()
    check_outbox(outbox, inbox)
    outcomes = run_intake(plan, inbox, state, day, intake_options)
    for outcome in outcomes:
        logger.info("%s: %s", outcome.file, STATUS_WORDS[outcome.status])
    try:
        return outcomes, logged(service.feedback(plan, inbox, state, outbox, day, options))
    except OSError as failure:  # retried; the files are in the ledger already
        logger.error(
            "%s Các tệp đã được nhận và ghi sổ.", write_failure(failure, "phiếu phản hồi", outbox)
        )
        raise


@io_task("don-doc")
def remind_task(
    plan: Plan, state: Path, outbox: Path, day: date, options: service.DocumentOptions
) -> list[Written]:
    """The day's reminder letters."""
    return logged(service.remind(plan, state, outbox, day, options))


@io_task("tong-hop")
def report_task(
    plan: Plan, state: Path, outbox: Path, day: date, options: service.DocumentOptions
) -> list[Written]:
    """The consolidated report."""
    return logged(service.report(plan, state, outbox, day, options))


@io_task("trang-tinh-hinh")
def page_task(
    plan: Plan, state: Path, outbox: Path, day: date, options: service.DocumentOptions
) -> str:
    """The status pages: ``outbox/index.html`` and a page per site; the first's path,
    relative to the outbox."""
    pages = service.status_page(plan, state, outbox, day, options)
    get_run_logger().info(
        "Trang tình hình: %s (%d trang đơn vị, %d trang ghi mới, %.1f giây)",
        pages.index,
        pages.sites,
        pages.changed,
        pages.seconds,
    )
    return str(pages.index.relative_to(outbox))


@io_task("tinh-hinh")
def status_task(plan: Plan, state: Path, day: date, database: str | None) -> Matrix:
    """Where every site stands."""
    return status_matrix(plan, state, day, database)


# --- artifacts --------------------------------------------------------------------------------


def intake_table(outcomes: list[FileOutcome]) -> list[dict[str, Any]]:
    """One row per file: file, status, site, milestone, number of issues."""
    return [
        {
            "tệp": o.file,
            "kết quả": STATUS_WORDS[o.status],
            "đơn vị": ", ".join(o.sites),
            "mốc": o.milestone or "",
            "số vấn đề": len(o.issues),
        }
        for o in outcomes
    ]


def matrix_table(matrix: Matrix) -> list[dict[str, Any]]:
    """One row per site, one column per milestone."""
    rows = []
    for row in matrix.rows:
        line: dict[str, Any] = {"đơn vị": row.name}
        for milestone in matrix.plan.milestones:
            cell = row.cells.get(milestone.id)
            text = "—" if cell is None else SHORT_STATE[cell.state]
            if cell is not None and cell.received:
                text += f" ({cell.received:%d/%m})"
            line[milestone.id] = text
        rows.append(line)
    return rows


KIND_WORDS = {
    "reminder": "Công văn đôn đốc",
    "feedback": "Phiếu phản hồi",
    "marked-workbook": "Bảng tính đánh dấu lỗi",
    "report": "Báo cáo tổng hợp",
    "report-workbook": "Bảng tính kèm báo cáo",
    "chart": "Biểu đồ",
    "form": "Biểu mẫu",
    "pdf": "Bản PDF",
}


def documents_markdown(outbox: Path, written: list[Written]) -> str:
    """The documents written, with their paths, each kind in words."""
    if not written:
        return "Không có văn bản mới."
    lines = [f"Đã ghi {len(written)} tệp vào `{outbox}`:", ""]
    for w in written:
        copy = f" (bản PDF: `{outbox / w.pdf}`)" if w.pdf else ""
        lines.append(f"- {KIND_WORDS.get(w.kind, w.kind)}: `{outbox / w.path}`{copy}")
    return "\n".join(lines)


def artifact_key(kind: str, plan: Plan) -> str:
    """Artifact keys allow lowercase letters, digits and dashes only."""
    cleaned = "".join(c if c.isalnum() or c == "-" else "-" for c in plan.campaign.id.lower())
    return f"{kind}-{cleaned}"[:100]


def publish(
    plan: Plan,
    outbox: Path,
    outcomes: list[FileOutcome] | None,
    matrix: Matrix,
    written: list[Written],
) -> None:
    """The run's artifacts, for the operator watching the UI."""
    if outcomes is not None:
        create_table_artifact(
            intake_table(outcomes),
            key=artifact_key("nhan-tep", plan),
            description=f"Kết quả nhận tệp ngày {matrix.as_of:%d/%m/%Y}",
        )
    create_table_artifact(
        matrix_table(matrix),
        key=artifact_key("tinh-hinh", plan),
        description=f"Tình hình gửi báo cáo đến ngày {matrix.as_of:%d/%m/%Y}",
    )
    create_markdown_artifact(
        documents_markdown(outbox, written),
        key=artifact_key("van-ban", plan),
        description="Văn bản đã ghi trong lần chạy này",
    )


# --- flows ------------------------------------------------------------------------------------


@flow(
    name="cycle",
    flow_run_name=run_name,
    log_prints=False,
    description="Một vòng đầy đủ: nhận tệp (và phiếu phản hồi), công văn đôn đốc, báo cáo tổng "
    "hợp.",
)
def cycle(
    plan: str = "config/plan.yaml",
    inbox: str = "inbox",
    state: str = "state",
    outbox: str = "outbox",
    as_of: str | None = None,
    database: str | None = None,
    templates: str | None = None,
    pdf: bool = True,
    jobs: tuple[str, ...] = ("intake", "remind", "report"),
    settle: float = IntakeOptions.settle,
    min_age: float = IntakeOptions.min_age,
) -> dict[str, Any]:
    """Take files in (with feedback), write the reminders due, then the report. ``settle`` and
    ``min_age``: how long a file must stay unchanged before it is taken (seconds)."""
    loaded = load(plan, state)
    day = day_of(loaded, as_of)
    options = _options(templates, pdf, database)
    places = (Path(state), Path(outbox), day, options)
    outcomes: list[FileOutcome] | None = None
    written: list[Written] = []
    if "intake" in jobs:
        taking = IntakeOptions(settle=settle, min_age=min_age, database=database)
        outcomes, feedback = take_in(loaded, Path(inbox), taking, *places)
        written += feedback
    if "remind" in jobs:
        written += remind_task(loaded, *places)
    if "report" in jobs:
        written += report_task(loaded, *places)
    matrix = status_task(loaded, Path(state), day, database)
    publish(loaded, Path(outbox), outcomes, matrix, written)
    page = page_task(loaded, *places)
    return {
        "as_of": day.isoformat(),
        "files": [o.as_dict() for o in outcomes or []],
        "documents": [asdict(w) for w in written],
        "page": page,
    }


@flow(
    name="intake",
    flow_run_name=run_name,
    description="Nhận các tệp các đơn vị gửi vào thư mục nhận: kiểm tra theo kế hoạch, ghi sổ, "
    "ghi phiếu phản hồi cho tệp có lỗi hoặc lưu ý.",
)
def intake(
    plan: str = "config/plan.yaml",
    inbox: str = "inbox",
    state: str = "state",
    outbox: str = "outbox",
    as_of: str | None = None,
    database: str | None = None,
    templates: str | None = None,
    pdf: bool = True,
    settle: float = IntakeOptions.settle,
    min_age: float = IntakeOptions.min_age,
) -> dict[str, Any]:
    """Take files in, answer each flawed one with feedback."""
    return cycle.fn(
        plan, inbox, state, outbox, as_of, database, templates, pdf, ("intake",), settle, min_age
    )


@flow(
    name="remind",
    flow_run_name=run_name,
    description="Soạn các công văn đôn đốc đến hạn trong ngày (mỗi công văn một lần).",
)
def remind(
    plan: str = "config/plan.yaml",
    state: str = "state",
    outbox: str = "outbox",
    as_of: str | None = None,
    database: str | None = None,
    templates: str | None = None,
    pdf: bool = True,
) -> dict[str, Any]:
    """Write the reminder letters due today."""
    return cycle.fn(plan, "inbox", state, outbox, as_of, database, templates, pdf, ("remind",))


@flow(
    name="report",
    flow_run_name=run_name,
    description="Soạn báo cáo tổng hợp (.docx), bảng tính .xlsx và biểu đồ kèm theo.",
)
def report(
    plan: str = "config/plan.yaml",
    state: str = "state",
    outbox: str = "outbox",
    as_of: str | None = None,
    database: str | None = None,
    templates: str | None = None,
    pdf: bool = True,
) -> dict[str, Any]:
    """Write the consolidated report."""
    return cycle.fn(plan, "inbox", state, outbox, as_of, database, templates, pdf, ("report",))
