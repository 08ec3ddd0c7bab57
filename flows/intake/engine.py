"""Intake: take every ready file in the inbox exactly once, judge it, record it, answer it.

Crash safety rests on one order of steps per file: claim (atomic rename into the working
folder), judge (pure), commit the outcome and records in one transaction, move the original to
its outcome folder, mark it placed. Killed at any instant, the next run finds the claimed file
in the working folder: without a committed outcome it is judged again; with one, it is only
moved. So no file is lost and none is counted twice.
"""

from __future__ import annotations

import fcntl
import hashlib
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any, Literal

from flows.intake import inbox as drop
from flows.intake.issues import Issue, has_errors, warning
from flows.intake.ledger import Ledger, database_url
from flows.intake.limits import DEFAULT_LIMITS, Limits
from flows.intake.preflight import preflight_file
from flows.intake.reading import Parser, read_file
from flows.intake.table import find_table
from flows.intake.validate import Known, Prior, Submission, validate_table
from flows.intake.values import shown
from flows.plan import Plan

Status = Literal["accepted", "rejected", "duplicate", "waiting"]
STATUS_WORDS = {
    "accepted": "đã nhận",
    "rejected": "bị trả lại",
    "duplicate": "trùng lặp",
    "waiting": "đang chờ",
}


@dataclass(frozen=True)
class FileOutcome:
    """What became of one file."""

    file: str
    status: Status
    sha256: str | None = None
    sites: list[str] = field(default_factory=list)
    milestone: str | None = None
    issues: list[Issue] = field(default_factory=list)
    destination: str | None = None

    @property
    def site(self) -> str | None:
        """The site the file speaks for, when it is one site."""
        return self.sites[0] if len(self.sites) == 1 else None

    def as_dict(self) -> dict[str, Any]:
        """The JSON form ``mohinh intake --json`` prints."""
        return {
            "file": self.file,
            "sha256": self.sha256,
            "status": self.status,
            "site": self.site,
            "sites": self.sites,
            "milestone": self.milestone,
            "destination": self.destination,
            "issues": [i.as_dict() for i in self.issues],
        }


@dataclass
class Judgement:
    """A file's outcome before it is committed."""

    status: Status
    issues: list[Issue]
    submission: Submission | None = None
    duplicate_of: int | None = None


@dataclass(frozen=True)
class IntakeOptions:
    """How intake looks at the inbox; tests shorten the waits."""

    settle: float = 2.0
    min_age: float = 5.0
    limits: Limits = DEFAULT_LIMITS
    database: str | None = None


@contextmanager
def exclusive(state: Path) -> Iterator[None]:
    """One intake at a time per state folder (the lock dies with its process)."""
    state.mkdir(parents=True, exist_ok=True)
    with (state / "intake.lock").open("a") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def run_intake(
    plan: Plan,
    inbox: Path,
    state: Path,
    as_of: date,
    options: IntakeOptions = IntakeOptions(),
) -> list[FileOutcome]:
    """Take in every ready file of ``inbox``; lateness is judged on ``as_of``."""
    inbox.mkdir(parents=True, exist_ok=True)
    work = inbox / drop.WORK_FOLDER
    with exclusive(state):
        ledger = Ledger(options.database or database_url(state), plan.campaign.id)
        try:
            outcomes = _finish_placed(ledger, inbox, work)
            leftover = sorted(work.glob("*")) if work.exists() else []
            ready, waiting = drop.ready_files(inbox, options.settle, options.min_age)
            claimed = [c for c in (_claim(p, work) for p in ready) if c is not None]
            known = ledger.known()
            with Parser(options.limits) as parser:
                for path, seen in [*((p, _now()) for p in leftover), *claimed]:
                    outcomes.append(
                        _intake_one(plan, ledger, known, parser, inbox, path, seen, as_of)
                    )
            outcomes.extend(
                FileOutcome(drop.display_name(str(p.relative_to(inbox))), "waiting")
                for p in waiting
            )
        finally:
            ledger.close()
    return outcomes


def _now() -> datetime:
    return datetime.now(UTC)


def _claim(path: Path, work: Path) -> tuple[Path, datetime] | None:
    seen = _now()
    claimed = drop.claim(path, work, seen)
    return (claimed, seen) if claimed else None


def _finish_placed(ledger: Ledger, inbox: Path, work: Path) -> list[FileOutcome]:
    """Files whose outcome was committed before a crash but which were not yet moved."""
    outcomes = []
    for path in sorted(work.glob("*")) if work.exists() else []:
        row = ledger.file_by_claim(path.name)
        if row is None or row.placed:
            continue
        target = drop.place(path, inbox / (row.destination or ""), drop.original_name(path))
        ledger.mark_placed(row.id, str(target.relative_to(inbox)))
        outcomes.append(
            FileOutcome(
                drop.display_name(row.name),
                row.status,  # type: ignore[arg-type]
                row.sha256,
                row.sites,
                row.milestone,
                row.issues,
                drop.display_name(str(target.relative_to(inbox))),
            )
        )
    return outcomes


def _intake_one(
    plan: Plan,
    ledger: Ledger,
    known: Known,
    parser: Parser,
    inbox: Path,
    claimed: Path,
    seen: datetime,
    as_of: date,
) -> FileOutcome:
    """Judge, commit, move: one file from claimed to answered."""
    name = drop.original_name(claimed)
    data = claimed.read_bytes()
    sha256 = hashlib.sha256(data).hexdigest()
    judgement = judge_file(plan, ledger, known, parser, claimed, sha256, as_of)
    submission = judgement.submission
    accepted = submission.records if submission and judgement.status == "accepted" else []
    folder = drop.OUTCOME_FOLDERS[judgement.status]
    milestone = submission.milestone.id if submission and submission.milestone else None
    file_id = ledger.record_file(
        claim=claimed.name,
        name=name,
        sha256=sha256,
        size=len(data),
        seen_at=seen,
        as_of=as_of,
        status=judgement.status,
        form=submission.form.id if submission else None,
        milestone=milestone,
        issues=judgement.issues,
        destination=folder,
        accepted=accepted,
        late_days=submission.late_days if submission else 0,
        duplicate_of=judgement.duplicate_of,
    )
    for record in accepted:
        known.records[(record.site, record.milestone)] = Prior(
            {k: shown(v) if not isinstance(v, str) else v for k, v in record.values.items()},
            seen,
            name,
        )
    target = drop.place(claimed, inbox / folder, name)
    relative = str(target.relative_to(inbox))
    ledger.mark_placed(file_id, relative)
    return FileOutcome(
        drop.display_name(name),
        judgement.status,
        sha256,
        submission.sites if submission else [],
        milestone,
        judgement.issues,
        drop.display_name(relative),
    )


def judge_file(
    plan: Plan,
    ledger: Ledger,
    known: Known,
    parser: Parser,
    path: Path,
    sha256: str,
    as_of: date,
) -> Judgement:
    """Accepted, rejected or duplicate, with every issue found."""
    earlier = ledger.first_with_hash(sha256)
    if earlier is not None:
        word = STATUS_WORDS.get(earlier.status, earlier.status)
        issue = warning(
            "duplicate_file",
            f"Tệp giống hệt tệp '{drop.display_name(earlier.name)}' đã gửi ngày "
            f"{earlier.seen_at:%d/%m/%Y} (kết quả: {word}); không tính lại.",
        )
        return Judgement("duplicate", [issue], duplicate_of=earlier.id)
    checked = preflight_file(path, parser.limits)
    if not checked.readable or checked.kind is None:
        return Judgement("rejected", checked.issues)
    sheets = read_file(path, checked.kind, parser)
    if isinstance(sheets, Issue):
        return Judgement("rejected", [sheets])
    table = find_table(sheets, plan.forms, parser.limits.header_rows)
    if isinstance(table, Issue):
        return Judgement("rejected", [table])
    titles = " ".join(
        shown(v)
        for row in table.sheet.rows[: table.header_row - table.sheet.first_row]
        for v in row
        if isinstance(v, str)
    )
    submission = validate_table(plan, table, checked.formulas, known, as_of, titles)
    status: Status = "rejected" if has_errors(submission.issues) else "accepted"
    return Judgement(status, submission.issues, submission)
