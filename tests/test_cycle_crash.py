"""A cycle killed (SIGKILL) in the middle: the next cycle completes the work, nothing lost or
doubled. The cycle runs as staff run it, ``mohinh run``, against a real Prefect API."""

from __future__ import annotations

import os
import random
import shutil
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest

from tests.conftest import CONFIG, ROOT

pytestmark = pytest.mark.slow
STARTED = "Beginning flow run"


def command(root: Path) -> list[str]:
    return [
        sys.executable, "-m", "flows", "run", "--plan", str(CONFIG / "plan.yaml"),
        "--inbox", str(root / "inbox"), "--state", str(root / "state"),
        "--outbox", str(root / "outbox"), "--as-of", "2017-03-25",
        "--settle", "0", "--min-age", "0", "--no-pdf",
    ]  # fmt: skip


def start(root: Path, api_url: str) -> tuple[subprocess.Popen[bytes], Path]:
    log = root / f"run-{time.monotonic_ns()}.log"
    with log.open("wb") as out:
        process = subprocess.Popen(
            command(root),
            stdout=out,
            stderr=subprocess.STDOUT,
            env=os.environ | {"PREFECT_API_URL": api_url},
            start_new_session=True,
        )
    return process, log


def wait_for_flow(process: subprocess.Popen[bytes], log: Path) -> float:
    """Block until the flow run has begun; the moment it did."""
    deadline = time.monotonic() + 120
    while STARTED not in log.read_text(errors="replace"):
        assert process.poll() is None, log.read_text()
        assert time.monotonic() < deadline, log.read_text()
        time.sleep(0.05)
    return time.monotonic()


def prepare(root: Path) -> None:
    (root / "inbox").mkdir(parents=True)
    for file in sorted((ROOT / "samples" / "2017-03-17").iterdir()):
        shutil.copy(file, root / "inbox" / file.name)


def outcome(root: Path) -> tuple[list[tuple[str, str]], list[str], list[str], list[str]]:
    """Files and their status, document keys, outbox files, files left in the inbox."""
    with sqlite3.connect(root / "state" / "mohinh.sqlite") as db:
        files = db.execute("select name, status from files order by name").fetchall()
        keys = [k for (k,) in db.execute("select key from documents order by key")]
        paths = [p for (p,) in db.execute("select path from documents")]
    outbox = root / "outbox"
    for path in paths:
        assert (outbox / path).is_file(), path
    written = sorted(
        str(p.relative_to(outbox))
        for p in outbox.rglob("*")
        if p.is_file() and p.parts[len(outbox.parts)] != "runs" and not p.name.startswith(".")
    )
    left = sorted(p.name for p in (root / "inbox").iterdir() if p.is_file())
    return files, keys, written, left


def test_a_cycle_killed_midway_is_completed_by_the_next(tmp_path: Path, prefect_api: str) -> None:
    reference = tmp_path / "reference"
    prepare(reference)
    process, log = start(reference, prefect_api)
    began = wait_for_flow(process, log)
    assert process.wait(120) == 0, log.read_text()
    work = time.monotonic() - began
    expected = outcome(reference)
    files, keys, written, left = expected
    assert any(p.startswith("tong-hop/") for p in written)
    assert len(files) == 10 and left == []
    assert len(keys) == len(set(keys)) and any(k.startswith("report:") for k in keys)

    # Kill as soon as a document of each kind appears (between writing it and recording it
    # in the ledger, when the timing allows), then at a random moment.
    randomness = random.Random(int(os.environ.get("CRASH_SEED", "2017")))
    triggers = ["*/phan-hoi-*.docx", "*/cong-van-*.docx", "tong-hop/*.docx", None]
    for attempt, trigger in enumerate(triggers):
        root = tmp_path / f"run{attempt}"
        prepare(root)
        process, log = start(root, prefect_api)
        began = wait_for_flow(process, log)
        while process.poll() is None and time.monotonic() < began + 2 * work:
            if trigger is None:
                time.sleep(randomness.uniform(0, 0.6 * work))
                break
            if next((root / "outbox").glob(trigger), None):
                break
            time.sleep(0.001)
        assert process.poll() is None, f"{trigger}: the run ended before it could be killed"
        os.killpg(process.pid, signal.SIGKILL)
        process.wait()
        process, log = start(root, prefect_api)
        assert process.wait(120) == 0, log.read_text()
        found = outcome(root)
        extra = sorted(set(found[2]) ^ set(expected[2]))
        assert found == expected, f"killed at {trigger or 'random'}; outbox differs by {extra}"
