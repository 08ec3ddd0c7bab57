"""A full outbox while feedback is written (issue 12, item 6): the files are taken in all the
same, ``--json`` still prints the result with the reason the feedback is missing, staff read the
reason in Vietnamese, and the next run writes the feedback owed.

The full disk is real: intake runs in a mount namespace of its own, with a 16 KiB tmpfs as its
outbox."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from tests import intake_files as build
from tests.conftest import CONFIG
from tests.test_intake import aged

# the outbox (the script's first argument) becomes a 16 KiB file system, then the command runs
FULL_OUTBOX = ["sh", "-c", 'mount -t tmpfs -o size=16k tmpfs "$1" && shift && exec "$@"', "sh"]


def namespace() -> list[str]:
    """``unshare`` for a private mount namespace (with a user namespace when not root)."""
    if shutil.which("unshare") is None:
        pytest.skip("unshare (util-linux) is not installed")
    command = ["unshare", "--mount"] if os.geteuid() == 0 else ["unshare", "-rm"]
    probe = subprocess.run([*command, "true"], capture_output=True, check=False)
    if probe.returncode != 0:
        pytest.skip(f"no mount namespace here: {probe.stderr.decode().strip()}")
    return command


def intake(root: Path, *prefix: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [*prefix, sys.executable, "-m", "flows", "intake", "--plan", str(CONFIG / "plan.yaml"),
         "--inbox", str(root / "inbox"), "--state", str(root / "state"),
         "--outbox", str(root / "outbox"), "--as-of", "2017-03-18", "--settle", "0",
         "--min-age", "0", "--no-pdf", "--json"],
        capture_output=True, text=True, check=False, cwd=Path(__file__).parents[1],
    )  # fmt: skip


def test_a_full_outbox_leaves_the_intake_done_and_says_why(tmp_path: Path) -> None:
    inbox, outbox = tmp_path / "inbox", tmp_path / "outbox"
    inbox.mkdir()
    outbox.mkdir()
    aged(build.write_registration(inbox / "dk.xlsx"))
    aged(build.write_registration(inbox / "sai.xlsx", huyen="Huyện Gia Lộc", so_ho="nhiều"))

    full = intake(tmp_path, *namespace(), *FULL_OUTBOX, str(outbox))
    assert full.returncode == 1
    assert "Traceback" not in full.stderr
    assert "Không ghi được phiếu phản hồi vào" in full.stderr
    assert "ổ đĩa đã đầy" in full.stderr
    result = json.loads(full.stdout)
    files = {f["file"]: f["status"] for f in result["files"]}
    assert files == {"dk.xlsx": "accepted", "sai.xlsx": "rejected"}
    assert "ổ đĩa đã đầy" in result["documents_error"]
    assert "đã được nhận và ghi sổ" in result["documents_error"]
    assert "documents" not in result
    assert (inbox / "tra-lai" / "sai.xlsx").is_file()
    assert list(outbox.iterdir()) == []  # the tmpfs is gone with the namespace

    again = intake(tmp_path)  # room again: the feedback owed is written, nothing taken twice
    assert again.returncode == 0, again.stderr
    result = json.loads(again.stdout)
    assert result["files"] == []
    assert "documents_error" not in result
    kinds = sorted(d["kind"] for d in result["documents"])
    assert kinds[:1] == ["feedback"]
    assert all(d["path"].endswith(("sai.docx", "sai.xlsx")) for d in result["documents"])
