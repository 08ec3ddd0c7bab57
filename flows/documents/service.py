"""The document jobs as the CLI and the flows call them: status, reminders, feedback, report.

Each job opens the ledger, takes the state folder's lock (so two commands never write the same
documents twice), writes into the outbox and records what it wrote, then writes the run's
manifest and, when LibreOffice is installed, PDF copies.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from pathlib import Path

from flows.documents import status as standing
from flows.documents.feedback import write_feedback
from flows.documents.letters import build_letters, write_letters
from flows.documents.outbox import REPORT_FOLDER, Outbox, Written, check_outbox
from flows.documents.render import CompiledTemplate
from flows.documents.report import CHART_IMAGE, Report
from flows.documents.workbooks import write_workbook
from flows.intake.engine import exclusive
from flows.intake.ledger import Document, Ledger, database_url
from flows.plan import Plan
from flows.plan.schema import DocumentKind

TEMPLATES = Path(__file__).resolve().parents[2] / "templates"
TEMPLATE_FILES: dict[DocumentKind, str] = {
    "reminder": "reminder.docx",
    "feedback": "feedback.docx",
    "report": "report.docx",
}


@dataclass(frozen=True)
class DocumentOptions:
    """Where templates and the ledger are, and whether to make PDF copies."""

    templates: Path = TEMPLATES
    pdf: bool = True
    database: str | None = None


@dataclass
class DocumentRun:
    """What a job wrote."""

    written: list[Written] = field(default_factory=list)
    manifest: Path | None = None
    problems: list[str] = field(default_factory=list)


def load_template(options: DocumentOptions, kind: DocumentKind) -> CompiledTemplate:
    """The compiled template of ``kind``."""
    return CompiledTemplate(options.templates / TEMPLATE_FILES[kind])


@contextmanager
def open_ledger(plan: Plan, state: Path, database: str | None) -> Iterator[Ledger]:
    """The campaign's ledger, closed afterwards."""
    state.mkdir(parents=True, exist_ok=True)
    ledger = Ledger(database or database_url(state), plan.campaign.id)
    try:
        yield ledger
    finally:
        ledger.close()


def _now() -> datetime:
    return datetime.now(UTC)


def pdfs_owed(root: Path, ledger: Ledger) -> list[str]:
    """Documents in the ledger whose .docx is in the outbox but whose PDF copy is not (the run
    that wrote them was killed before LibreOffice ran, or ran with ``--no-pdf``)."""
    return [
        d.path
        for d in ledger.documents()
        if (root / d.path).is_file() and not (root / d.path).with_suffix(".pdf").exists()
    ]


def _finish(outbox: Outbox, ledger: Ledger, documents: list[Document], pdf: bool) -> DocumentRun:
    """Remember the documents first (a run killed later does not write them again), then the
    PDF copies and the manifest."""
    ledger.record_documents(documents, _now())
    if pdf:
        outbox.make_pdfs(pdfs_owed(outbox.root, ledger))
    manifest = outbox.write_manifest()
    return DocumentRun(list(outbox.written), manifest, list(outbox.problems))


def remind(
    plan: Plan,
    state: Path,
    outbox_root: Path,
    as_of: date,
    options: DocumentOptions = DocumentOptions(),
    force: bool = False,
) -> DocumentRun:
    """Write the reminder letters due on ``as_of`` that were not written yet (all of the day's
    letters again with ``force``)."""
    template = load_template(options, "reminder")
    with exclusive(state), open_ledger(plan, state, options.database) as ledger:
        matrix = standing.build_matrix(plan, standing.Evidence.from_ledger(ledger), as_of)
        sent = {d.key for d in ledger.documents("reminder")}
        if force:
            sent = {d.key for d in ledger.documents("reminder") if d.day != as_of}
            today = {d.key for d in ledger.documents("reminder") if d.day == as_of}
            due = [
                r
                for r in standing.reminders_due(plan, matrix, set())
                if r.key in today or r.key not in sent
            ]
        else:
            due = standing.reminders_due(plan, matrix, sent)
        outbox = Outbox(outbox_root, "remind", as_of, _now())
        earlier = frozenset(
            (site, milestone)
            for d in ledger.documents("reminder")
            if d.day < as_of
            for _, site, milestone, _ in [d.key.split(":", 3)]
        )
        letters = build_letters(plan, matrix, due, earlier)
        paths = {d.path for d in ledger.documents("reminder")}
        documents = write_letters(template, letters, outbox, as_of, paths, replace=force)
        return _finish(outbox, ledger, documents, options.pdf)


def feedback(
    plan: Plan,
    inbox: Path,
    state: Path,
    outbox_root: Path,
    as_of: date,
    options: DocumentOptions = DocumentOptions(),
) -> DocumentRun:
    """Feedback for every file that needs it and has none yet."""
    check_outbox(outbox_root, inbox)
    template = load_template(options, "feedback")
    with exclusive(state), open_ledger(plan, state, options.database) as ledger:
        outbox = Outbox(outbox_root, "feedback", as_of, _now())
        documents = write_feedback(plan, ledger, inbox, outbox, template, as_of)
        return _finish(outbox, ledger, documents, options.pdf)


def report(
    plan: Plan,
    state: Path,
    outbox_root: Path,
    as_of: date,
    options: DocumentOptions = DocumentOptions(),
) -> DocumentRun:
    """The consolidated report as of ``as_of``: .docx, chart and companion .xlsx."""
    template = load_template(options, "report")
    with exclusive(state), open_ledger(plan, state, options.database) as ledger:
        matrix = standing.build_matrix(plan, standing.Evidence.from_ledger(ledger), as_of)
        built = Report(plan, matrix)
        chart = built.chart(state / "cache" / "charts")
        outbox = Outbox(outbox_root, "report", as_of, _now())
        stem = f"{REPORT_FOLDER}/tong-hop-{as_of:%Y-%m-%d}"
        docx = template.render(built.context(), {CHART_IMAGE: chart})
        write_workbook(outbox_root / f"{stem}.xlsx", built.workbook())
        outbox.note(f"{stem}.xlsx", "report-workbook")
        outbox.write(f"{stem}.png", chart, "chart")
        outbox.write(f"{stem}.docx", docx, "report", key=f"report:{as_of.isoformat()}")
        document = Document("report", f"report:{as_of.isoformat()}", as_of, f"{stem}.docx")
        return _finish(outbox, ledger, [document], options.pdf)
