"""The ledger on PostgreSQL gives what it gives on SQLite: the samples' four rounds, letters,
feedback and the report, for two plans; ``MOHINH_DATABASE_URL`` chooses it without a flag."""

from __future__ import annotations

import shutil
from datetime import date
from pathlib import Path
from typing import Any

import pytest

from flows.documents import service
from flows.documents.status import status_matrix
from flows.intake.engine import IntakeOptions, run_intake
from flows.intake.ledger import Ledger, database_url
from flows.plan import Plan
from tests import intake_files as build
from tests.conftest import ROOT

pytestmark = pytest.mark.slow
ROUNDS = sorted(p for p in (ROOT / "samples").iterdir() if p.is_dir())


def campaign(plan: Plan, root: Path, database: str | None, rounds: list[tuple[Path, date]]) -> Any:
    """Take each round in, answer it, and write the letters and report as of its day; what
    the ledger and the outbox hold afterwards."""
    inbox, state, outbox = root / "inbox", root / "state", root / "outbox"
    options = service.DocumentOptions(pdf=False, database=database)
    outcomes = []
    for folder, day in rounds:
        shutil.copytree(folder, inbox, dirs_exist_ok=True)
        taking = IntakeOptions(settle=0, min_age=0, database=database)
        outcomes += [
            (o.file, o.status, o.site, o.milestone, len(o.issues))
            for o in run_intake(plan, inbox, state, day, taking)
        ]
        service.feedback(plan, inbox, state, outbox, day, options)
        service.remind(plan, state, outbox, day, options)
        service.report(plan, state, outbox, day, options)
    ledger = Ledger(database or database_url(state), plan.campaign.id)
    try:
        documents = sorted((d.kind, d.key, d.day, d.path) for d in ledger.documents())
        counts = ledger.counts()
    finally:
        ledger.close()
    matrix = status_matrix(plan, state, rounds[-1][1], database).as_dict()
    written = sorted(str(p.relative_to(outbox)) for p in outbox.rglob("*.docx"))
    return sorted(outcomes), counts, documents, matrix, written


def test_the_samples_give_the_same_on_postgresql(
    hai_duong: Plan, tmp_path: Path, postgres_url: str
) -> None:
    rounds = [(folder, date.fromisoformat(folder.name)) for folder in ROUNDS]
    on_sqlite = campaign(hai_duong, tmp_path / "sqlite", None, rounds)
    on_postgres = campaign(hai_duong, tmp_path / "postgres", postgres_url, rounds)
    assert on_postgres == on_sqlite
    outcomes, counts, documents, *_ = on_postgres
    assert {status for _, status, *_ in outcomes} == {"accepted", "rejected", "duplicate"}
    assert counts["current_records"] > 10 and len(documents) > 20
    assert not (tmp_path / "postgres" / "state" / "mohinh.sqlite").exists()


def test_the_database_variable_chooses_postgresql(
    dong_ha: Plan, tmp_path: Path, postgres_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    folder = tmp_path / "round"
    folder.mkdir()
    form = dong_ha.forms[0]
    for site in dong_ha.sites[:5]:
        row = {"phuong": dong_ha.site_name(site), "hinh_thuc": "Bằng văn bản", "chi_dao": "x"}
        row |= {"ket_qua": "y", "kho_khan": "z", "phuong_huong": "w"}
        build.write_xlsx(
            folder / f"{site.id}.xlsx",
            [[c.label for c in form.columns], [row.get(c.key) for c in form.columns]],
        )
    rounds = [(folder, date(2018, 6, 11))]
    on_sqlite = campaign(dong_ha, tmp_path / "sqlite", None, rounds)
    monkeypatch.setenv("MOHINH_DATABASE_URL", postgres_url)
    on_postgres = campaign(dong_ha, tmp_path / "postgres", None, rounds)
    assert on_postgres == on_sqlite
    assert not (tmp_path / "postgres" / "state" / "mohinh.sqlite").exists()
    ledger = Ledger(postgres_url, dong_ha.campaign.id)
    try:
        assert ledger.counts()["current_records"] == 5
        assert len([d for d in ledger.documents() if d.kind == "reminder"]) == 4
    finally:
        ledger.close()
