"""Feedback sheets (phiếu phản hồi): for every file rejected or accepted with warnings, a letter
naming each issue and its cell, plus a copy of the sender's workbook with the bad cells marked.

Feedback is owed for every such file the ledger holds and has no feedback document for, so a
run killed halfway writes the rest next time, and an outbox set up late catches up.
"""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Any

from flows.documents.instruction import resend_instruction
from flows.documents.letterhead import letter_context, short_date
from flows.documents.outbox import Outbox
from flows.documents.render import CompiledTemplate
from flows.documents.workbooks import mark_workbook_apart
from flows.intake.issues import Issue
from flows.intake.ledger import Document, FileRow, Ledger
from flows.intake.reading import Parser
from flows.names import safe_name
from flows.plan import Plan

STATUS_TEXT = {
    "rejected": "bị trả lại, chưa được ghi nhận",
    "accepted": "đã được tiếp nhận, có điểm cần lưu ý",
    "duplicate": "trùng với một tệp đã nhận trước đó, không tính lại",
}


VALUE_CHARACTERS = 200  # a cell's value as the letter quotes it
MESSAGE_CHARACTERS = 600


def shorten(text: str, limit: int) -> str:
    """``text`` cut to ``limit`` characters, saying how much was left out."""
    if len(text) <= limit:
        return text
    return f"{text[:limit]}… (còn {len(text) - limit} ký tự)"


def feedback_key(file_id: int) -> str:
    """The ledger key of the feedback on file ``file_id``."""
    return f"feedback:{file_id}"


def needs_feedback(row: FileRow) -> bool:
    """Rejected files, and accepted or duplicate ones that carry a warning."""
    return row.placed and (row.status == "rejected" or bool(row.issues))


def place_of(issue: Issue) -> str:
    """Where an issue is, as the sender finds it in Excel."""
    parts = []
    if issue.sheet:
        parts.append(f"Trang tính '{issue.sheet}'")
    if issue.cell:
        parts.append(f"ô {issue.cell}")
    elif issue.row is not None:
        parts.append(f"dòng {issue.row}")
    return ", ".join(parts) or "Cả tệp"


def feedback_context(
    plan: Plan, row: FileRow, day: date, marked: str | None, as_of: date
) -> dict[str, Any]:
    """The variables of ``templates/feedback.docx`` for the file ``row``."""
    site = plan.site_by_id(row.sites[0]) if len(row.sites) == 1 else None
    milestone = next((m for m in plan.milestones if m.id == row.milestone), None)
    form = plan.form_by_id(milestone.form) if milestone else None
    names = [plan.site_name(s) for s in plan.sites if s.id in row.sites]
    if row.status == "accepted":
        accepted = f"Đã ghi nhận số liệu của: {', '.join(names)}"
        accepted += f" (mốc '{milestone.name}')." if milestone else "."
    elif row.status == "duplicate":
        accepted = "Nội dung tệp đã được ghi nhận từ lần gửi trước; lần này không tính lại."
    else:
        accepted = "Chưa ghi nhận nội dung nào của tệp này."
    errors = [i for i in row.issues if i.is_error]
    return letter_context(plan, "feedback", as_of) | {
        "subject": f"V/v phản hồi tệp báo cáo '{row.name}'",
        "addressee": plan.recipient(site) if site else f"Đơn vị gửi tệp '{row.name}'",
        "file_name": row.name,
        "received": short_date(day),
        "status": STATUS_TEXT.get(row.status, row.status),
        "rejected": row.status == "rejected",
        "form_title": form.title if form else "",
        "milestone": milestone.name if milestone else "",
        "accepted": accepted,
        "error_count": len(errors),
        "warning_count": len(row.issues) - len(errors),
        "marked_copy": marked or "",
        "instruction": resend_instruction(row.status, marked),
        "issues": [
            {
                "no": number,
                "place": place_of(issue),
                "severity": "Lỗi" if issue.is_error else "Lưu ý",
                "message": shorten(issue.message, MESSAGE_CHARACTERS),
                "value": shorten(issue.value or "", VALUE_CHARACTERS),
                "suggestion": issue.suggestion or "",
            }
            for number, issue in enumerate(row.issues, start=1)
        ],
    }


def mark_copy(source: Path, issues: list[Issue], target: Path, parser: Parser) -> bool:
    """The sender's workbook with the bad cells marked, when the file could be read (read,
    then marked, in child processes under the parser's limits)."""
    if not any(i.row is not None for i in issues) or not source.is_file():
        return False
    examined = parser.examine(source)  # in the parser process, under its limits
    if examined.sheets is None or examined.kind is None:
        return False
    sheets = None if examined.kind == "xlsx" else examined.sheets
    return mark_workbook_apart(source, examined.kind, issues, target, sheets, parser.limits)


def write_feedback(
    plan: Plan,
    ledger: Ledger,
    inbox: Path,
    outbox: Outbox,
    template: CompiledTemplate,
    as_of: date,
) -> list[Document]:
    """Feedback for every file that needs it and has none yet; the ledger rows to remember."""
    owed = [(row, day) for row, day in ledger.owing_feedback() if needs_feedback(row)]
    documents: list[Document] = []
    if not owed:
        return documents
    with Parser() as parser:
        for row, day in owed:
            site = row.sites[0] if len(row.sites) == 1 else None
            stem = f"{outbox.site_folder(site)}/phan-hoi-{day:%Y-%m-%d}-{row.id}-"
            stem += safe_name(Path(row.name).stem, 60)
            marked = None
            target = outbox.root / f"{stem}.xlsx"
            if row.destination and mark_copy(inbox / row.destination, row.issues, target, parser):
                outbox.note(f"{stem}.xlsx", "marked-workbook", site=site, milestone=row.milestone)
                marked = target.name
            context = feedback_context(plan, row, day, marked, as_of)
            outbox.write(
                f"{stem}.docx",
                template.render(context),
                "feedback",
                site=site,
                milestone=row.milestone,
                key=feedback_key(row.id),
            )
            documents.append(Document("feedback", feedback_key(row.id), as_of, f"{stem}.docx"))
    return documents
