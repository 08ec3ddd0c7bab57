"""Intake killed with SIGKILL at random moments: the next run loses nothing, doubles nothing."""

from __future__ import annotations

import hashlib
import os
import random
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import openpyxl
import pytest

from flows.plan import Plan
from tests.conftest import CONFIG

pytestmark = pytest.mark.slow
AS_OF = "2017-03-18"
HEADER = ["Huyện", "Xã, thị trấn", "Mô hình", "Người liên hệ", "Số KDC", "Số hộ"]


def drop_files(inbox: Path, plan: Plan) -> dict[str, bytes]:
    """One registration per site (some twice, one broken, one copy): names -> bytes."""
    inbox.mkdir(parents=True)
    index = plan.unit_index
    for n, site in enumerate(plan.sites * 2):
        district = plan.unit_of(site).unit
        commune = district.children[n % len(district.children)].name
        households = 100 + n if n != 3 else "nhiều"
        book = openpyxl.Workbook()
        for row in (
            [f"ĐĂNG KÝ {n}"],
            HEADER,
            [district.name, commune, site.model, "A", 2, households],
        ):
            book.active.append(row)
        book.save(inbox / f"dk {n:02d} {site.id}.xlsx")
    (inbox / "copy.xlsx").write_bytes((inbox / "dk 00 cam-giang.xlsx").read_bytes())
    (inbox / "not a sheet.xlsx").write_bytes(b"hello")
    assert index is not None
    stamp = time.time() - 60
    for path in inbox.iterdir():
        os.utime(path, (stamp, stamp))
    return {p.name: p.read_bytes() for p in inbox.iterdir()}


def command(root: Path) -> list[str]:
    return [
        sys.executable, "-m", "flows", "intake", "--plan", str(CONFIG / "plan.yaml"),
        "--inbox", str(root / "inbox"), "--state", str(root / "state"), "--as-of", AS_OF,
        "--settle", "0", "--min-age", "0", "--json",
    ]  # fmt: skip


def ledger(root: Path) -> tuple[list[tuple[str, str, str, str, int]], list[tuple[str, str, int]]]:
    with sqlite3.connect(root / "state" / "mohinh.sqlite") as db:
        files = db.execute(
            "select name, sha256, status, destination, placed from files order by name"
        ).fetchall()
        records = db.execute(
            "select site, milestone, count(*) from records where current group by site, milestone"
        ).fetchall()
    return files, records


def outcome_of(root: Path, dropped: dict[str, bytes]) -> dict[str, str]:
    """File name -> status from the ledger, checked against the folders and what was dropped."""
    inbox = root / "inbox"
    files, records = ledger(root)
    assert all(count == 1 for *_, count in records)
    assert list((inbox / ".mohinh").iterdir()) == []
    assert [p for p in inbox.iterdir() if p.is_file()] == []
    on_disk = sorted(
        hashlib.sha256(p.read_bytes()).hexdigest() for p in inbox.rglob("*") if p.is_file()
    )
    assert sorted(sha for _, sha, *_ in files) == on_disk
    for name, sha, _status, destination, placed in files:
        assert placed and hashlib.sha256((inbox / destination).read_bytes()).hexdigest() == sha
        assert name in {Path(destination).name, *[Path(destination).name.replace(" (2)", "")]}
        assert sha == hashlib.sha256(dropped[name]).hexdigest()
    return {name: status for name, _sha, status, *_ in files}


def test_kill_9_at_random_moments_loses_and_doubles_nothing(
    tmp_path: Path, hai_duong: Plan
) -> None:
    reference = tmp_path / "reference"
    dropped = drop_files(reference / "inbox", hai_duong)
    started = time.monotonic()
    subprocess.run(command(reference), check=True, capture_output=True)
    duration = time.monotonic() - started
    expected = outcome_of(reference, dropped)
    assert sorted(expected) == sorted(dropped)
    statuses = sorted(expected.values())
    assert statuses.count("duplicate") == 1 and statuses.count("rejected") == 2

    randomness = random.Random(int(os.environ.get("CRASH_SEED", "2017")))
    for attempt in range(4):
        root = tmp_path / f"run{attempt}"
        dropped = drop_files(root / "inbox", hai_duong)
        kills = 0
        while True:
            process = subprocess.Popen(
                command(root), stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
            )
            delay = randomness.uniform(0.3 * duration, duration) if kills < 3 else None
            try:
                process.wait(timeout=delay)
                break
            except subprocess.TimeoutExpired:
                process.send_signal(signal.SIGKILL)
                process.wait()
                kills += 1
        assert process.returncode == 0
        found = outcome_of(root, dropped)
        # which of two identical files counts as the original may change with the order
        twins = {"copy.xlsx", "dk 00 cam-giang.xlsx"}
        assert sorted(found.values()) == statuses, f"attempt {attempt} after {kills} kills"
        assert {k: v for k, v in found.items() if k not in twins} == {
            k: v for k, v in expected.items() if k not in twins
        }
