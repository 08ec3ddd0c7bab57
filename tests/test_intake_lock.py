"""Several machines, one inbox on a share, one PostgreSQL ledger: intake takes a PostgreSQL
advisory lock keyed by the campaign and the inbox, so two intakes with different state folders
never take the same file twice, even where ``flock`` does not reach across machines."""

from __future__ import annotations

import json
import select
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import IO

import pytest
from sqlalchemy import create_engine, text

from flows.intake import inbox as drop
from flows.intake.engine import exclusive
from flows.intake.ledger import Ledger, intake_lock
from flows.plan import Plan
from tests import intake_files as build
from tests.conftest import CONFIG
from tests.test_intake import aged

FILES = 40
# As on a share where flock does not reach the other machine: flock does nothing in the intakes.
NO_FLOCK = "import fcntl; fcntl.flock = lambda fd, operation: None; "
INTAKE = "from flows.cli import main; main()"
HOLD = """
import sys
from flows.intake.ledger import intake_lock
with intake_lock(sys.argv[1], sys.argv[2]):
    print("held", flush=True)
    sys.stdin.readline()
print("released", flush=True)
"""


def waiting_for_locks(url: str, count: int, timeout: float = 60) -> None:
    """Until ``count`` sessions wait for an advisory lock."""
    engine = create_engine(url)
    query = text(
        "select count(*) from pg_locks where locktype = 'advisory' and not granted"
        " and database = (select oid from pg_database where datname = current_database())"
    )
    try:
        deadline = time.monotonic() + timeout
        while True:
            with engine.connect() as connection:
                waiting = connection.execute(query).scalar_one()
            if waiting == count:
                return
            assert time.monotonic() < deadline, f"{waiting} waiting for a lock, not {count}"
            time.sleep(0.05)
    finally:
        engine.dispose()


def intake(inbox: Path, state: Path, url: str, prefix: str, log: Path) -> subprocess.Popen[bytes]:
    """``mohinh intake --json`` started in the background, its output in ``log``.out/.err."""
    places = ["--inbox", str(inbox), "--state", str(state), "--database", url]
    quick = ["--as-of", "2017-03-18", "--settle", "0", "--min-age", "0", "--no-feedback"]
    command = [sys.executable, "-c", prefix + INTAKE, "intake", "--plan", str(CONFIG / "plan.yaml")]
    with log.with_suffix(".out").open("w") as out, log.with_suffix(".err").open("w") as err:
        return subprocess.Popen([*command, *places, *quick, "--json"], stdout=out, stderr=err)


@pytest.mark.slow
@pytest.mark.parametrize("flock", ["flock", "no-flock"])
def test_two_intakes_take_each_file_once(
    hai_duong: Plan, tmp_path: Path, postgres_url: str, flock: str
) -> None:
    inbox = tmp_path / "inbox"
    inbox.mkdir()
    for n in range(FILES):
        aged(build.write_registration(inbox / f"dk {n:02}.xlsx", so_ho=1000 + n))
    prefix = "" if flock == "flock" else NO_FLOCK
    campaign = hai_duong.campaign.id
    # both intakes start while the inbox is held, and race for it once it is free
    with exclusive(tmp_path / "holder", inbox, postgres_url, campaign):
        intakes = {
            name: intake(inbox, tmp_path / f"state-{name}", postgres_url, prefix, tmp_path / name)
            for name in "ab"
        }
        waiting_for_locks(postgres_url, 2)
    taken = []
    for name, process in intakes.items():
        assert process.wait(timeout=300) == 0, (tmp_path / f"{name}.err").read_text()
        taken += json.loads((tmp_path / f"{name}.out").read_text())["files"]
    assert sorted(f["file"] for f in taken) == [f"dk {n:02}.xlsx" for n in range(FILES)]
    assert {f["status"] for f in taken} == {"accepted"}
    for outcome in taken:
        assert (inbox / outcome["destination"]).is_file()
    assert len(list((inbox / drop.OUTCOME_FOLDERS["accepted"]).iterdir())) == FILES
    assert not [p for p in inbox.rglob("*.xlsx") if drop.WORK_FOLDER in p.parts]
    ledger = Ledger(postgres_url, campaign)
    try:
        rows = ledger.files_with_status("accepted", "rejected", "duplicate")
        versions = sorted(r.version for r in ledger.accepted_records())
        current = ledger.counts()["current_records"]
    finally:
        ledger.close()
    hashes = [row.sha256 for row, _ in rows]
    assert len(hashes) == FILES and len(set(hashes)) == FILES
    assert {f["sha256"] for f in taken} == set(hashes)
    assert all(row.placed for row, _ in rows)
    assert versions == list(range(1, FILES + 1)) and current == 1


class Holder:
    """A process that takes ``intake_lock(url, key)`` and holds it until told to let go."""

    def __init__(self, url: str, key: str) -> None:
        self.process = subprocess.Popen(
            [sys.executable, "-c", HOLD, url, key],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
        )

    def said(self, timeout: float) -> str | None:
        """The next line it prints within ``timeout`` seconds, else None."""
        stdout: IO[str] | None = self.process.stdout
        assert stdout is not None
        ready, _, _ = select.select([stdout], [], [], timeout)
        return stdout.readline().strip() if ready else None

    def release(self) -> None:
        assert self.process.stdin is not None
        self.process.stdin.write("\n")
        self.process.stdin.flush()


@pytest.fixture
def holders() -> Iterator[list[Holder]]:
    started: list[Holder] = []
    yield started
    for holder in started:
        holder.process.kill()
        holder.process.wait()
        for pipe in (holder.process.stdin, holder.process.stdout):
            if pipe:
                pipe.close()


@pytest.mark.slow
def test_the_intake_lock_waits_for_the_same_key_only(
    postgres_url: str, holders: list[Holder]
) -> None:
    inbox = "hai-duong-2017 /srv/mohinh/inbox"
    first = Holder(postgres_url, inbox)
    holders.append(first)
    assert first.said(60) == "held"
    second = Holder(postgres_url, inbox)
    holders.append(second)
    waiting_for_locks(postgres_url, 1)
    assert second.said(1) is None
    other = Holder(postgres_url, "hai-duong-2017 /srv/mohinh/inbox-2")
    holders.append(other)
    assert other.said(60) == "held"  # another inbox does not wait
    first.release()
    assert first.said(60) == "released"
    assert second.said(60) == "held"
    # a process that dies holding the lock loses it with its session
    third = Holder(postgres_url, inbox)
    holders.append(third)
    waiting_for_locks(postgres_url, 1)
    second.process.send_signal(signal.SIGKILL)
    assert third.said(60) == "held"
    waiting_for_locks(postgres_url, 0)


def test_the_intake_lock_is_nothing_on_sqlite(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'mohinh.sqlite'}"
    with intake_lock(url, "inbox"), intake_lock(url, "inbox"):
        pass
    assert not (tmp_path / "mohinh.sqlite").exists()
