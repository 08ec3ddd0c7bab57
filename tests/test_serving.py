"""`mohinh serve`: deployments from the plan's schedules, a local server, a real scheduled run."""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from flows.plan import load_plan
from flows.serving import healthy, schedules_of
from tests import intake_files as build
from tests.conftest import CONFIG


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


@pytest.mark.slow
def test_serve_runs_a_scheduled_intake_and_stops_cleanly(tmp_path: Path) -> None:
    plan = (CONFIG / "dong-ha-2018.yaml").read_text(encoding="utf-8")
    plan = re.sub(r'(?m)^  intake: ".*"$', '  intake: "* * * * *"', plan)
    (tmp_path / "plan.yaml").write_text(plan, encoding="utf-8")
    inbox = tmp_path / "inbox"
    inbox.mkdir()
    build.write_xlsx(inbox / "p1.xlsx", [["Phường", "Hình thức sơ kết"], ["Phường 1", "Họp"]])
    places = ["--inbox", str(inbox), "--state", str(tmp_path / "state")]
    places += ["--outbox", str(tmp_path / "outbox"), "--no-pdf"]
    environment = {k: v for k, v in os.environ.items() if not k.startswith("PREFECT_")}
    log = (tmp_path / "serve.log").open("wb")
    serve = subprocess.Popen(
        [sys.executable, "-m", "flows", "serve", "--plan", str(tmp_path / "plan.yaml"), *places],
        stdout=log,
        stderr=subprocess.STDOUT,
        env=environment,
    )
    try:
        deadline = time.monotonic() + 240  # server start (~30 s), then the next minute
        finished = re.compile(
            r"Flow run 'intake-dong-ha-2018-so-ket-cvd-[\d-]+' - Finished in state Completed"
        )
        while not finished.search(text := (tmp_path / "serve.log").read_text()):
            assert serve.poll() is None, text
            assert time.monotonic() < deadline, text
            time.sleep(2)
        assert (inbox / "tra-lai" / "p1.xlsx").exists()
        assert list((tmp_path / "outbox").rglob("phan-hoi-*.docx"))
    finally:
        serve.send_signal(signal.SIGTERM)
        serve.wait(60)
        log.close()
    url = re.search(r"Máy chủ Prefect: (\S+)", (tmp_path / "serve.log").read_text())
    assert url is not None
    assert not healthy(f"{url.group(1)}/api")  # the server went down with it


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
            while "being served" not in (text := (tmp_path / "serve.log").read_text()):
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
