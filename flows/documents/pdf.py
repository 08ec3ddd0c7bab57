"""PDF copies through LibreOffice, when it is installed.

Each conversion runs its own soffice process with its own profile folder (two soffice
processes sharing a profile block each other). One start converts a whole batch (starting
soffice costs seconds); since it writes every PDF into one folder, a batch holds no two files
of the same name. PDFs are written through a temporary folder beside the documents, so a PDF
appears whole or not at all.
"""

from __future__ import annotations

import shutil
import subprocess
import tempfile
from pathlib import Path

START_SECONDS = 60
SECONDS_PER_FILE = 10


def soffice() -> str | None:
    """The LibreOffice program, if installed."""
    return shutil.which("soffice") or shutil.which("libreoffice")


def batches(files: list[Path]) -> list[list[Path]]:
    """``files`` split so that no batch holds two files with the same name."""
    found: list[list[Path]] = []
    for file in files:
        batch = next((b for b in found if all(f.name != file.name for f in b)), None)
        if batch is None:
            found.append([file])
        else:
            batch.append(file)
    return found


def convert(files: list[Path], target: str = "pdf") -> tuple[dict[Path, Path], list[str]]:
    """Convert ``files`` (each result next to its source); the converted files, and problems
    in Vietnamese (a missing copy is a problem to report, never a reason to stop)."""
    program = soffice()
    if program is None or not files:
        return {}, []
    converted: dict[Path, Path] = {}
    problems = []
    for batch in batches(files):
        with (
            tempfile.TemporaryDirectory(prefix="mohinh-lo-") as profile,
            tempfile.TemporaryDirectory(prefix=".pdf-", dir=batch[0].parent) as out,
        ):
            command = [
                program,
                f"-env:UserInstallation={Path(profile).as_uri()}",
                "--headless",
                "--norestore",
                "--convert-to",
                target,
                "--outdir",
                out,
                *map(str, batch),
            ]
            try:
                subprocess.run(
                    command,
                    capture_output=True,
                    timeout=START_SECONDS + SECONDS_PER_FILE * len(batch),
                    check=False,
                )
            except subprocess.TimeoutExpired:
                problems.append(f"LibreOffice quá thời gian khi chuyển {len(batch)} tệp sang PDF")
            for file in batch:
                made = Path(out) / f"{file.stem}.{target}"
                if made.exists():
                    destination = file.with_suffix(f".{target}")
                    shutil.move(made, destination)
                    converted[file] = destination
                else:
                    problems.append(f"Không chuyển được {file.name} sang {target.upper()}")
    return converted, problems
