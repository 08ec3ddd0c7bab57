"""PDF copies through LibreOffice, when it is installed (and a problem saying so when not).

Each conversion runs its own soffice process with its own profile folder (two soffice
processes sharing a profile block each other). One start converts every file (starting soffice
costs seconds): the documents are linked under unique names into a working folder beside them,
converted there, and each PDF is moved next to its document, so a PDF appears whole or not at
all and same-named letters of different sites do not collide.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import tempfile
from pathlib import Path

START_SECONDS = 60
SECONDS_PER_FILE = 10


def soffice() -> str | None:
    """The LibreOffice program, if installed."""
    return shutil.which("soffice") or shutil.which("libreoffice")


def missing_libreoffice(count: int, target: str = "pdf") -> str:
    """What to tell staff when LibreOffice is not there to make the copies."""
    return (
        f"Chưa cài LibreOffice (không tìm thấy lệnh soffice) nên chưa làm được bản "
        f"{target.upper()} của {count} tệp; các tệp .docx, .xlsx vẫn được ghi đủ. Cài "
        "LibreOffice (gói libreoffice-writer-nogui, libreoffice-calc-nogui), hoặc chạy với "
        "--no-pdf để không làm bản PDF."
    )


def _link(source: Path, target: Path) -> None:
    try:
        os.link(source, target)
    except OSError:  # another file system, or links not allowed
        shutil.copyfile(source, target)


def convert(files: list[Path], target: str = "pdf") -> tuple[dict[Path, Path], list[str]]:
    """Convert ``files`` (each result next to its source); the converted files, and problems
    in Vietnamese (a missing copy is a problem to report, never a reason to stop)."""
    if not files:
        return {}, []
    program = soffice()
    if program is None:
        return {}, [missing_libreoffice(len(files), target)]
    converted: dict[Path, Path] = {}
    problems = []
    common = Path(os.path.commonpath([f.resolve().parent for f in files]))
    with (
        tempfile.TemporaryDirectory(prefix="mohinh-lo-") as profile,
        tempfile.TemporaryDirectory(prefix=".pdf-", dir=common) as work,
    ):
        inputs = Path(work) / "in"
        inputs.mkdir()
        names = {}
        for number, file in enumerate(files):
            name = f"{number:06d}{file.suffix}"
            _link(file, inputs / name)
            names[file] = name
        command = [
            program,
            f"-env:UserInstallation={Path(profile).as_uri()}",
            "--headless",
            "--norestore",
            "--convert-to",
            target,
            "--outdir",
            work,
            *(str(inputs / n) for n in names.values()),
        ]
        try:
            subprocess.run(
                command,
                capture_output=True,
                timeout=START_SECONDS + SECONDS_PER_FILE * len(files),
                check=False,
            )
        except subprocess.TimeoutExpired:
            problems.append(f"LibreOffice quá thời gian khi chuyển {len(files)} tệp sang PDF")
        for file, name in names.items():
            made = Path(work) / f"{Path(name).stem}.{target}"
            if made.exists():
                destination = file.with_suffix(f".{target}")
                os.replace(made, destination)
                converted[file] = destination
            else:
                problems.append(f"Không chuyển được {file.name} sang {target.upper()}")
    return converted, problems
