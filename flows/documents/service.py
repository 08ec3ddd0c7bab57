"""The document jobs as the CLI and the flows call them: status, reminders, feedback, report.

Each job opens the ledger, takes the state folder's lock (so two commands never write the same
documents twice), writes into the outbox and records what it wrote, then writes the run's
manifest and, when LibreOffice is installed, PDF copies.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from functools import lru_cache
from pathlib import Path

from flows.documents import status as standing
from flows.documents.atomic import write_atomic
from flows.documents.feedback import write_feedback
from flows.documents.letters import Letter, build_letters, write_letters
from flows.documents.outbox import REPORT_FOLDER, Outbox, Written, check_outbox, form_file_name
from flows.documents.page import Pages, write_pages
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
    """The compiled template of ``kind``, compiled again only when its file changed (a served
    process runs every job for months; compiling costs 25-30 ms a template)."""
    path = (options.templates / TEMPLATE_FILES[kind]).resolve()
    try:
        facts = path.stat()
    except OSError:
        return CompiledTemplate(path)  # its own message for a missing template
    return _compiled(path, facts.st_mtime_ns, facts.st_size)


@lru_cache(maxsize=16)
def _compiled(path: Path, _mtime: int, _size: int) -> CompiledTemplate:
    return CompiledTemplate(path)


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


PDF_DEBT = "pdf-owed.json"


def _owed(state: Path) -> list[str]:
    try:
        found = json.loads((state / PDF_DEBT).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return []
    return [str(p) for p in found] if isinstance(found, list) else []


def _finish(
    outbox: Outbox, ledger: Ledger, documents: list[Document], pdf: bool, state: Path
) -> DocumentRun:
    """Remember the documents first (a run killed later does not write them again), then the
    PDF copies and the manifest. The .docx still waiting for their PDF are listed in
    ``state/pdf-owed.json`` until LibreOffice has been at them, so the copies a killed run
    never made are made by the next run that makes PDFs (the caller holds the state lock)."""
    if pdf:
        fresh = [str(outbox.root.resolve() / w.path) for w in outbox.written]
        owed = [p for p in dict.fromkeys([*_owed(state), *fresh]) if p.endswith(".docx")]
        write_atomic(state / PDF_DEBT, json.dumps(owed, ensure_ascii=False).encode())
    ledger.record_documents(documents, _now())
    if pdf:
        root = outbox.root.resolve()
        earlier = [
            str(Path(p).relative_to(root))
            for p in _owed(state)
            if Path(p).is_relative_to(root) and Path(p).is_file()
        ]
        outbox.make_pdfs(earlier)
        (state / PDF_DEBT).unlink(missing_ok=True)
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
    letters again with ``force``). The template is read only on a day with letters."""
    with exclusive(state), open_ledger(plan, state, options.database) as ledger:
        matrix = standing.build_matrix(
            plan, standing.Evidence.from_ledger(ledger, values=False), as_of
        )
        written = ledger.documents("reminder") if force else None
        if written is not None:
            sent = {d.key for d in written if d.day != as_of}
            today = {d.key for d in written if d.day == as_of}
            due = [
                r
                for r in standing.reminders_due(plan, matrix, set())
                if r.key in today or r.key not in sent
            ]
        else:
            due = standing.reminders_due(plan, matrix, ledger.document_keys("reminder"))
        if due and written is None:  # the letters' wording and file names need the rest
            written = ledger.documents("reminder")
        outbox = Outbox(outbox_root, "remind", as_of, _now())
        earlier = frozenset(
            (site, milestone)
            for d in written or []
            if d.day < as_of
            for _, site, milestone, _ in [d.key.split(":", 3)]
        )
        letters = build_letters(plan, matrix, due, earlier)
        documents = []
        if letters:
            template = load_template(options, "reminder")
            paths = {d.path for d in written or []}
            documents = write_letters(template, letters, outbox, as_of, paths, replace=force)
        attach_forms(plan, outbox, letters)
        return _finish(outbox, ledger, documents, options.pdf, state)


def attach_forms(plan: Plan, outbox: Outbox, letters: list[Letter]) -> None:
    """The blank form of every milestone a letter asks for, next to the letter (written again
    each time, so it follows the plan)."""
    from flows.forms import build_forms

    wanted = []
    for letter in letters:
        site = plan.site_by_id(letter.site)
        for reminder in letter.reminders:
            milestone = next((m for m in plan.milestones if m.id == reminder.milestone), None)
            if site is not None and milestone is not None:
                wanted.append((milestone, site))
    for (milestone, site), data in zip(wanted, build_forms(plan, wanted), strict=True):
        relative = f"{outbox.site_folder(site.id)}/{form_file_name(milestone.id, site.id)}"
        outbox.write(relative, data, "form", site=site.id, milestone=milestone.id)


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
        return _finish(outbox, ledger, documents, options.pdf, state)


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
        return _finish(outbox, ledger, [document], options.pdf, state)


def status_page(
    plan: Plan,
    state: Path,
    outbox_root: Path,
    as_of: date,
    options: DocumentOptions = DocumentOptions(),
) -> Pages:
    """The status pages as of ``as_of``: ``outbox/index.html`` for the office and
    ``outbox/<site>/index.html`` for each site, linking every document in the outbox
    (``flows.documents.page``). Templates from ``options.templates``, else the shipped ones."""
    check_outbox(outbox_root)
    folders = tuple(dict.fromkeys([options.templates, TEMPLATES]))
    with exclusive(state):
        with open_ledger(plan, state, options.database) as ledger:
            matrix = standing.build_matrix(plan, standing.Evidence.from_ledger(ledger), as_of)
            sent = ledger.file_names()
        # the ledger closed: a big plan's pages are written by forked worker processes
        charts = state / "cache" / "charts"
        return write_pages(plan, matrix, outbox_root, folders, _now(), charts, sent)
