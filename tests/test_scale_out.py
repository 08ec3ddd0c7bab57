"""Scale-out as the README gives it: a Prefect server on PostgreSQL, the plan's deployments in
a process work pool (``mohinh deploy``), a worker running the cycle, the ledger on PostgreSQL
through ``MOHINH_DATABASE_URL``. Every step is the command an operator types."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text

from flows.plan import Plan
from flows.serving import local_server, stop
from tests.conftest import CONFIG, ROOT
from tests.postgres import create_database

pytestmark = pytest.mark.slow
POOL = "mohinh-test"


def test_a_worker_runs_the_cycle_with_everything_on_postgresql(
    hai_duong: Plan, tmp_path: Path, postgres_server: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    prefect_db = create_database(postgres_server, "prefect_scale_out")
    ledger_db = create_database(postgres_server, "ledger_scale_out")
    monkeypatch.setenv(
        "PREFECT_API_DATABASE_CONNECTION_URL", prefect_db.replace("+psycopg", "+asyncpg")
    )
    inbox = tmp_path / "inbox"
    shutil.copytree(ROOT / "samples" / "2017-03-17", inbox)
    base = {k: v for k, v in os.environ.items() if not k.startswith("PREFECT_")}
    with local_server(tmp_path / "server") as api_url:
        environment = base | {
            "PREFECT_API_URL": api_url,
            "PREFECT_HOME": str(tmp_path / "client"),
            "MOHINH_DATABASE_URL": ledger_db,
        }

        def run(*command: str) -> str:
            done = subprocess.run(
                [sys.executable, "-m", *command],
                env=environment,
                capture_output=True,
                text=True,
                timeout=300,
            )
            assert done.returncode == 0, done.stdout + done.stderr
            return done.stdout

        run("prefect", "work-pool", "create", POOL, "--type", "process")
        places = ["--inbox", str(inbox), "--state", str(tmp_path / "state")]
        places += ["--outbox", str(tmp_path / "outbox"), "--no-pdf"]
        shown = run("flows", "deploy", "--pool", POOL, "--plan", str(CONFIG / "plan.yaml"), *places)
        cycle = f"cycle/{hai_duong.campaign.id}-cycle"
        assert cycle in shown
        worker = subprocess.Popen(
            [sys.executable, "-m", "prefect", "worker", "start", "--pool", POOL],
            env=environment,
            stdout=(tmp_path / "worker.log").open("wb"),
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        try:
            parameters = ["--param", "as_of=2017-03-25", "--param", "settle=0"]
            parameters += ["--param", "min_age=0", "--watch", "--watch-timeout", "240"]
            run("prefect", "deployment", "run", cycle, *parameters)
        finally:
            stop(worker)
        prefect = create_engine(prefect_db)
        with prefect.connect() as connection:
            finished = connection.execute(
                text("select count(*) from flow_run where state_type = 'COMPLETED'")
            ).scalar_one()
        prefect.dispose()
        assert finished == 1
    assert len(list((inbox / "da-nhan").iterdir())) == 7
    assert len(list((inbox / "tra-lai").iterdir())) == 3
    assert not (tmp_path / "state" / "mohinh.sqlite").exists()
    ledger = create_engine(ledger_db)
    with ledger.connect() as connection:
        records = connection.execute(text("select count(*) from records where current")).scalar()
        kinds = connection.execute(text("select distinct kind from documents")).scalars().all()
    ledger.dispose()
    assert records == 7
    assert sorted(kinds) == ["feedback", "reminder", "report"]
    assert list((tmp_path / "outbox" / "tong-hop").glob("tong-hop-2017-03-25.docx"))
