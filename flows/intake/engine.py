"""Intake: take every ready file in the inbox exactly once, judge it, record it, answer it.

Crash safety rests on one order of steps per file: claim (atomic rename into the working
folder), judge (pure), commit the outcome and records in one transaction, move the original to
its outcome folder, mark it placed. Killed at any instant, the next run finds the claimed file
in the working folder: without a committed outcome it is judged again; with one, it is only
moved. So no file is lost and none is counted twice.
"""

from __future__ import annotations

import contextlib
import fcntl
import hashlib
import os
import sys
import traceback
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any, Literal

from flows.errors import MohinhError
from flows.intake import inbox as drop
from flows.intake.identify import identify, site_mismatches
from flows.intake.issues import Issue, error, has_errors, warning
from flows.intake.ledger import Earlier, Entry, FileRow, Ledger, database_url
from flows.intake.limits import DEFAULT_LIMITS, Limits
from flows.intake.reading import ParserPool
from flows.intake.validate import Known, Prior, Submission, validate_table
from flows.intake.values import shown
from flows.intake.worker import Examined
from flows.plan import Plan

Status = Literal["accepted", "rejected", "duplicate", "waiting"]
BATCH_FILES = 50
ENGINE_ERROR = (
    "Chương trình gặp lỗi khi đọc tệp này (lỗi của chương trình, không phải của tệp). Cán bộ "
    "phụ trách đã được báo; xin chờ hướng dẫn hoặc gửi lại sau."
)
STOPPED_RUNS = (
    "Tệp này đã làm chương trình dừng giữa chừng hai lần khi đọc, nên không được đọc nữa để "
    "các tệp khác vẫn được nhận. Xin mở tệp trên máy, lưu lại dạng .xlsx rồi gửi lại; cán bộ "
    "phụ trách đã được báo."
)
STATUS_WORDS = {
    "accepted": "đã nhận",
    "rejected": "bị trả lại",
    "duplicate": "trùng lặp",
    "waiting": "đang chờ",
}


class IntakeError(MohinhError):
    """The inbox or state folder cannot be used as given."""


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


@dataclass(frozen=True)
class IntakeOptions:
    """How intake looks at the inbox; tests shorten the waits."""

    settle: float = 2.0
    min_age: float = 5.0
    limits: Limits = DEFAULT_LIMITS
    database: str | None = None
    parsers: int = 0  # parser processes; 0: one per core (at most 4)


@contextmanager
def _locked(path: Path) -> Iterator[None]:
    """An exclusive ``flock`` on a file, or on a folder itself (no file left in it)."""
    if not path.is_dir():
        path.parent.mkdir(parents=True, exist_ok=True)
        path.touch()
    handle = os.open(path, os.O_RDONLY)
    try:
        fcntl.flock(handle, fcntl.LOCK_EX)
        yield
    finally:
        os.close(handle)  # closing releases the lock


@contextmanager
def exclusive(
    state: Path, inbox: Path | None = None, database: str | None = None, campaign: str = ""
) -> Iterator[None]:
    """One intake at a time per inbox and per state folder (the locks die with their
    process). With an inbox and a PostgreSQL ledger, first a database lock keyed by the
    campaign and the inbox's path, which holds where ``flock`` does not reach across
    machines (an SMB or NFS share). The inbox's locks are always taken before the state
    folder's, so two intakes never wait on each other in a circle."""
    from flows.intake.ledger import intake_lock

    if inbox:
        (inbox / drop.WORK_FOLDER).mkdir(parents=True, exist_ok=True)
    with (
        intake_lock(database or database_url(state), f"{campaign}\0{inbox.resolve()}")
        if inbox
        else contextlib.nullcontext(),
        _locked(inbox / drop.WORK_FOLDER) if inbox else contextlib.nullcontext(),
        _locked(state / "intake.lock"),
    ):
        yield


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
    _check_places(inbox, state, options.database)
    with exclusive(state, inbox, options.database, plan.campaign.id):
        ledger = Ledger(options.database or database_url(state), plan.campaign.id)
        try:
            outcomes = _finish_placed(ledger, inbox, work)
            leftover = [(p, _now()) for p in drop.claimed_files(work)]
            ready, waiting = drop.ready_files(inbox, options.settle, options.min_age)
            claimed = [c for c in (_claim(p, work) for p in ready) if c is not None]
            todo = [*leftover, *claimed]
            if todo:  # an empty inbox reads nothing more of the ledger
                batch = Batch(plan, ledger, inbox, as_of)
                try:
                    with ParserPool(options.limits, options.parsers) as pool:
                        for start in range(0, len(todo), BATCH_FILES):
                            outcomes += batch.run(pool, todo[start : start + BATCH_FILES])
                finally:
                    batch.judging.close()
            outcomes.extend(_waiting(inbox, path, options) for path in waiting)
        finally:
            ledger.close()
    return outcomes


def _waiting(inbox: Path, path: Path, options: IntakeOptions) -> FileOutcome:
    """A file left for a later run, with why."""
    why = (
        f"Tệp vừa được chép vào hoặc đang thay đổi: chương trình chỉ nhận tệp đã nằm yên ít "
        f"nhất {options.min_age:g} giây (để không đọc một tệp chép chưa xong). Tệp sẽ được "
        "nhận ở lần chạy sau, không cần gửi lại."
    )
    name = drop.display_name(str(path.relative_to(inbox)))
    return FileOutcome(name, "waiting", issues=[warning("not_ready", why)])


def _check_places(inbox: Path, state: Path, database: str | None) -> None:
    """Refuse an inbox that would swallow the ledger or has our folder names taken."""
    problem = drop.check_folders(inbox)
    if problem:
        raise IntakeError(problem)
    inside = state.resolve().is_relative_to(inbox.resolve())
    if inside and not database:
        raise IntakeError(
            f"Thư mục sổ theo dõi {state} nằm trong thư mục nhận {inbox}: chương trình sẽ nhận "
            "nhầm chính sổ của mình. Xin chọn --state ở ngoài thư mục nhận."
        )


def _now() -> datetime:
    return datetime.now(UTC)


def _claim(path: Path, work: Path) -> tuple[Path, datetime] | None:
    seen = _now()
    claimed = drop.claim(path, work, seen)
    return (claimed, seen) if claimed else None


def _finish_placed(ledger: Ledger, inbox: Path, work: Path) -> list[FileOutcome]:
    """Files whose outcome was committed before a crash but which were not yet moved (or
    moved, but the move not recorded)."""
    unplaced = {row.claim: row for row in ledger.unplaced()}
    claimed = drop.claimed_files(work)
    for token in unplaced.keys() - {drop.claim_token(p) for p in claimed}:
        lost = unplaced[token]
        moved = drop.find_moved(inbox / (lost.destination or ""), lost.name, lost.sha256)
        ledger.mark_placed([(lost.id, drop.display_name(str(moved.relative_to(inbox))))])
    outcomes = []
    for path in claimed:
        row = unplaced.get(drop.claim_token(path))
        if row is None:  # claimed but never judged: the caller judges it now
            continue
        target = drop.place(path, inbox / (row.destination or ""), path.name)
        relative = drop.display_name(str(target.relative_to(inbox)))
        ledger.mark_placed([(row.id, relative)])
        outcomes.append(_answered(row, relative))
    return outcomes


def _answered(judged: Entry | FileRow, destination: str) -> FileOutcome:
    """The outcome of a file judged now (an entry) or before a crash (a ledger row)."""
    status: Status = judged.status  # type: ignore[assignment]
    sites, issues = judged.sites, judged.issues
    return FileOutcome(
        judged.name, status, judged.sha256, sites, judged.milestone, issues, destination
    )


class Batch:
    """Judges files a batch at a time: one transaction records a batch, one marks it placed."""

    def __init__(self, plan: Plan, ledger: Ledger, inbox: Path, as_of: date) -> None:
        self.plan, self.ledger, self.inbox, self.as_of = plan, ledger, inbox, as_of
        # What the ledger holds is read as the files ask: the records of the sites a file
        # speaks for, the hashes of the files in hand. A run's fixed cost stays the same
        # whether the ledger holds 40 files or 40,000.
        self.known = ledger.known_lazily()
        self.seen: dict[str, Earlier] = {}
        self.judging = drop.Judging(inbox / drop.WORK_FOLDER)

    def run(self, pool: ParserPool, chunk: list[tuple[Path, datetime]]) -> list[FileOutcome]:
        """Judge, commit, move and mark placed every file of ``chunk`` (the files read ahead
        in the parser processes while the engine judges)."""
        digests = [_digest_or_issue(path) for path, _ in chunk]
        wanted = [d[1] for d in digests if not isinstance(d, Issue) and d[1] not in self.seen]
        for sha256, earlier in self.ledger.hashes(wanted).items():
            self.seen.setdefault(sha256, earlier)
        unread = [
            None
            if isinstance(digest, Issue)
            or digest[1] in self.seen
            or self.judging.attempts(path) >= drop.MAX_ATTEMPTS
            else path
            for (path, _), digest in zip(chunk, digests, strict=True)
        ]
        examined = pool.examine_each(unread)
        entries = [
            self.judge(path, seen, digest, next(examined), pool.limits)
            for (path, seen), digest in zip(chunk, digests, strict=True)
        ]
        ids = self.ledger.record_files(entries)
        placed = []
        for file_id, entry in zip(ids, entries, strict=True):
            folder = self.inbox / entry.destination
            target = drop.place(entry.claim_path, folder, entry.claim_path.name)
            placed.append((file_id, drop.display_name(str(target.relative_to(self.inbox)))))
        self.ledger.mark_placed(placed)
        return [_answered(e, relative) for e, (_, relative) in zip(entries, placed, strict=True)]

    def judge(
        self,
        claimed: Path,
        seen: datetime,
        digest: tuple[int, str] | Issue,
        examined: Examined | None,
        limits: Limits,
    ) -> Entry:
        """One file's outcome, ready to be committed; what it adds is known to the next.

        A file that was being judged when an earlier run stopped (killed, or hung) is judged
        once more; a file that stopped two runs is rejected unread, so it cannot block the
        inbox."""
        name = drop.display_name(claimed.name)
        if isinstance(digest, Issue):
            size, sha256 = 0, hashlib.sha256(b"").hexdigest()
            judgement = Judgement("rejected", [digest])
        else:
            size, sha256 = digest
            judgement = self._judge_guarded(claimed, sha256, examined, limits)
        submission = judgement.submission
        accepted = submission.records if submission and judgement.status == "accepted" else []
        if judgement.status == "accepted":
            self.seen.setdefault(sha256, Earlier(name, judgement.status, self.as_of))
        for record in accepted:
            self.known.add(
                record.site, record.milestone, Prior(record.stored_values(), self.as_of, name)
            )
        return Entry(
            claim_path=claimed,
            name=name,
            sha256=sha256,
            size=size,
            seen_at=seen,
            as_of=self.as_of,
            status=judgement.status,
            form=submission.form.id if submission else None,
            milestone=submission.milestone.id if submission and submission.milestone else None,
            sites=submission.sites if submission else [],
            issues=judgement.issues,
            destination=drop.OUTCOME_FOLDERS[judgement.status],
            accepted=accepted,
            late_days=max(submission.late_days, 0) if submission else 0,
        )

    def _judge_guarded(
        self, claimed: Path, sha256: str, examined: Examined | None, limits: Limits
    ) -> Judgement:
        if self.judging.attempts(claimed) >= drop.MAX_ATTEMPTS:
            self.judging.end(claimed)
            return Judgement("rejected", [error("engine_error", STOPPED_RUNS)])
        self.judging.begin(claimed)
        try:
            return judge_file(
                self.plan, self.seen, self.known, examined, sha256, self.as_of, limits
            )
        except Exception:  # the engine's own fault: answer the file, keep going, tell the operator
            traceback.print_exc(file=sys.stderr)
            return Judgement("rejected", [error("engine_error", ENGINE_ERROR)])
        finally:
            self.judging.end(claimed)


def _digest_or_issue(path: Path) -> tuple[int, str] | Issue:
    """Size and SHA-256 of a claimed file, or why the engine may not read it."""
    try:
        return _digest(path)
    except OSError as failure:
        return _unreadable(failure)


def _digest(path: Path) -> tuple[int, str]:
    """Size and SHA-256 of a file, read in blocks."""
    digest, size = hashlib.sha256(), 0
    with path.open("rb") as stream:
        while block := stream.read(1 << 20):
            digest.update(block)
            size += len(block)
    return size, digest.hexdigest()


def _unreadable(failure: OSError) -> Issue:
    reason = "không có quyền đọc" if isinstance(failure, PermissionError) else "lỗi đọc đĩa"
    return error(
        "unreadable",
        f"Chương trình không đọc được tệp ({reason}): có thể tệp được chép với quyền riêng "
        "của người gửi. Xin chép lại tệp vào thư mục nhận (hoặc nhờ cán bộ phụ trách mở "
        "quyền đọc) rồi gửi lại.",
    )


def judge_file(
    plan: Plan,
    seen: dict[str, Earlier],
    known: Known,
    examined: Examined | None,
    sha256: str,
    as_of: date,
    limits: Limits,
) -> Judgement:
    """Accepted, rejected or duplicate, with every issue found; ``examined`` is what the
    parser process found in the file (``None`` only for content seen before)."""
    earlier = seen.get(sha256)
    if earlier is not None:
        issue = warning(
            "duplicate_file",
            f"Tệp giống hệt tệp '{earlier.name}' đã nhận ngày {earlier.day:%d/%m/%Y}; "
            "không tính lại.",
        )
        return Judgement("duplicate", [issue])
    if examined is None:  # pragma: no cover - only content in ``seen`` is left unread
        raise ValueError("a file judged without being read")
    if examined.sheets is None:
        return Judgement("rejected", examined.issues)
    found = identify(plan, examined.sheets, examined.marker, limits.header_rows)
    table = found.table
    if isinstance(table, Issue):
        return Judgement("rejected", [*found.issues, table])
    titles = " ".join(
        shown(v)
        for row in table.sheet.rows[: table.header_row - table.sheet.first_row]
        for v in row
        if isinstance(v, str)
    )
    submission = validate_table(
        plan, table, examined.formulas, known, as_of, titles, found.milestone
    )
    submission.issues[:0] = found.issues
    if found.marker is not None:
        submission.issues += site_mismatches(plan, found.marker, table, submission)
    status: Status = "rejected" if has_errors(submission.issues) else "accepted"
    return Judgement(status, submission.issues, submission)
