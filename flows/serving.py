"""The scheduler on one office machine: deployments from the plan's ``schedules``, served.

``mohinh serve`` needs a Prefect server (the ephemeral mode runs no schedules). Without
``PREFECT_API_URL`` it starts one as a child process (SQLite under ``state/prefect/``, analytics
off), waits until it answers, serves every deployment, and on Ctrl-C (or SIGTERM) stops serving
and stops the server. Deployments are never paused on shutdown, and each has a concurrency
limit of one that cancels a newcomer while a run is going, so runs of a job never overlap
(intake's file lock is the second line of defence).
"""

from __future__ import annotations

import os
import re
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import timedelta
from pathlib import Path
from typing import Any

from flows.errors import MohinhError
from flows.plan import Plan
from flows.plan.schema import Schedule

SERVER_START_SECONDS = 120
PREFECT_SERVER = [sys.executable, "-m", "prefect", "server", "start"]
JOBS = ("intake", "remind", "report")
_SIMPLE_TIME = re.compile(r"^(\d{1,2}) (\d{1,2}) ")


class ServerError(MohinhError):
    """The Prefect server could not be started or reached."""


def free_port() -> int:
    """A TCP port nobody listens on now."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def require_server(api_url: str) -> None:
    """Stop, before anything is done, when the Prefect API at ``api_url`` does not answer."""
    if not healthy(api_url):
        raise ServerError(f"Không kết nối được máy chủ Prefect {api_url}; chưa làm gì.")


def healthy(api_url: str, timeout: float = 2.0) -> bool:
    """Whether the Prefect API at ``api_url`` answers its health check."""
    try:
        with urllib.request.urlopen(f"{api_url}/health", timeout=timeout) as answer:
            return bool(answer.status == 200)
    except OSError:
        return False


@contextmanager
def local_server(state: Path, wait: float = SERVER_START_SECONDS) -> Iterator[str]:
    """A Prefect server for the duration of the block; its API URL."""
    home = (state / "prefect").resolve()
    home.mkdir(parents=True, exist_ok=True)
    port = free_port()
    api_url = f"http://127.0.0.1:{port}/api"
    environment = os.environ | {
        "PREFECT_HOME": str(home),
        "PREFECT_SERVER_ANALYTICS_ENABLED": "false",
        "PREFECT_UI_ENABLED": os.environ.get("PREFECT_UI_ENABLED", "true"),
    }
    environment.pop("PREFECT_API_URL", None)
    log = (home / "server.log").open("ab")
    server = subprocess.Popen(
        [*PREFECT_SERVER, "--host", "127.0.0.1", "--port", str(port)],
        env=environment,
        stdout=log,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    try:
        deadline = time.monotonic() + wait
        while not healthy(api_url):
            if server.poll() is not None or time.monotonic() > deadline:
                raise ServerError(
                    f"Máy chủ Prefect không khởi động được sau {wait:.0f} giây "
                    f"(xem {home / 'server.log'})."
                )
            time.sleep(0.5)
        yield api_url
    finally:
        stop(server)
        log.close()


def stop(process: subprocess.Popen[bytes], grace: float = 15.0) -> None:
    """SIGTERM to the process group, SIGKILL after ``grace`` seconds."""
    if process.poll() is not None:
        return
    try:
        os.killpg(process.pid, signal.SIGTERM)
        process.wait(grace)
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)
        process.wait()
    except ProcessLookupError:
        pass


def _time_of(schedule: Schedule) -> tuple[int, int]:
    """The hour and minute of a schedule like ``0 16 * * 5`` (08:00 when it has none)."""
    found = _SIMPLE_TIME.match(schedule.cron)
    return (int(found.group(2)), int(found.group(1))) if found else (8, 0)


def schedules_of(plan: Plan, job: str) -> list[Any]:
    """Prefect schedules for ``job``: its cron in the plan's time zone, plus one run on each
    day ``after_due_days`` after a due date, at the cron's time."""
    from prefect.schedules import Cron, RRule

    schedule: Schedule | None = getattr(plan.schedules, job)
    if schedule is None:
        return []
    zone = schedule.timezone or plan.campaign.timezone
    found = [Cron(schedule.cron, timezone=zone)]
    hour, minute = _time_of(schedule)
    days = sorted(
        {m.due + timedelta(days=n) for m in plan.milestones for n in schedule.after_due_days}
    )
    for day in days:
        start = f"DTSTART:{day:%Y%m%d}T{hour:02d}{minute:02d}00"
        found.append(RRule(f"{start}\nRRULE:FREQ=DAILY;COUNT=1", timezone=zone))
    return found


def deployments(plan: Plan, parameters: dict[str, Any]) -> list[Any]:
    """A deployment per scheduled job, named ``<plan id>-<job>``."""
    from prefect.client.schemas.objects import ConcurrencyLimitConfig, ConcurrencyLimitStrategy

    from flows import orchestration

    flows: dict[str, Any] = {
        "intake": orchestration.intake,
        "remind": orchestration.remind,
        "report": orchestration.report,
    }
    limit = ConcurrencyLimitConfig(limit=1, collision_strategy=ConcurrencyLimitStrategy.CANCEL_NEW)
    found = []
    for job in JOBS:
        schedules = schedules_of(plan, job)
        if not schedules:
            continue
        flow = flows[job]
        accepted = set(flow.parameters.properties)
        found.append(
            flow.to_deployment(
                name=f"{plan.campaign.id}-{job}",
                schedules=schedules,
                parameters={k: v for k, v in parameters.items() if k in accepted},
                concurrency_limit=limit,
                tags=[plan.campaign.id],
            )
        )
    return found


def serve_plan(plan: Plan, parameters: dict[str, Any]) -> None:
    """Serve the plan's deployments until interrupted; schedules stay active afterwards."""
    from prefect import serve

    found = deployments(plan, parameters)
    if not found:
        raise MohinhError(
            "Kế hoạch không có lịch chạy nào (phần schedules: intake, remind, report)."
        )
    serve(*found, pause_on_shutdown=False)
