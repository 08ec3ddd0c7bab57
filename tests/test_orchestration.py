"""The Prefect flows against a real Prefect API: files, ledger and artifacts of a cycle."""

from __future__ import annotations

import asyncio
import json
import shutil
from pathlib import Path
from typing import Any

import pytest
from prefect.client.orchestration import get_client
from prefect.client.schemas.filters import ArtifactFilter, ArtifactFilterKey
from prefect.client.schemas.sorting import ArtifactSort
from prefect.states import Failed

from flows import orchestration
from flows.errors import PlanError
from flows.intake.ledger import Ledger, database_url
from flows.plan import load_plan
from tests.conftest import CONFIG, PLANS, ROOT

pytestmark = pytest.mark.usefixtures("prefect_api")
PLAN = CONFIG / "plan.yaml"


def artifacts(key: str) -> list[Any]:
    """The artifacts of ``key``, newest first (other tests' runs of a plan share its keys)."""

    async def read() -> list[Any]:
        async with get_client() as client:
            found = ArtifactFilter(key=ArtifactFilterKey(any_=[key]))
            newest = ArtifactSort.CREATED_DESC
            return list(await client.read_artifacts(artifact_filter=found, sort=newest))

    return asyncio.run(read())


def test_a_cycle_takes_files_in_and_writes_documents(tmp_path: Path) -> None:
    inbox = tmp_path / "inbox"
    inbox.mkdir()
    for file in sorted((ROOT / "samples" / "2017-03-17").iterdir()):
        shutil.copy(file, inbox / file.name)
    result = orchestration.cycle(
        plan=str(PLAN),
        inbox=str(inbox),
        state=str(tmp_path / "state"),
        outbox=str(tmp_path / "outbox"),
        as_of="2017-03-25",
        pdf=False,
        settle=0,
        min_age=0,
    )
    statuses = sorted(f["status"] for f in result["files"])
    assert statuses == ["accepted"] * 7 + ["rejected"] * 3
    kinds = {d["kind"] for d in result["documents"]}
    assert {"feedback", "reminder", "report"} <= kinds
    for document in result["documents"]:
        assert (tmp_path / "outbox" / document["path"]).is_file()
    assert result["page"] == "index.html"  # the status pages, linking the documents
    page = (tmp_path / "outbox" / "index.html").read_text(encoding="utf-8")
    assert "tong-hop/tong-hop-2017-03-25.docx" in page
    assert (tmp_path / "outbox" / "kinh-mon" / "index.html").is_file()
    plan = load_plan(PLAN)
    ledger = Ledger(database_url(tmp_path / "state"), plan.campaign.id)
    try:
        assert ledger.counts()["current_records"] == 7
        assert {d.kind for d in ledger.documents()} == {"feedback", "reminder", "report"}
    finally:
        ledger.close()
    intake_rows = json.loads(artifacts(orchestration.artifact_key("nhan-tep", plan))[0].data)
    assert sorted(r["kết quả"] for r in intake_rows) == ["bị trả lại"] * 3 + ["đã nhận"] * 7
    matrix_rows = json.loads(artifacts(orchestration.artifact_key("tinh-hinh", plan))[0].data)
    assert [r["đơn vị"] for r in matrix_rows] == [plan.site_name(s) for s in plan.sites]
    listing = artifacts(orchestration.artifact_key("van-ban", plan))[0].data
    assert "cong-van-2017-03-25.docx" in listing


def test_a_second_cycle_the_same_day_writes_nothing_new(tmp_path: Path) -> None:
    places = {
        "plan": str(CONFIG / "dong-ha-2018.yaml"),
        "inbox": str(tmp_path / "inbox"),
        "state": str(tmp_path / "state"),
        "outbox": str(tmp_path / "outbox"),
        "as_of": "2018-06-11",
        "pdf": False,
    }
    first = orchestration.cycle(**places, jobs=("intake", "remind"))
    assert len([d for d in first["documents"] if d["kind"] == "reminder"]) == 9
    again = orchestration.cycle(**places, jobs=("intake", "remind"))
    assert again["documents"] == []


def test_a_broken_plan_fails_the_run_with_its_messages(tmp_path: Path) -> None:
    with pytest.raises(PlanError, match="M9"):
        orchestration.cycle(plan=str(PLANS / "plan-many-problems.yaml"), state=str(tmp_path))


@pytest.mark.parametrize(
    ("failure", "retried"),
    [
        (OSError("locked by Excel"), True),
        (PlanError([]), False),
        (ValueError("bug"), False),
    ],
)
def test_only_io_is_retried(failure: BaseException, retried: bool) -> None:
    state = Failed(data=failure)
    assert orchestration.transient_only(None, None, state) is retried  # type: ignore[arg-type]


def test_two_overlapping_cycles_take_each_file_once(tmp_path: Path) -> None:
    from concurrent.futures import ThreadPoolExecutor

    from tests import intake_files as build

    inbox = tmp_path / "inbox"
    inbox.mkdir()
    plan = load_plan(CONFIG / "dong-ha-2018.yaml")
    form = plan.forms[0]
    for site in plan.sites:
        name = plan.site_name(site)
        row = {"phuong": name, "hinh_thuc": "Bằng văn bản", "chi_dao": "x", "ket_qua": "y"}
        row |= {"kho_khan": "z", "phuong_huong": "w"}
        build.write_xlsx(
            inbox / f"{site.id}.xlsx",
            [[c.label for c in form.columns], [row.get(c.key) for c in form.columns]],
        )
    places = {
        "plan": str(CONFIG / "dong-ha-2018.yaml"),
        "inbox": str(inbox),
        "state": str(tmp_path / "state"),
        "outbox": str(tmp_path / "outbox"),
        "as_of": "2018-06-08",
        "pdf": False,
        "settle": 0,
        "min_age": 0,
    }
    with ThreadPoolExecutor(2) as pool:
        runs = list(pool.map(lambda _: orchestration.cycle(**places), range(2)))
    taken = [f["file"] for run in runs for f in run["files"] if f["status"] != "waiting"]
    assert sorted(taken) == sorted(f"{s.id}.xlsx" for s in plan.sites)
    ledger = Ledger(database_url(tmp_path / "state"), plan.campaign.id)
    try:
        assert ledger.counts() == {"accepted": len(plan.sites), "current_records": len(plan.sites)}
        keys = [d.key for d in ledger.documents()]
        assert len(keys) == len(set(keys))
    finally:
        ledger.close()
    assert sorted(p.name for p in (inbox / "da-nhan").iterdir()) == sorted(
        f"{s.id}.xlsx" for s in plan.sites
    )


def flow_runs_named(prefix: str) -> list[Any]:
    """The flow runs whose name starts with ``prefix``, with their task runs."""
    from prefect.client.schemas.filters import (
        FlowRunFilter,
        FlowRunFilterId,
        FlowRunFilterName,
        TaskRunFilter,
    )

    async def read() -> list[Any]:
        async with get_client() as client:
            named = FlowRunFilter(name=FlowRunFilterName(like_=prefix))
            runs = await client.read_flow_runs(flow_run_filter=named)
            ours = FlowRunFilter(id=FlowRunFilterId(any_=[r.id for r in runs]))
            tasks = await client.read_task_runs(
                flow_run_filter=ours, task_run_filter=TaskRunFilter()
            )
            return [(r, [t for t in tasks if t.flow_run_id == r.id]) for r in runs]

    return asyncio.run(read())


def test_runs_and_their_tasks_have_readable_names(tmp_path: Path) -> None:
    plan = load_plan(CONFIG / "dong-ha-2018.yaml")
    places = {"state": str(tmp_path / "state"), "outbox": str(tmp_path / "outbox")}
    orchestration.cycle(
        plan=str(CONFIG / "dong-ha-2018.yaml"),
        inbox=str(tmp_path / "inbox"),
        as_of="2018-05-02",
        pdf=False,
        **places,
    )
    orchestration.report(
        plan=str(CONFIG / "dong-ha-2018.yaml"), as_of="2018-05-03", pdf=False, **places
    )
    found = {
        run.name: sorted(t.name for t in tasks)
        for run, tasks in flow_runs_named(f"%-{plan.campaign.id}-2018-05-0%")
    }
    assert found == {
        f"cycle-{plan.campaign.id}-2018-05-02": [
            "don-doc-2018-05-02", "nhan-tep-2018-05-02", "tinh-hinh-2018-05-02",
            "tong-hop-2018-05-02", "trang-tinh-hinh-2018-05-02",
        ],
        f"report-{plan.campaign.id}-2018-05-03": [
            "tinh-hinh-2018-05-03", "tong-hop-2018-05-03", "trang-tinh-hinh-2018-05-03",
        ],
    }  # fmt: skip
    listing = artifacts(orchestration.artifact_key("van-ban", plan))[0].data
    assert "- Báo cáo tổng hợp: `" in listing and "- Biểu đồ: `" in listing
    assert "report" not in listing.replace("tong-hop", "")


def test_runs_made_ahead_by_the_scheduler_get_readable_names(tmp_path: Path) -> None:
    """Runs not started yet (made ahead by the scheduler, or cancelled before they started)
    carry Prefect's random names ("crimson-lemur") until named."""
    from datetime import UTC, datetime, timedelta

    from prefect.states import Cancelled, Scheduled

    from flows.serving import deployments, name_runs

    plan = load_plan(PLAN)
    found = deployments(plan, {"plan": str(PLAN), "state": str(tmp_path / "state")})
    flows = {d.apply(): d.flow_name for d in found}
    later = datetime(2030, 3, 20, 1, 0, tzinfo=UTC)  # 08:00 on 20/03 in Hà Nội

    async def check() -> tuple[list[str], list[str], int, int]:
        async with get_client() as client:
            made = []
            for deployment_id in flows:
                state = Scheduled(scheduled_time=later)
                made.append(
                    await client.create_flow_run_from_deployment(deployment_id, state=state)
                )
            cancelled = made[-1]
            await client.set_flow_run_state(cancelled.id, Cancelled(), force=True)
            given = await client.create_flow_run_from_deployment(
                made[0].deployment_id,  # type: ignore[arg-type]
                parameters={"as_of": "2017-03-21"},
                state=Scheduled(scheduled_time=later + timedelta(days=1)),
            )
            before = [r.name for r in [*made, given]]
            named = await name_runs(client, plan, flows)
            after = [(await client.read_flow_run(r.id)).name for r in [*made, given]]
            again = await name_runs(client, plan, flows)
            for deployment_id in flows:
                await client.delete_deployment(deployment_id)
            return before, after, named, again

    before, after, named, again = asyncio.run(check())
    assert all("-" in name and plan.campaign.id not in name for name in before)
    day = "2030-03-20"
    assert after == [
        *(f"{job}-{plan.campaign.id}-{day}" for job in ("intake", "remind", "report", "cycle")),
        f"intake-{plan.campaign.id}-2017-03-21",
    ]
    assert named >= len(before) and again == 0
