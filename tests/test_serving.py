"""`mohinh serve`: deployments from the plan's schedules, a local server, a real scheduled run."""

from __future__ import annotations

import json
import os
import re
import signal
import subprocess
import sys
import time
import urllib.request
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from flows.plan import load_plan
from flows.serving import free_port, healthy, local_server, schedules_of
from tests import intake_files as build
from tests.conftest import CONFIG, ROOT

README_PLAN = "hai-duong-2017-nhan-rong-mo-hinh"


def test_schedules_come_from_the_plan() -> None:
    plan = load_plan(CONFIG / "plan.yaml")
    report = schedules_of(plan, "report")
    assert report[0].cron == "0 16 * * 5" and report[0].timezone == "Asia/Ho_Chi_Minh"
    # One extra run the day after each due date (20/03, 31/08, 20/11), at the cron's time.
    assert [s.rrule.split("\n")[0] for s in report[1:]] == [
        "DTSTART:20170321T160000",
        "DTSTART:20170901T160000",
        "DTSTART:20171121T160000",
    ]
    dong_ha = load_plan(CONFIG / "dong-ha-2018.yaml")
    assert [s.cron for s in schedules_of(dong_ha, "intake")] == ["*/15 7-17 * * 1-6"]


def test_deployments_are_described_in_vietnamese() -> None:
    from flows.serving import deployments

    plan = load_plan(CONFIG / "dong-ha-2018.yaml")
    found = {d.flow_name: d.description for d in deployments(plan, {"plan": "p"})}
    assert sorted(found) == ["cycle", "intake", "remind", "report"]
    for flow, description in found.items():
        assert description.endswith(f"Kế hoạch: {plan.campaign.title}.") or flow == "cycle"
        assert plan.campaign.title in description
    assert found["remind"].startswith("Soạn các công văn đôn đốc đến hạn trong ngày")
    assert found["cycle"].endswith("Không có lịch: bấm Run để chạy ngay.")


def test_a_port_already_taken_stops_serve_before_anything_starts(tmp_path: Path) -> None:
    import socket

    from flows.serving import ServerError

    with socket.create_server(("127.0.0.1", 0)) as taken:
        port = taken.getsockname()[1]
        refused = pytest.raises(ServerError, match=f"Không mở được cổng {port} trên 127.0.0.1")
        with refused, local_server(tmp_path / "state", port=port):
            pass  # pragma: no cover
    assert not (tmp_path / "state" / "prefect" / "server.log").exists()


@pytest.mark.parametrize(("cron", "start"), [("@daily", "T000000"), ("*/20 7-17 L * *", "T070000")])
def test_runs_after_a_due_date_take_the_time_prefect_reads_in_the_cron(
    cron: str, start: str
) -> None:
    from flows.plan import load_plan_text

    text = (CONFIG / "plan.yaml").read_text(encoding="utf-8")
    assert '    cron: "0 16 * * 5"\n' in text
    text = text.replace('    cron: "0 16 * * 5"\n', f'    cron: "{cron}"\n')
    plan = load_plan_text(text, "plan.yaml", CONFIG)
    report = schedules_of(plan, "report")
    assert report[0].cron == cron
    assert [s.rrule.split("\n")[0][-7:] for s in report[1:]] == [start] * 3


def flow_runs(api_url: str) -> list[dict[str, Any]]:
    """Every flow run the Prefect API at ``api_url`` knows (its REST API, page by page)."""
    found: list[dict[str, Any]] = []
    while True:
        query = json.dumps({"limit": 200, "offset": len(found)}).encode()
        request = urllib.request.Request(
            f"{api_url}/flow_runs/filter",
            data=query,
            headers={"Content-Type": "application/json"},
            method="POST",
        )
        with urllib.request.urlopen(request, timeout=30) as answer:
            page = json.load(answer)
        if not page:
            return found
        found += page


def wait_for(condition: Callable[[], Any], seconds: float, what: Callable[[], str]) -> Any:
    deadline = time.monotonic() + seconds
    while not (value := condition()):
        assert time.monotonic() < deadline, what()
        time.sleep(2)
    return value


def readme_cycle_command() -> str:
    """The README's command that runs a cycle of a served plan now."""
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    (line,) = {m for m in re.findall(r"(?m)^(PREFECT_API_URL=.* deployment run .*)$", readme)}
    return line


@pytest.mark.slow
def test_serve_runs_a_scheduled_intake_and_stops_cleanly(tmp_path: Path) -> None:
    """A scheduled intake runs; the README's command runs a cycle; every run has a readable
    name; SIGTERM in the middle of a run stops it all cleanly, the run marked Cancelled."""
    plan = (CONFIG / "dong-ha-2018.yaml").read_text(encoding="utf-8")
    plan = re.sub(r'(?m)^  intake: ".*"$', '  intake: "* * * * *"', plan)
    (tmp_path / "plan.yaml").write_text(plan, encoding="utf-8")
    plan_id = load_plan(tmp_path / "plan.yaml").campaign.id
    inbox = tmp_path / "inbox"
    inbox.mkdir()
    build.write_xlsx(inbox / "p1.xlsx", [["Phường", "Hình thức sơ kết"], ["Phường 1", "Họp"]])
    port = free_port()
    places = ["--inbox", str(inbox), "--state", str(tmp_path / "state"), "--port", str(port)]
    places += ["--outbox", str(tmp_path / "outbox"), "--no-pdf"]
    environment = {k: v for k, v in os.environ.items() if not k.startswith("PREFECT_")}
    log_file = tmp_path / "serve.log"
    log = log_file.open("wb")
    serve = subprocess.Popen(
        [sys.executable, "-m", "flows", "serve", "--plan", str(tmp_path / "plan.yaml"), *places],
        stdout=log,
        stderr=subprocess.STDOUT,
        env=environment,
        cwd=ROOT,
    )
    api = f"http://127.0.0.1:{port}/api"
    try:
        finished = re.compile(rf"Flow run 'intake-{plan_id}-[\d-]+' - Finished in state Completed")
        # server start (~30 s), then the next minute
        wait_for(lambda: finished.search(log_file.read_text()), 240, log_file.read_text)
        assert serve.poll() is None, log_file.read_text()
        assert (inbox / "tra-lai" / "p1.xlsx").exists()
        assert list((tmp_path / "outbox").rglob("phan-hoi-*.docx"))
        text = log_file.read_text()
        assert f"Giao diện Prefect: http://127.0.0.1:{port}" in text.splitlines()
        command = readme_cycle_command()
        command = command.replace(":4200/", f":{port}/").replace(README_PLAN, plan_id)
        assert f"  {command}" in text.splitlines(), text  # what serve prints
        asked = subprocess.run(
            ["bash", "-c", command],
            cwd=ROOT,
            env=environment | {"PREFECT_HOME": str(tmp_path / "prefect-cli")},
            capture_output=True,
            text=True,
            timeout=300,
        )
        assert asked.returncode == 0, asked.stdout + asked.stderr
        assert "Completed" in asked.stdout, asked.stdout
        cycles = [r for r in flow_runs(api) if r["name"].startswith("cycle-")]
        assert [r["state_type"] for r in cycles] == ["COMPLETED"]
        readable = re.compile(rf"^(intake|remind|report|cycle)-{plan_id}-\d{{4}}-\d{{2}}-\d{{2}}$")
        wait_for(
            lambda: all(readable.match(r["name"]) for r in flow_runs(api)),
            90,
            lambda: str(sorted(r["name"] for r in flow_runs(api))),
        )
        # a run in progress (waiting 60 s for a new file to settle) when SIGTERM comes
        build.write_xlsx(inbox / "p2.xlsx", [["Phường", "Hình thức sơ kết"], ["Phường 2", "Họp"]])
        slow = command.replace(f"'cycle/{plan_id}-cycle' --watch", f"'intake/{plan_id}-intake'")
        subprocess.run(
            ["bash", "-c", f"{slow} -p settle=60 -p min_age=0"],
            cwd=ROOT,
            env=environment | {"PREFECT_HOME": str(tmp_path / "prefect-cli")},
            capture_output=True,
            check=True,
            timeout=300,
        )
        wait_for(
            lambda: any(r["state_type"] == "RUNNING" for r in flow_runs(api)),
            120,
            log_file.read_text,
        )
        running = [r["id"] for r in flow_runs(api) if r["state_type"] == "RUNNING"]
    finally:
        serve.send_signal(signal.SIGTERM)
        serve.wait(90)
        log.close()
    text = log_file.read_text()
    assert serve.returncode == 0, text
    assert "RuntimeWarning" not in text and "never awaited" not in text, text
    assert text.splitlines()[-1] == "Đã dừng chạy theo lịch.", text
    assert not healthy(api)  # the server went down with it
    with local_server(tmp_path / "state", port=free_port()) as again:  # the same database
        stopped = {r["id"]: r["state_type"] for r in flow_runs(again)}
    assert [stopped[r] for r in running] == ["CANCELLED"]


@pytest.mark.slow
def test_served_deployments_never_overlap_and_stay_active_after_shutdown(
    tmp_path: Path, prefect_api: str
) -> None:
    """Against a server that outlives `mohinh serve`: two runs of one deployment asked for at
    once, the newcomer is cancelled; after SIGTERM no deployment is paused."""
    from prefect.client.orchestration import get_client
    from prefect.client.schemas.objects import ConcurrencyLimitStrategy

    plan = load_plan(CONFIG / "dong-ha-2018.yaml")
    inbox = tmp_path / "inbox"
    inbox.mkdir()
    build.write_xlsx(inbox / "p1.xlsx", [["Phường", "Hình thức sơ kết"], ["Phường 1", "Họp"]])
    places = ["--inbox", str(inbox), "--state", str(tmp_path / "state")]
    places += ["--outbox", str(tmp_path / "outbox"), "--no-pdf"]
    environment = os.environ | {
        "PREFECT_API_URL": prefect_api,
        "PREFECT_RUNNER_POLL_FREQUENCY": "1",
    }
    log = (tmp_path / "serve.log").open("wb")
    serve = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "flows",
            "serve",
            "--plan",
            str(CONFIG / "dong-ha-2018.yaml"),
            *places,
        ],
        stdout=log,
        stderr=subprocess.STDOUT,
        env=environment,
    )
    names = [f"{job}/{plan.campaign.id}-{job}" for job in ("intake", "remind", "report", "cycle")]
    try:
        with get_client(sync_client=True) as client:
            deadline = time.monotonic() + 120
            while "Đang chạy theo lịch" not in (text := (tmp_path / "serve.log").read_text()):
                assert serve.poll() is None, text
                assert time.monotonic() < deadline, text
                time.sleep(1)
            deployment = client.read_deployment_by_name(names[0])
            assert deployment.concurrency_options is not None
            assert deployment.concurrency_options.collision_strategy == (
                ConcurrencyLimitStrategy.CANCEL_NEW
            )
            # the first run waits 8 s for the file to settle; the second comes meanwhile
            slow = {"settle": 8, "min_age": 0}
            runs = [
                client.create_flow_run_from_deployment(deployment.id, parameters=slow)
                for _ in range(2)
            ]
            deadline = time.monotonic() + 120
            while not all((s := client.read_flow_run(r.id).state) and s.is_final() for r in runs):
                assert time.monotonic() < deadline, (tmp_path / "serve.log").read_text()
                time.sleep(1)
            states = sorted(client.read_flow_run(r.id).state.type.value for r in runs)
            assert states == ["CANCELLED", "COMPLETED"]
            assert (inbox / "tra-lai" / "p1.xlsx").exists()
    finally:
        serve.send_signal(signal.SIGTERM)
        serve.wait(60)
        log.close()
    assert serve.returncode == 0, (tmp_path / "serve.log").read_text()
    with get_client(sync_client=True) as client:
        for name in names:
            deployment = client.read_deployment_by_name(name)
            assert not deployment.paused, name
            assert all(s.active for s in deployment.schedules), name
