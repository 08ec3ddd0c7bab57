"""Where every site stands on every milestone on a given day, and which reminders are due.

Pure: it reads what the ledger holds (as :class:`Evidence`) and the plan, never the clock.
Evidence carries its intake day, so the same ledger answers for any day in the past: a record
received after ``as_of`` does not count on ``as_of``. That is what ``mohinh simulate`` replays.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, timedelta
from pathlib import Path
from typing import Any, Literal

from flows.intake.ledger import Document, Ledger, StoredRecord, database_url, ledger_exists
from flows.plan import Plan
from flows.plan.schema import Milestone, Site

State = Literal["not_due", "due_soon", "submitted", "late", "overdue", "rejected"]
Stage = Literal["before", "after", "final"]

STATE_WORDS: dict[State, str] = {
    "not_due": "chưa đến hạn",
    "due_soon": "sắp đến hạn",
    "submitted": "đã nộp đúng hạn",
    "late": "đã nộp muộn",
    "overdue": "quá hạn, chưa nộp",
    "rejected": "bị trả lại, chưa nộp lại",
}
SHORT_STATE: dict[State, str] = {
    "not_due": "Chưa đến hạn",
    "due_soon": "Sắp đến hạn",
    "submitted": "Đúng hạn",
    "late": "Muộn",
    "overdue": "Quá hạn",
    "rejected": "Bị trả lại",
}
# States in which the site still owes the milestone.
OWED: tuple[State, ...] = ("not_due", "due_soon", "overdue", "rejected")
BEFORE_LABEL = "Nhắc trước hạn"
STAGE_ORDER: dict[Stage, int] = {"before": 0, "after": 1, "final": 2}


@dataclass(frozen=True)
class Refused:
    """A rejected file that named its sites and milestone."""

    sites: list[str]
    milestone: str
    day: date
    file: str


@dataclass(frozen=True)
class Evidence:
    """What the ledger holds: accepted records (every version), the first day each (site,
    milestone) had an accepted record, and rejected files. ``receipts`` is worked out from
    ``records`` when not given; status and reminders read only the receipts."""

    records: list[StoredRecord] = field(default_factory=list)
    refused: list[Refused] = field(default_factory=list)
    receipts: dict[tuple[str, str], date] | None = None

    def __post_init__(self) -> None:
        if self.receipts is None:
            first: dict[tuple[str, str], date] = {}
            for record in self.records:
                key = (record.site, record.milestone)
                if key not in first or record.day < first[key]:
                    first[key] = record.day
            object.__setattr__(self, "receipts", first)

    @classmethod
    def from_ledger(cls, ledger: Ledger, values: bool = True) -> Evidence:
        """Everything the ledger knows for its campaign; the records themselves (with their
        values) only when ``values``: the report shows them, status and reminders need only
        the first day of each (site, milestone), which the database aggregates."""
        refused = [
            Refused(sites, milestone, day, name)
            for sites, milestone, day, name in ledger.rejected_files()
            if milestone and sites
        ]
        if values:
            return cls(ledger.accepted_records(), refused)
        return cls([], refused, ledger.first_receipts())


@dataclass(frozen=True)
class Cell:
    """One site's standing on one milestone."""

    state: State
    due: date
    received: date | None = None
    values: dict[str, Any] | None = None
    file: str | None = None
    rejected_files: list[str] = field(default_factory=list)

    @property
    def words(self) -> str:
        """The state in Vietnamese."""
        return STATE_WORDS[self.state]


@dataclass(frozen=True)
class SiteRow:
    """A site and its cells, by milestone id (only the milestones the site must send)."""

    site: Site
    name: str
    model: str | None
    cells: dict[str, Cell]


@dataclass(frozen=True)
class Matrix:
    """The state of every (site, milestone) on ``as_of``."""

    plan: Plan
    as_of: date
    rows: list[SiteRow]

    def cell(self, site: str, milestone: str) -> Cell | None:
        """The cell of ``site`` and ``milestone``, if the site must send it."""
        row = next((r for r in self.rows if r.site.id == site), None)
        return row.cells.get(milestone) if row else None

    def as_dict(self) -> dict[str, Any]:
        """The JSON form ``mohinh status --json`` prints."""
        return {
            "as_of": self.as_of.isoformat(),
            "plan": self.plan.campaign.id,
            "sites": [
                {
                    "id": row.site.id,
                    "name": row.name,
                    "model": row.model,
                    "milestones": {
                        milestone: {
                            "state": cell.state,
                            "due": cell.due.isoformat(),
                            "received": cell.received.isoformat() if cell.received else None,
                        }
                        for milestone, cell in row.cells.items()
                    },
                }
                for row in self.rows
            ],
        }


def build_matrix(plan: Plan, evidence: Evidence, as_of: date) -> Matrix:
    """Every site's cells on ``as_of``, counting only what came in by then.

    Linear in sites, milestones and records: what depends only on a milestone is worked out
    once, and cells that carry nothing of their own (no values, no rejected file) are shared
    by every site in the same standing, so 10,000 sites make a few dozen cell objects."""
    latest: dict[tuple[str, str], StoredRecord] = {}
    for record in evidence.records:
        if record.day <= as_of:
            latest[(record.site, record.milestone)] = record
    receipts = evidence.receipts or {}
    refused: dict[tuple[str, str], list[str]] = {}
    for file in evidence.refused:
        if file.day <= as_of:
            for site_id in file.sites:
                refused.setdefault((site_id, file.milestone), []).append(file.file)
    milestones = [(m.id, m, plan.senders(m), _silent_cell(plan, m, as_of)) for m in plan.milestones]
    shared: dict[tuple[str, date], Cell] = {}
    rows = []
    for site in plan.sites:
        site_id = site.id
        cells = {}
        for milestone_id, milestone, senders, silent in milestones:
            if senders is not None and site_id not in senders:
                continue
            key = (site_id, milestone_id)
            received = receipts.get(key)
            if received is not None and received <= as_of:
                last = latest.get(key)
                files = refused.get(key)
                if last is None and not files:
                    cell = shared.get((milestone_id, received))
                    if cell is None:
                        cell = _received_cell(milestone, received)
                        shared[(milestone_id, received)] = cell
                else:
                    cell = _received_cell(milestone, received, last, files)
            elif key in refused:
                cell = Cell("rejected", milestone.due, rejected_files=refused[key])
            else:
                cell = silent
            cells[milestone_id] = cell
        rows.append(SiteRow(site, plan.site_name(site), site.model, cells))
    return Matrix(plan, as_of, rows)


def _received_cell(
    milestone: Milestone,
    received: date,
    last: StoredRecord | None = None,
    refused: list[str] | None = None,
) -> Cell:
    """The cell of a site whose first accepted record for ``milestone`` came on ``received``
    (``last``: its latest record by then, when the evidence carries the records)."""
    state: State = "late" if received > milestone.due else "submitted"
    values, file = (last.values, last.file) if last is not None else (None, None)
    return Cell(state, milestone.due, received, values, file, refused or [])


def _silent_cell(plan: Plan, milestone: Milestone, as_of: date) -> Cell:
    """The cell of a site that has sent nothing for ``milestone`` by ``as_of``."""
    due = milestone.due
    if as_of > due:
        return Cell("overdue", due)
    window = max(plan.reminder_policy(milestone).before_days, default=0)
    if (due - as_of).days <= window:
        return Cell("due_soon", due)
    return Cell("not_due", due)


# --- reminders ----------------------------------------------------------------------------


@dataclass(frozen=True)
class Level:
    """One reminder of a milestone's policy: when it goes out and how it is worded."""

    key: str
    label: str
    stage: Stage
    day: date


@dataclass(frozen=True)
class Reminder:
    """A reminder due: this site owes this milestone and this level has been reached."""

    site: str
    milestone: str
    level: Level
    state: State

    @property
    def key(self) -> str:
        """The ledger key that makes each (site, milestone, level) letter go out once."""
        return f"reminder:{self.site}:{self.milestone}:{self.level.key}"


def levels(plan: Plan, milestone: Milestone) -> list[Level]:
    """The reminders of ``milestone`` in the order they go out."""
    policy = plan.reminder_policy(milestone)
    found = [
        Level(f"truoc-{days}", BEFORE_LABEL, "before", milestone.due - timedelta(days=days))
        for days in sorted(set(policy.before_days), reverse=True)
    ]
    escalation = sorted(policy.escalation, key=lambda level: level.after_days)
    for number, step in enumerate(escalation, start=1):
        final = number == len(escalation) and len(escalation) > 1
        found.append(
            Level(
                f"sau-{step.after_days}",
                step.label or f"Đôn đốc lần {number}",
                "final" if final else "after",
                milestone.due + timedelta(days=step.after_days),
            )
        )
    return found


def reminders_due(plan: Plan, matrix: Matrix, sent: set[str]) -> list[Reminder]:
    """Reminders to send on the matrix's day: for each milestone a site still owes, the latest
    level reached by then, unless that level was sent already. A day without a run (a weekend)
    is caught up the next run; a level passed over for a later one is not sent."""
    as_of = matrix.as_of
    latest: dict[str, Level] = {}  # the latest level of each milestone reached on as_of
    for milestone in plan.milestones:
        reached = [
            level
            for level in levels(plan, milestone)
            if level.day <= as_of and (level.stage != "before" or as_of <= milestone.due)
        ]
        if reached:
            latest[milestone.id] = reached[-1]
    due = []
    for row in matrix.rows:
        for milestone_id, level in latest.items():
            cell = row.cells.get(milestone_id)
            if cell is None or cell.state not in OWED:
                continue
            reminder = Reminder(row.site.id, milestone_id, level, cell.state)
            if reminder.key not in sent:
                due.append(reminder)
    return due


def simulate(
    plan: Plan, evidence: Evidence, start: date, end: date, sent: set[str]
) -> list[tuple[date, list[Reminder]]]:
    """The reminders that would go out each day from ``start`` to ``end``, a run a day."""
    sent = set(sent)
    days = []
    day = start
    while day <= end:
        due = reminders_due(plan, build_matrix(plan, evidence, day), sent)
        sent.update(r.key for r in due)
        days.append((day, due))
        day += timedelta(days=1)
    return days


# --- reading the ledger ------------------------------------------------------------------


def read_evidence(plan: Plan, state: Path, database: str | None) -> tuple[Evidence, list[Document]]:
    """What the ledger holds, and the reminders it sent; nothing (and no database created)
    when there is no ledger yet."""
    if not ledger_exists(state, database):
        return Evidence(), []
    ledger = Ledger(database or database_url(state), plan.campaign.id)
    try:
        return Evidence.from_ledger(ledger, values=False), ledger.documents("reminder")
    finally:
        ledger.close()


def status_matrix(plan: Plan, state: Path, as_of: date, database: str | None) -> Matrix:
    """Where every site stands on ``as_of``."""
    evidence, _ = read_evidence(plan, state, database)
    return build_matrix(plan, evidence, as_of)


def simulate_ledger(
    plan: Plan, state: Path, start: date, end: date, database: str | None = None
) -> list[tuple[date, list[Reminder]]]:
    """Which reminders would go out day by day over the current ledger; writes nothing.
    Letters the ledger says were sent before ``start`` count as sent."""
    evidence, letters = read_evidence(plan, state, database)
    sent = {d.key for d in letters if d.day < start}
    return simulate(plan, evidence, start, end, sent)
