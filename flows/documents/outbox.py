"""The outbox: where documents land, one folder per site, the report in its own, and a
manifest per run listing what was written.

Layout (every name ASCII)::

    outbox/<site id>/cong-van-<date>.docx          reminder letters to the site
    outbox/<site id>/phan-hoi-<date>-<file>.docx   feedback on a file the site sent
    outbox/<site id>/phan-hoi-<date>-<file>.xlsx   the sender's workbook, bad cells marked
    outbox/khong-ro-don-vi/...                     feedback on files whose site is unknown
    outbox/tong-hop/tong-hop-<date>.docx           the consolidated report (+ .xlsx, .png)
    outbox/runs/<time>-<command>/manifest.json     what each run wrote
"""

from __future__ import annotations

import errno
import json
import os
import shutil
import time
from collections.abc import Sequence
from contextlib import suppress
from dataclasses import asdict, dataclass
from datetime import date, datetime
from pathlib import Path
from typing import Any

from flows.documents import pdf
from flows.documents.atomic import write_atomic
from flows.errors import MohinhError
from flows.names import safe_name

REPORT_FOLDER = "tong-hop"
UNKNOWN_SITE_FOLDER = "khong-ro-don-vi"
RUNS_FOLDER = "runs"
STALE_SECONDS = 600  # a working file this old belongs to a run that died


def form_file_name(milestone: str, site: str) -> str:
    """``bieu-mau-<milestone>-<site>.xlsx``: a site's blank form, in the site's folder."""
    return f"bieu-mau-{safe_name(milestone)}-{safe_name(site)}.xlsx"


@dataclass(frozen=True)
class Written:
    """A file this run wrote, relative to the outbox."""

    kind: str
    path: str
    site: str | None = None
    milestone: str | None = None
    key: str | None = None
    pdf: str | None = None


class OutboxError(MohinhError):
    """The outbox folder cannot be used as given."""


def check_outbox(root: Path, inbox: Path | None = None) -> None:
    """The outbox is (or can be made) a writable folder, apart from the inbox: an outbox in
    the inbox would be taken in as submissions, feedback on feedback, run after run."""
    if inbox is not None:
        a, b = root.resolve(), inbox.resolve()
        if a.is_relative_to(b) or b.is_relative_to(a):
            raise OutboxError(
                f"Thư mục văn bản {root} và thư mục nhận {inbox} lồng nhau: chương trình sẽ nhận "
                "nhầm văn bản của chính mình. Xin chọn --outbox ở ngoài thư mục nhận."
            )
    try:
        root.mkdir(parents=True, exist_ok=True)
    except OSError as failure:
        raise OutboxError(f"Không dùng được thư mục văn bản {root}: {failure.strerror}") from None
    if not os.access(root, os.W_OK | os.X_OK):
        raise OutboxError(f"Không ghi được vào thư mục văn bản {root} (không có quyền ghi).")


_WRITE_FAILURES = {
    errno.ENOSPC: "ổ đĩa đã đầy",
    errno.EDQUOT: "đã hết hạn mức dung lượng",
    errno.EACCES: "không có quyền ghi",
    errno.EPERM: "không có quyền ghi",
    errno.EROFS: "ổ đĩa chỉ cho đọc",
}


def write_failure(failure: OSError, what: str, root: Path) -> str:
    """``Không ghi được <what> vào <where>: ổ đĩa đã đầy.``: an I/O failure while writing into
    the outbox ``root``, said for staff (the file it stopped at, else the outbox)."""
    reason = _WRITE_FAILURES.get(failure.errno or 0) or failure.strerror or str(failure)
    return f"Không ghi được {what} vào {failure.filename or root}: {reason}."


def sweep(root: Path, older_than: float = STALE_SECONDS) -> None:
    """Remove what a killed run left: PDF working folders and temporary files (in a site's
    folder, and beside the status page at the top)."""
    limit = time.time() - older_than
    found = [*root.glob(".pdf-*"), *root.glob("*/.pdf-*"), *root.glob("*/.*.tmp")]
    for path in [*found, *root.glob(".*.tmp")]:
        with suppress(OSError):
            if path.lstat().st_mtime < limit:
                if path.is_dir() and not path.is_symlink():
                    shutil.rmtree(path)
                else:
                    path.unlink()


class Outbox:
    """Writes one run's documents into ``root`` and remembers them for the manifest."""

    def __init__(self, root: Path, command: str, as_of: date, started: datetime) -> None:
        check_outbox(root)
        sweep(root)
        self.root, self.command, self.as_of, self.started = root, command, as_of, started
        self.written: list[Written] = []
        self.problems: list[str] = []

    def site_folder(self, site: str | None) -> str:
        """The folder of a site's documents (relative to the outbox)."""
        return safe_name(site) if site else UNKNOWN_SITE_FOLDER

    def write(self, relative: str, data: bytes, kind: str, **about: Any) -> Written:
        """Write ``data`` atomically at ``relative`` and note it for the manifest."""
        write_atomic(self.root / relative, data)
        return self.note(relative, kind, **about)

    def note(self, relative: str, kind: str, **about: Any) -> Written:
        """Note for the manifest a file written at ``relative`` (atomically) by someone else."""
        written = Written(kind, relative, **about)
        self.written.append(written)
        return written

    def make_pdfs(self, owed: Sequence[str] = ()) -> None:
        """PDF copies of every .docx written, when LibreOffice is installed, and of the
        earlier documents in ``owed`` (relative paths) whose copy a killed run never made."""
        docx = [w for w in self.written if w.path.endswith(".docx")]
        fresh = [w.path for w in docx]
        late = [path for path in owed if path not in fresh]
        converted, problems = pdf.convert([self.root / p for p in [*fresh, *late]])
        self.problems += problems
        for path in late:
            made = converted.get(self.root / path)
            if made is not None:
                self.note(str(made.relative_to(self.root)), "pdf")
        for i, written in enumerate(self.written):
            made = converted.get(self.root / written.path)
            if made is not None:
                self.written[i] = Written(
                    **(asdict(written) | {"pdf": str(made.relative_to(self.root))})
                )

    def write_manifest(self) -> Path | None:
        """``runs/<time>-<command>/manifest.json``; nothing when nothing was written."""
        if not self.written and not self.problems:
            return None
        stamp = self.started.strftime("%Y%m%dT%H%M%S%fZ")
        path = self.root / RUNS_FOLDER / f"{stamp}-{self.command}" / "manifest.json"
        manifest = {
            "command": self.command,
            "as_of": self.as_of.isoformat(),
            "started": self.started.isoformat(),
            "files": [{k: v for k, v in asdict(w).items() if v is not None} for w in self.written],
            "problems": self.problems,
        }
        text = json.dumps(manifest, ensure_ascii=False, indent=2) + "\n"
        write_atomic(path, text.encode("utf-8"))
        return path
