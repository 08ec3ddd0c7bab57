"""The drop-folder protocol: ignored names, complete files only, claims, no overwrites."""

from __future__ import annotations

import os
import time
from datetime import UTC, datetime
from pathlib import Path

import pytest

from flows.intake.inbox import (
    WORK_FOLDER,
    candidates,
    claim,
    display_name,
    is_ignored,
    original_name,
    place,
    ready_files,
)


@pytest.mark.parametrize(
    "name",
    [
        "~$dang ky.xlsx",
        ".~lock.dang ky.xlsx#",
        "bao cao.tmp",
        "bao cao.xlsx.part",
        ".an.xlsx",
        "._bao cao.xlsx",
        "Thumbs.db",
        "desktop.ini",
    ],
)
def test_temporary_and_hidden_files_are_ignored(name: str) -> None:
    assert is_ignored(name)


@pytest.mark.parametrize("name", ["Báo cáo .. Cẩm Giàng.xlsx", "..bao cao.xlsx", "dk (2).csv"])
def test_ordinary_names_are_not(name: str) -> None:
    assert not is_ignored(name)


def old(path: Path, data: bytes = b"x", age: float = 60) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data)
    stamp = time.time() - age
    os.utime(path, (stamp, stamp))
    return path


def test_only_old_enough_files_are_ready_and_own_folders_are_skipped(tmp_path: Path) -> None:
    done = old(tmp_path / "a.xlsx")
    nested = old(tmp_path / "Cẩm Giàng" / "b.xlsx")
    old(tmp_path / "da-nhan" / "c.xlsx")
    old(tmp_path / WORK_FOLDER / "d.xlsx")
    fresh = tmp_path / "e.xlsx"
    fresh.write_bytes(b"being copied")
    assert sorted(candidates(tmp_path)) == sorted([done, nested, fresh])
    ready, waiting = ready_files(tmp_path, settle=0, min_age=5)
    assert (sorted(ready), waiting) == (sorted([done, nested]), [fresh])


def test_a_file_growing_between_looks_waits(tmp_path: Path) -> None:
    growing = old(tmp_path / "growing.xlsx")
    import threading

    def append() -> None:
        time.sleep(0.05)
        with growing.open("ab") as handle:
            handle.write(b"more")
        stamp = time.time() - 60
        os.utime(growing, (stamp, stamp))

    writer = threading.Thread(target=append)
    writer.start()
    ready, waiting = ready_files(tmp_path, settle=0.3, min_age=0)
    writer.join()
    assert (ready, waiting) == ([], [growing])


def test_claim_and_place_never_overwrite(tmp_path: Path) -> None:
    work, accepted = tmp_path / WORK_FOLDER, tmp_path / "da-nhan"
    old(accepted / "dk.xlsx", b"earlier")
    claimed = claim(old(tmp_path / "dk.xlsx", b"new"), work, datetime.now(UTC))
    assert claimed is not None and original_name(claimed) == "dk.xlsx"
    assert not (tmp_path / "dk.xlsx").exists()
    target = place(claimed, accepted, original_name(claimed))
    assert target.name == "dk (2).xlsx" and target.read_bytes() == b"new"
    assert (accepted / "dk.xlsx").read_bytes() == b"earlier"
    assert list(work.iterdir()) == []


def test_place_repeated_after_a_crash_between_link_and_unlink(tmp_path: Path) -> None:
    work, accepted = tmp_path / WORK_FOLDER, tmp_path / "da-nhan"
    claimed = claim(old(tmp_path / "dk.xlsx"), work, datetime.now(UTC))
    assert claimed is not None
    accepted.mkdir()
    os.link(claimed, accepted / "dk.xlsx")  # the move stopped half way
    assert place(claimed, accepted, "dk.xlsx") == accepted / "dk.xlsx"
    assert sorted(p.name for p in accepted.iterdir()) == ["dk.xlsx"]
    assert not claimed.exists()


def test_claiming_a_vanished_file_is_not_an_error(tmp_path: Path) -> None:
    assert claim(tmp_path / "gone.xlsx", tmp_path / WORK_FOLDER, datetime.now(UTC)) is None


def test_display_names_are_nfc_and_printable() -> None:
    assert display_name("Ba\u0301o ca\u0301o.xlsx") == "Báo cáo.xlsx"
    assert display_name(b"b\xe1o.xlsx".decode("utf-8", "surrogateescape")) == "b\ufffdo.xlsx"
