"""PDF copies through LibreOffice, when it is installed.

Each conversion runs its own soffice process with its own profile folder (two soffice
processes sharing a profile block each other), converts a batch of files in one start, and
writes through a temporary folder so a PDF appears whole or not at all.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import tempfile
from collections import defaultdict
from pathlib import Path

START_SECONDS = 60
SECONDS_PER_FILE = 10


def soffice() -> str | None:
    """The LibreOffice program, if installed."""
    return shutil.which("soffice") or shutil.which("libreoffice")


def convert(files: list[Path], target: str = "pdf") -> tuple[dict[Path, Path], list[str]]:
    """Convert ``files`` (next to each of them); the converted files, and problems in
    Vietnamese (a missing copy is a problem to report, never a reason to stop)."""
    program = soffice()
    if program is None or not files:
        return {}, []
    folders: dict[Path, list[Path]] = defaultdict(list)
    for file in files:
        folders[file.parent].append(file)
    converted: dict[Path, Path] = {}
    problems = []
    for folder, batch in folders.items():
        with (
            tempfile.TemporaryDirectory(prefix="mohinh-lo-") as profile_root,
            tempfile.TemporaryDirectory(prefix=".pdf-", dir=folder) as work,
        ):
            profile, out = Path(profile_root) / "profile", Path(work)
            command = [
                program,
                f"-env:UserInstallation={profile.as_uri()}",
                "--headless",
                "--norestore",
                "--convert-to",
                target,
                "--outdir",
                str(out),
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
                made = out / f"{file.stem}.{target}"
                if made.exists():
                    destination = file.with_suffix(f".{target}")
                    os.replace(made, destination)
                    converted[file] = destination
                else:
                    problems.append(f"Không chuyển được {file.name} sang {target.upper()}")
    return converted, problems
