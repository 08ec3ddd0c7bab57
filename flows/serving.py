"""The scheduler on one office machine: deployments from the plan's ``schedules``, served.

``mohinh serve`` needs a Prefect server (the ephemeral mode runs no schedules). Without
``PREFECT_API_URL`` it starts one as a child process on a fixed address (``--host``,
``--port``: 127.0.0.1:4200 by default, so the UI and ``prefect deployment run`` know where it
is; SQLite under ``state/prefect/``, analytics off), waits until it answers, serves every
deployment, and on Ctrl-C or SIGTERM stops serving (a run in progress is cancelled and marked
so) and stops the server. Deployments are never paused on shutdown, and each has a concurrency
limit of one that cancels a newcomer while a run is going, so runs of a job never overlap
(intake's file lock is the second line of defence). The runs the scheduler creates ahead get
the readable names the flows give themselves when they start (``intake-<plan id>-<day>``).
"""

from __future__ import annotations

import asyncio
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Callable, Iterator
from contextlib import contextmanager, suppress
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from uuid import UUID
from zoneinfo import ZoneInfo

from flows.errors import MohinhError
from flows.plan import Plan
from flows.plan.cron import prefect_croniter
from flows.plan.schema import Schedule

SERVER_START_SECONDS = 120  # a first start creates the database: 18 s here
SERVER_ANSWER_SECONDS = 30  # a server that is up but busy, or restarting
WAIT_VARIABLE = "MOHINH_SERVER_WAIT"  # seconds; overrides both
PREFECT_SERVER = [sys.executable, "-m", "prefect", "server", "start"]
JOBS = ("intake", "remind", "report")
LOCAL_HOST = "127.0.0.1"
EVERY_HOST = ("0.0.0.0", "::", "")
NAMING_SECONDS = 30  # how often `serve` names the runs the scheduler made ahead
NAMING_DAYS = 2  # and how far back it looks for runs cancelled before they started
NO_SCHEDULES = "Kế hoạch không có lịch chạy nào (phần schedules: intake, remind, report)."


class ServerError(MohinhError):
    """The Prefect server could not be started or reached."""


def free_port() -> int:
    """A TCP port nobody listens on now."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def server_wait(default: float) -> float:
    """How long to wait for a Prefect server: ``MOHINH_SERVER_WAIT`` seconds, else ``default``."""
    try:
        return float(os.environ.get(WAIT_VARIABLE, default))
    except ValueError:
        return default


def require_server(api_url: str, wait: float | None = None) -> None:
    """Stop, before anything is done, when the Prefect API at ``api_url`` does not answer
    within ``wait`` seconds (a busy or restarting server gets that long)."""
    limit = server_wait(SERVER_ANSWER_SECONDS) if wait is None else wait
    deadline = time.monotonic() + limit
    while not healthy(api_url):
        if time.monotonic() >= deadline:
            raise ServerError(
                f"Không kết nối được máy chủ Prefect {api_url} (chờ {limit:.0f} giây); chưa làm gì."
            )
        time.sleep(1)


def healthy(api_url: str, timeout: float = 2.0) -> bool:
    """Whether the Prefect API at ``api_url`` answers its health check."""
    try:
        with urllib.request.urlopen(f"{api_url}/health", timeout=timeout) as answer:
            return bool(answer.status == 200)
    except OSError:
        return False


def _url_host(host: str) -> str:
    return f"[{host}]" if ":" in host else host


def ui_address(host: str, port: int) -> str:
    """Where a browser finds the UI of a server listening on ``host``: this machine's name
    when it listens on every address."""
    shown = socket.getfqdn() if host in EVERY_HOST else host
    return f"http://{_url_host(shown)}:{port}"


def check_port(host: str, port: int) -> None:
    """Stop, before starting anything, when another program listens on ``host:port``."""
    try:
        family = socket.getaddrinfo(host or None, port, type=socket.SOCK_STREAM)[0][0]
        with socket.create_server((host, port), family=family):
            pass
    except OSError:
        raise ServerError(
            f"Không mở được cổng {port} trên {host or 'mọi địa chỉ'}: cổng đang có chương trình "
            "khác dùng (có thể một lệnh mohinh serve khác), hoặc địa chỉ không có trên máy "
            "này. Chọn cổng khác bằng --port, hoặc dừng chương trình kia."
        ) from None


@contextmanager
def local_server(
    state: Path, wait: float | None = None, host: str = LOCAL_HOST, port: int | None = None
) -> Iterator[str]:
    """A Prefect server for the duration of the block (its data under ``state/prefect``, so
    runs of ``mohinh run`` and ``mohinh serve`` are in one history), listening on ``host``
    and ``port`` (a free port when none is given); its API URL on this machine."""
    wait = server_wait(SERVER_START_SECONDS) if wait is None else wait
    home = (state / "prefect").resolve()
    home.mkdir(parents=True, exist_ok=True)
    if port is None:
        port = free_port()
    else:
        check_port(host, port)
    api_url = f"http://{_url_host(LOCAL_HOST if host in EVERY_HOST else host)}:{port}/api"
    environment = os.environ | {
        "PREFECT_HOME": str(home),
        "PREFECT_SERVER_ANALYTICS_ENABLED": "false",
        "PREFECT_UI_ENABLED": os.environ.get("PREFECT_UI_ENABLED", "true"),
    }
    environment.pop("PREFECT_API_URL", None)
    if host in EVERY_HOST:  # the browser on another machine must not be sent to 0.0.0.0
        environment.setdefault("PREFECT_UI_API_URL", f"{ui_address(host, port)}/api")
    log = (home / "server.log").open("ab")
    server = subprocess.Popen(
        [*PREFECT_SERVER, "--host", host, "--port", str(port)],
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
        flush_to_server()
        stop(server)
        log.close()


def flush_to_server(timeout: float = 5.0) -> None:
    """Send the logs and events this process still holds, while the server is up (else the
    client retries them against a stopped server for over a minute at exit)."""
    if "prefect.logging.handlers" not in sys.modules:
        return
    from prefect.events.worker import EventsWorker
    from prefect.logging.handlers import APILogWorker

    APILogWorker.drain_all(timeout=timeout)
    EventsWorker.drain_all(timeout=timeout)


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
    """The hour and minute a schedule first runs at in a day: 16:00 for ``0 16 * * 5``,
    07:00 for ``*/15 7-17 * * 1-6``, 00:00 for ``@daily`` (Prefect's own cron parser)."""
    fields = prefect_croniter().expand(schedule.cron)[0]
    minutes, hours = (
        [v for v in field if isinstance(v, int)] or [0] for field in (fields[0], fields[1])
    )
    return hours[0], minutes[0]


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


def deployments(plan: Plan, parameters: dict[str, Any], module_path: bool = False) -> list[Any]:
    """A deployment per scheduled job, named ``<plan id>-<job>``, and ``<plan id>-cycle`` with
    no schedule, for a whole cycle on demand from the UI. ``module_path``: the flows are found
    by module (``flows.orchestration.intake``), as a worker in another process needs."""
    from prefect.client.schemas.objects import ConcurrencyLimitConfig, ConcurrencyLimitStrategy
    from prefect.types.entrypoint import EntrypointType

    from flows import orchestration

    flows: dict[str, Any] = {
        "intake": orchestration.intake,
        "remind": orchestration.remind,
        "report": orchestration.report,
        "cycle": orchestration.cycle,
    }
    limit = ConcurrencyLimitConfig(limit=1, collision_strategy=ConcurrencyLimitStrategy.CANCEL_NEW)
    entrypoint = EntrypointType.MODULE_PATH if module_path else EntrypointType.FILE_PATH
    found = []
    for job in [*JOBS, "cycle"]:
        schedules = schedules_of(plan, job) if job in JOBS else []
        if job in JOBS and not schedules:
            continue
        flow = flows[job]
        accepted = set(flow.parameters.properties)
        found.append(
            flow.to_deployment(
                name=f"{plan.campaign.id}-{job}",
                description=f"{flow.description} Kế hoạch: {plan.campaign.title}."
                + (" Không có lịch: bấm Run để chạy ngay." if job == "cycle" else ""),
                schedules=schedules,
                parameters={k: v for k, v in parameters.items() if k in accepted},
                concurrency_limit=limit,
                tags=[plan.campaign.id],
                entrypoint_type=entrypoint,
            )
        )
    return found


def serve_plan(
    plan: Plan, parameters: dict[str, Any], ready: Callable[[list[str]], None] | None = None
) -> None:
    """Serve the plan's deployments until Ctrl-C or SIGTERM; schedules stay active afterwards.
    ``ready`` gets the deployments' names once they are registered and served."""
    if not any(getattr(plan.schedules, job) for job in JOBS):
        raise MohinhError(NO_SCHEDULES)
    previous = signal.getsignal(signal.SIGTERM)
    try:
        asyncio.run(_serve(plan, deployments(plan, parameters), ready))
    except asyncio.CancelledError:
        pass  # a second Ctrl-C or SIGTERM: stopped at once
    finally:  # the runner's handler needs the loop, which is gone
        if previous is not None:
            signal.signal(signal.SIGTERM, previous)


async def _serve(plan: Plan, found: list[Any], ready: Callable[[list[str]], None] | None) -> None:
    """Prefect's runner, stopped from inside the event loop. Its own SIGTERM handler calls
    ``stop()``, which inside a running loop only makes a coroutine nobody awaits ("coroutine
    'Runner.astop' was never awaited"), then raises SystemExit wherever the loop happens to
    be: just after a run finished, the runner then never stopped. Here a signal schedules
    ``astop()`` on the loop (a second signal cancels at once)."""
    from prefect.runner import Runner

    loop = asyncio.get_running_loop()
    main = asyncio.current_task()
    stopping: list[asyncio.Task[None]] = []

    def stop() -> None:
        if runner.started and not stopping:
            stopping.append(loop.create_task(runner.astop()))
        elif main is not None:
            main.cancel()

    class OfficeRunner(Runner):
        def handle_sigterm(self, *args: Any, **kwargs: Any) -> None:
            loop.call_soon_threadsafe(stop)  # runner.start() makes this the SIGTERM handler

    runner = OfficeRunner(name=f"mohinh-{plan.campaign.id}", pause_on_shutdown=False)
    flows = {await runner.aadd_deployment(d): d.flow_name for d in found}
    loop.add_signal_handler(signal.SIGINT, stop)
    naming = loop.create_task(_keep_naming(plan, flows))
    if ready is not None:
        ready([f"{d.flow_name}/{d.name}" for d in found])
    try:
        await runner.start()
    finally:
        naming.cancel()
        with suppress(asyncio.CancelledError):
            await naming
        await asyncio.gather(*stopping)


async def _keep_naming(plan: Plan, flows: dict[UUID, str]) -> None:
    """Name the runs the scheduler made ahead, every :data:`NAMING_SECONDS`."""
    from prefect.client.orchestration import get_client

    while True:
        with suppress(Exception):  # names are for people: never a reason to stop serving
            async with get_client() as client:
                await name_runs(client, plan, flows)
        await asyncio.sleep(NAMING_SECONDS)


def readable_name(plan: Plan, flow_name: str, run: Any) -> str:
    """``<flow>-<plan id>-<day>``: the name the flow gives its run when it starts
    (``flows.orchestration.run_name``), for a run that has not started."""
    day = run.parameters.get("as_of")
    if not day:
        when = run.expected_start_time or run.next_scheduled_start_time or run.created
        day = f"{when.astimezone(ZoneInfo(plan.campaign.timezone)):%Y-%m-%d}" if when else ""
    return f"{flow_name}-{plan.campaign.id}-{day or 'hom-nay'}"


async def name_runs(client: Any, plan: Plan, flows: dict[UUID, str]) -> int:
    """Give every run of the deployments ``flows`` (deployment id -> flow name) that never
    ran its readable name instead of Prefect's random one ("crimson-lemur"): the runs the
    scheduler made ahead, and the ones cancelled before they started (the last
    :data:`NAMING_DAYS` days, and ahead). How many were named."""
    from prefect.client.schemas.filters import (
        FlowRunFilter,
        FlowRunFilterDeploymentId,
        FlowRunFilterExpectedStartTime,
    )

    recent = FlowRunFilter(
        deployment_id=FlowRunFilterDeploymentId(any_=list(flows)),
        expected_start_time=FlowRunFilterExpectedStartTime(
            after_=datetime.now(UTC) - timedelta(days=NAMING_DAYS)
        ),
    )
    named, offset = 0, 0
    while runs := await client.read_flow_runs(flow_run_filter=recent, limit=200, offset=offset):
        for run in runs:
            name = readable_name(plan, flows[run.deployment_id], run)
            if run.run_count == 0 and run.name != name:
                await client.update_flow_run(run.id, name=name)
                named += 1
        offset += len(runs)
    return named


def deploy_plan(plan: Plan, parameters: dict[str, Any], pool: str) -> list[str]:
    """Create (or update) the plan's deployments in the work pool ``pool``, for workers
    started with ``prefect worker start --pool <pool>``; their names."""
    from prefect.client.orchestration import get_client
    from prefect.exceptions import ObjectNotFound

    if not any(getattr(plan.schedules, job) for job in JOBS):
        raise MohinhError(NO_SCHEDULES)
    with get_client(sync_client=True) as client:
        try:
            client.read_work_pool(pool)
        except ObjectNotFound:
            raise MohinhError(
                f"Chưa có nhóm máy chạy (work pool) '{pool}'. Tạo bằng lệnh: "
                f"prefect work-pool create {pool} --type process"
            ) from None
    found = deployments(plan, parameters, module_path=True)
    flows = {deployment.apply(work_pool_name=pool): deployment.flow_name for deployment in found}
    with suppress(Exception):  # the runs scheduled so far; a worker's runs name themselves
        asyncio.run(_name_once(plan, flows))
    return [f"{d.flow_name}/{d.name}" for d in found]


async def _name_once(plan: Plan, flows: dict[UUID, str]) -> None:
    from prefect.client.orchestration import get_client

    async with get_client() as client:
        await name_runs(client, plan, flows)
