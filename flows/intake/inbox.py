"""The drop-folder protocol: which files are ready, claiming them, putting them back.

The inbox is polled (change events do not reach across network shares). A file is taken only
when it is complete: at least ``min_age`` seconds old (a time in the future counts as old: the
sender's clock is not ours) and unchanged in size and modification time across two looks. It
is claimed by an atomic rename into a folder of its own (named by a claim token, so any name
that fits the inbox fits there) in a hidden working folder, then,
once its outcome is committed to the ledger, moved byte for byte unchanged into a folder the
sender can see. Nothing is ever overwritten: a name already taken gets " (2)", " (3)"...
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import secrets
import shutil
import time
import unicodedata
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

WORK_FOLDER = ".mohinh"
OURS = ".mohinh-"  # our files inside a claim folder; a sender's dot-file is never claimed
JUDGING = f"{OURS}judging"  # in the working folder: see Judging
MAX_ATTEMPTS = 2
OUTCOME_FOLDERS = {"accepted": "da-nhan", "rejected": "tra-lai", "duplicate": "trung-lap"}
JUNK_NAMES = frozenset({"thumbs.db", "desktop.ini", ".ds_store"})
TEMP_PREFIXES = ("~$", ".~lock.", "._")
TEMP_SUFFIXES = (".tmp", ".part", ".partial", ".crdownload", ".download")
NAME_BYTES = 255


@dataclass(frozen=True)
class Look:
    """A file's size and modification time at one look."""

    size: int
    mtime_ns: int


def is_ignored(name: str) -> bool:
    """Temporary, lock and hidden files that are never submissions."""
    lowered = name.casefold()
    if (
        lowered in JUNK_NAMES
        or lowered.startswith(TEMP_PREFIXES)
        or lowered.endswith(TEMP_SUFFIXES)
    ):
        return True
    return name.startswith(".") and not name.startswith("..")


def display_name(name: str) -> str:
    """A file name fit for messages: NFC, undecodable bytes shown as U+FFFD."""
    text = name.encode("utf-8", "surrogateescape").decode("utf-8", "replace")
    return unicodedata.normalize("NFC", text)


def candidates(inbox: Path) -> Iterator[Path]:
    """Files dropped in the inbox or in folders the senders made in it."""
    reserved = {WORK_FOLDER, *OUTCOME_FOLDERS.values()}
    for folder, dirs, names in os.walk(inbox):
        here = Path(folder)
        if here == inbox:
            dirs[:] = [d for d in dirs if d not in reserved]
        dirs[:] = sorted(d for d in dirs if not d.startswith("."))
        for name in sorted(names):
            path = here / name
            if not is_ignored(name) and path.is_file() and not path.is_symlink():
                yield path


def look(paths: list[Path]) -> dict[Path, Look]:
    """Size and modification time of each path that still exists."""
    seen = {}
    for path in paths:
        try:
            stat = path.stat()
        except FileNotFoundError:
            continue
        seen[path] = Look(stat.st_size, stat.st_mtime_ns)
    return seen


def ready_files(inbox: Path, settle: float, min_age: float) -> tuple[list[Path], list[Path]]:
    """(complete files, files still being written), after two looks ``settle`` seconds apart."""
    found = list(candidates(inbox))
    first = look(found)
    if first and settle > 0:
        time.sleep(settle)
    second = look(found)
    now_ns = time.time_ns()
    ready, waiting = [], []
    for path in found:
        before, after = first.get(path), second.get(path)
        if before is None or after is None:
            continue
        age_ns = now_ns - after.mtime_ns
        if before == after and (age_ns >= min_age * 1e9 or age_ns < 0):
            ready.append(path)
        else:
            waiting.append(path)
    ready.sort(key=lambda p: (second[p].mtime_ns, str(p)))
    return ready, waiting


def check_folders(inbox: Path) -> str | None:
    """Why intake cannot use ``inbox`` (an outcome folder name taken by a file), if so."""
    for folder in (WORK_FOLDER, *OUTCOME_FOLDERS.values()):
        path = inbox / folder
        if (path.exists() or path.is_symlink()) and not (path.is_dir() and not path.is_symlink()):
            return (
                f"Trong thư mục nhận {inbox} có '{folder}' không phải thư mục; chương trình cần "
                "tên này cho thư mục của mình. Xin đổi tên hoặc chuyển nó đi rồi chạy lại."
            )
    return None


def claim(path: Path, work: Path, seen: datetime) -> Path | None:
    """Move ``path`` into a new folder of the working folder; ``None`` if it is gone."""
    folder = work / f"{seen:%Y%m%dT%H%M%S}-{secrets.token_hex(4)}"
    folder.mkdir(parents=True)
    target = folder / path.name
    try:
        os.rename(path, target)
    except FileNotFoundError:
        folder.rmdir()
        return None
    with contextlib.suppress(OSError):  # unreadable: it is judged (and refused) as it is
        detach(target)
    return target


def detach(claimed: Path) -> None:
    """Make a claimed file our own copy when another name (a hard link outside) shares it,
    so that what is judged and archived cannot change afterwards."""
    if claimed.stat().st_nlink <= 1:
        return
    copy = claimed.with_name(f"{OURS}copy")
    shutil.copy2(claimed, copy)
    os.replace(copy, claimed)


class Judging:
    """Which claimed file the engine is judging, kept in ``.mohinh/.mohinh-judging`` so that
    the next run knows which file a run that died (killed, out of memory, hung) stopped on,
    and how many times.

    One small write before and after each file, never synced: a killed process leaves its
    writes with the operating system, and a power cut only gives a file one more try."""

    def __init__(self, work: Path) -> None:
        self.path = work / JUDGING
        self.stopped: dict[str, int] = {}  # claim token -> runs it stopped
        with contextlib.suppress(OSError, UnicodeDecodeError):
            for line in self.path.read_text(encoding="utf-8").splitlines():
                token, _, count = line.partition(" ")
                if count.isdigit():
                    self.stopped[token] = int(count)
        self._descriptor: int | None = None

    def attempts(self, claimed: Path) -> int:
        """How many runs stopped while judging ``claimed``."""
        return self.stopped.get(claim_token(claimed), 0)

    def begin(self, claimed: Path) -> None:
        """Judging ``claimed`` begins."""
        token = claim_token(claimed)
        self._write({**self.stopped, token: self.stopped.get(token, 0) + 1})

    def end(self, claimed: Path) -> None:
        """Judging ``claimed`` ended, whatever the outcome."""
        self.stopped.pop(claim_token(claimed), None)
        self._write(self.stopped)

    def close(self) -> None:
        """The run is over: the journal goes when no file is left in it."""
        if self._descriptor is not None:
            os.close(self._descriptor)
            self._descriptor = None
        if not self.stopped:
            with contextlib.suppress(FileNotFoundError):
                self.path.unlink()

    def _write(self, counts: dict[str, int]) -> None:
        if self._descriptor is None:
            self._descriptor = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o644)
        data = "".join(f"{token} {count}\n" for token, count in counts.items()).encode()
        os.ftruncate(self._descriptor, 0)  # cut short by a crash: empty, never stale
        os.pwrite(self._descriptor, data, 0)


def claimed_files(work: Path) -> list[Path]:
    """Files claimed by an earlier run and not yet placed (empty claim folders removed), in
    the order they arrived, as :func:`ready_files` gives them: a run killed midway and the
    next one then number the files (and name their feedback) as one run would have."""
    found = []
    for folder in sorted(work.iterdir()) if work.is_dir() else []:
        inside = sorted(folder.iterdir()) if folder.is_dir() else []
        theirs = [p for p in inside if not p.name.startswith(OURS)]
        if not theirs and folder.is_dir():
            for ours in inside:
                ours.unlink()
            folder.rmdir()
        for path in theirs:
            with contextlib.suppress(OSError):  # a copy cut short is made again here
                detach(path)
        found += theirs
    return sorted(found, key=lambda p: (_mtime_ns(p), p.name))


def _mtime_ns(path: Path) -> int:
    try:
        return path.stat().st_mtime_ns
    except OSError:
        return 0


def claim_token(claimed: Path) -> str:
    """The token a claimed file is recorded under in the ledger."""
    return claimed.parent.name


def _fit(stem: str, suffix: str) -> str:
    """``stem + suffix``, the stem shortened until the name fits the file system."""
    while len(os.fsencode(stem + suffix)) > NAME_BYTES and stem:
        stem = stem[:-1]
    return stem + suffix


def _free_names(folder: Path, name: str) -> Iterator[Path]:
    stem, suffix = os.path.splitext(name)
    yield folder / name
    for n in range(2, 100_000):
        yield folder / _fit(stem, f" ({n}){suffix}")


def place(claimed: Path, folder: Path, name: str) -> Path:
    """Move a claimed file to ``folder`` as ``name`` (or a free variant); never overwrite.

    Safe to repeat after a crash: a hard link left by an interrupted move is recognised.
    """
    folder.mkdir(parents=True, exist_ok=True)
    for target in _free_names(folder, name):
        if not target.exists():
            break
        if os.path.samefile(target, claimed):
            claimed.unlink()
            _remove_claim_folder(claimed)
            return target
    for target in _free_names(folder, name):
        try:
            os.link(claimed, target)
        except FileExistsError:
            continue
        except OSError:  # no hard links on this share: rename, having checked the name is free
            if target.exists():
                continue
            os.rename(claimed, target)
            _remove_claim_folder(claimed)
            return target
        claimed.unlink()
        _remove_claim_folder(claimed)
        return target
    raise FileExistsError(folder / name)  # pragma: no cover - 100,000 files of one name


def find_moved(folder: Path, name: str, sha256: str) -> Path:
    """Where a file moved into ``folder`` under ``name`` or a variant went, found by its
    content; the folder itself when it is no longer there."""
    stem = os.path.splitext(name)[0][:20]
    for path in sorted(folder.iterdir()) if folder.is_dir() else []:
        same_name = path.is_file() and display_name(path.name).startswith(stem)
        if same_name and hashlib.sha256(path.read_bytes()).hexdigest() == sha256:
            return path
    return folder


def _remove_claim_folder(claimed: Path) -> None:
    with contextlib.suppress(OSError):
        claimed.parent.rmdir()
