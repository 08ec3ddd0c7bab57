"""The cost of orchestration: one demo cycle as a Prefect flow, against a trivial one-task flow
and against the same work called directly, in the ephemeral mode and against a running server.

    .venv/bin/python bench/cycle.py [--repeat 3]

The demo cycle is the default plan's first sample round (10 files) taken in as of 25/03/2017,
with feedback, the reminder letters due and the report, without PDF copies. Every repetition
starts from a fresh inbox, ledger and outbox. Prints the median seconds of each.

A Prefect 3.8 flow run lasts a whole number of seconds plus about 0.1 s: at its end it joins
its heartbeat thread, which sleeps in 1 s steps (``prefect.flow_engine._send_heartbeats``). An
empty flow costs 1.1 s here; a flow whose work (ours plus its tasks at about 5 ms each and its
artifacts) fits in the first second costs the same, and one whose work takes 1.0-1.9 s costs
2.1 s.
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import tempfile
import time
from collections.abc import Callable
from datetime import date
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
ROUND = ROOT / "samples" / "2017-03-17"
PLAN = ROOT / "config" / "plan.yaml"
AS_OF = "2017-03-25"

os.environ.setdefault("PREFECT_HOME", tempfile.mkdtemp(prefix="mohinh-bench-prefect-"))
os.environ.setdefault("PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS", "120")
os.environ.setdefault("PREFECT_SERVER_ANALYTICS_ENABLED", "false")

from prefect import flow, task  # noqa: E402
from prefect.settings import PREFECT_API_URL, temporary_settings  # noqa: E402

from flows import orchestration  # noqa: E402
from flows.documents import service  # noqa: E402
from flows.intake.engine import IntakeOptions, run_intake  # noqa: E402
from flows.plan import load_plan  # noqa: E402
from flows.serving import local_server  # noqa: E402


@task
def one() -> int:
    return 1


@flow
def trivial() -> int:
    return one()


@flow
def empty() -> int:
    return 1


def fresh(folder: Path) -> dict[str, str]:
    shutil.rmtree(folder, ignore_errors=True)
    (folder / "inbox").mkdir(parents=True)
    for file in ROUND.iterdir():
        shutil.copy(file, folder / "inbox" / file.name)
    return {k: str(folder / k) for k in ("inbox", "state", "outbox")}


def as_flow(folder: Path) -> None:
    places = fresh(folder)
    orchestration.cycle(plan=str(PLAN), as_of=AS_OF, pdf=False, settle=0, min_age=0, **places)


def idle_intake(folder: Path) -> None:
    """The run served every few minutes most of the day: intake over an empty inbox."""
    places = {k: str(folder / k) for k in ("inbox", "state", "outbox")}
    orchestration.intake(plan=str(PLAN), as_of=AS_OF, pdf=False, settle=0, min_age=0, **places)


def direct(folder: Path) -> None:
    places = {k: Path(v) for k, v in fresh(folder).items()}
    plan, day = load_plan(PLAN), date.fromisoformat(AS_OF)
    options = service.DocumentOptions(pdf=False)
    run_intake(plan, places["inbox"], places["state"], day, IntakeOptions(settle=0, min_age=0))
    service.feedback(plan, places["inbox"], places["state"], places["outbox"], day, options)
    service.remind(plan, places["state"], places["outbox"], day, options)
    service.report(plan, places["state"], places["outbox"], day, options)


def median(action: Callable[[], object], repeat: int) -> float:
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        action()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def measure(label: str, work: Path, repeat: int) -> None:
    trivial()  # the first run of a process pays for the client (and the ephemeral server)
    flat = median(trivial, repeat)
    cycle = median(lambda: as_flow(work / "flow"), repeat)
    plain = median(lambda: direct(work / "direct"), repeat)
    empty_flow = median(empty, repeat)
    idle_intake(work / "idle")  # the ledger exists from then on, as in service
    idle = median(lambda: idle_intake(work / "idle"), repeat)
    print(f"{label}")
    print(f"  empty flow (no task)  : {empty_flow:7.2f} s")
    print(f"  trivial one-task flow : {flat:7.2f} s")
    print(f"  demo cycle as a flow  : {cycle:7.2f} s  ({cycle / flat:.2f}x the trivial flow)")
    print(f"  same work, no Prefect : {plain:7.2f} s  (the flow adds {cycle - plain:+.2f} s)")
    print(f"  intake, empty inbox   : {idle:7.2f} s  ({idle / flat:.2f}x the trivial flow)")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="mohinh-bench-") as folder:
        work = Path(folder)
        start = time.perf_counter()
        trivial()
        print(f"ephemeral server start and first flow: {time.perf_counter() - start:.1f} s")
        measure("ephemeral mode (no PREFECT_API_URL)", work, args.repeat)
        with (
            local_server(work / "server") as api_url,
            temporary_settings(updates={PREFECT_API_URL: api_url}),
        ):
            measure(f"running server ({api_url})", work, args.repeat)


if __name__ == "__main__":
    main()
