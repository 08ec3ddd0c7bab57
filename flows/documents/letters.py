"""Reminder letters (công văn đôn đốc): one per site per day, listing what the site still owes.

Which reminders are due comes from :mod:`flows.documents.status`; the ledger remembers each
(site, milestone, level) sent, so a run again the same day writes nothing new, and ``force``
writes the day's letters again.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from typing import Any

from flows.documents.letterhead import letter_context, short_date
from flows.documents.outbox import Outbox, form_file_name
from flows.documents.render import CompiledTemplate, render_many
from flows.documents.status import STAGE_ORDER, Matrix, Reminder
from flows.intake.ledger import Document
from flows.plan import Plan
from flows.plan.units import in_sentence

SUBJECT_VERBS = {
    "before": "nhắc gửi",
    "after": "đôn đốc gửi",
    "final": "đôn đốc lần cuối việc gửi",
}


@dataclass(frozen=True)
class Letter:
    """One letter: a site and the reminders it carries."""

    site: str
    reminders: list[Reminder]
    context: dict[str, Any]


def build_letters(
    plan: Plan,
    matrix: Matrix,
    reminders: Iterable[Reminder],
    earlier: frozenset[tuple[str, str]] = frozenset(),
) -> list[Letter]:
    """The letters for ``reminders``, grouped by site, in the plan's order of sites.
    ``earlier``: the (site, milestone) pairs reminded on an earlier day (the final letter only
    says "already urged" when it is true)."""
    by_site: dict[str, list[Reminder]] = {}
    for reminder in reminders:
        by_site.setdefault(reminder.site, []).append(reminder)
    letters = []
    for row in matrix.rows:
        due = by_site.get(row.site.id)
        if not due:
            continue
        strongest = max(due, key=lambda r: STAGE_ORDER[r.level.stage])
        stage = strongest.level.stage
        items: list[dict[str, Any]] = []
        for reminder in due:
            milestone = next(m for m in plan.milestones if m.id == reminder.milestone)
            form = plan.form_by_id(milestone.form)
            cell = row.cells[milestone.id]
            state = cell.words
            if cell.rejected_files:
                names = ", ".join(f"'{name}'" for name in cell.rejected_files[-3:])
                state = f"tệp đã gửi ({names}) bị trả lại, chưa có bản đạt yêu cầu"
            elif cell.state in ("overdue", "due_soon", "not_due"):
                state = "chưa nhận được"
            items.append(
                {
                    "milestone": milestone.name,
                    "due": short_date(milestone.due),
                    "state": state,
                    "form": form.title if form else milestone.form,
                    "form_file": form_file_name(milestone.id, row.site.id),
                    "days": abs((milestone.due - matrix.as_of).days),
                    "late": milestone.due < matrix.as_of,
                    "description": milestone.description or "",
                }
            )
        if len(items) == 1:
            what = f"báo cáo “{items[0]['milestone']}”"
        else:
            what = "các báo cáo, hồ sơ còn thiếu"
        context = letter_context(plan, "reminder", matrix.as_of) | {
            "subject": f"V/v {SUBJECT_VERBS[stage]} {what}",
            "addressee": plan.recipient(row.site),
            "stage": stage,
            "level_label": strongest.level.label,
            "site_name": in_sentence(row.name),
            "reminded_before": any((r.site, r.milestone) in earlier for r in due),
            "items": items,
        }
        letters.append(Letter(row.site.id, due, context))
    return letters


def letter_path(outbox: Outbox, site: str, as_of: date, replace: bool, sent: set[str]) -> str:
    """``<site>/cong-van-<date>.docx``; a second letter the same day (the plan changed, say)
    gets ``-2`` rather than overwriting one the ledger says was sent, unless the day's letters
    are rewritten. A file the ledger does not know (left by a run that died) is replaced."""
    stem = f"{outbox.site_folder(site)}/cong-van-{as_of:%Y-%m-%d}"
    relative, number = f"{stem}.docx", 1
    while not replace and relative in sent and (outbox.root / relative).exists():
        number += 1
        relative = f"{stem}-{number}.docx"
    return relative


def write_letters(
    template: CompiledTemplate,
    letters: list[Letter],
    outbox: Outbox,
    as_of: date,
    sent: set[str],
    replace: bool = False,
) -> list[Document]:
    """Render every letter, then write them into their sites' folders (a template failing on
    one letter writes none); the ledger rows that remember them. ``sent``: the paths of
    letters the ledger remembers."""
    documents: list[Document] = []
    rendered = list(render_many(template, [letter.context for letter in letters]))
    for letter, data in zip(letters, rendered, strict=True):
        relative = letter_path(outbox, letter.site, as_of, replace, sent)
        outbox.write(
            relative,
            data,
            "reminder",
            site=letter.site,
            milestone=",".join(r.milestone for r in letter.reminders),
            key=",".join(r.key for r in letter.reminders),
        )
        documents.extend(Document("reminder", r.key, as_of, relative) for r in letter.reminders)
    return documents
