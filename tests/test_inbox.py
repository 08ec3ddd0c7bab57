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
    check_folders,
    claim,
    claim_token,
    claimed_files,
    display_name,
    is_ignored,
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


@pytest.mark.parametrize(
    "name", ["Báo cáo .. Cẩm Giàng.xlsx", "..bao cao.xlsx", "dk (2).csv", "~BaoCao.xlsx", "a#.xlsx"]
)
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
    assert claimed is not None and claimed.name == "dk.xlsx"
    assert claim_token(claimed) == claimed.parent.name != WORK_FOLDER
    assert not (tmp_path / "dk.xlsx").exists()
    target = place(claimed, accepted, claimed.name)
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


def test_a_name_as_long_as_the_file_system_allows_is_claimed_and_placed(tmp_path: Path) -> None:
    name = "Báo cáo " + "ả" * ((255 - 15) // 3) + ".xlsx"
    assert 250 <= len(name.encode()) <= 255
    accepted = tmp_path / "da-nhan"
    old(accepted / name, b"earlier")
    claimed = claim(old(tmp_path / name), tmp_path / WORK_FOLDER, datetime.now(UTC))
    assert claimed is not None and claimed.name == name
    target = place(claimed, accepted, name)
    assert target.name.endswith(" (2).xlsx") and len(target.name.encode()) <= 255


def test_a_time_in_the_future_does_not_wait_forever(tmp_path: Path) -> None:
    ahead = old(tmp_path / "ahead.xlsx", age=-7 * 3600)
    assert ready_files(tmp_path, settle=0, min_age=5) == ([ahead], [])


def test_leftover_claims_are_found_and_empty_claim_folders_removed(tmp_path: Path) -> None:
    work = tmp_path / WORK_FOLDER
    claimed = claim(old(tmp_path / "dk.xlsx"), work, datetime.now(UTC))
    (work / "20170318T000000-deadbeef").mkdir()
    assert claimed_files(work) == [claimed]
    assert sorted(p.name for p in work.iterdir()) == [claimed.parent.name]  # type: ignore[union-attr]


def test_an_outcome_folder_name_taken_by_a_file_is_reported(tmp_path: Path) -> None:
    assert check_folders(tmp_path) is None
    (tmp_path / "tra-lai").write_text("not a folder")
    problem = check_folders(tmp_path)
    assert problem is not None and "'tra-lai' không phải thư mục" in problem


def test_files_left_claimed_come_back_in_the_order_they_arrived(tmp_path: Path) -> None:
    """A killed run's claimed files are taken in the order the inbox gave them, not the
    order of their random claim folders, so file numbers (and feedback names) are the same
    as one uninterrupted run gives."""
    from flows.intake.inbox import claimed_files

    work = tmp_path / ".mohinh"
    arrived = ["c.xlsx", "a.xlsx", "b.xlsx"]
    for number, (name, token) in enumerate(zip(arrived, ["ff", "00", "7a"], strict=True)):
        folder = work / f"20170325T080000-{token}"
        folder.mkdir(parents=True)
        (folder / name).write_bytes(b"x")
        os.utime(folder / name, ns=(10**18 + number, 10**18 + number))
    assert [p.name for p in claimed_files(work)] == arrived
