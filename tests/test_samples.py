"""The shipped samples: every round taken in, in date order, gives what expected.yaml says."""

from __future__ import annotations

import hashlib
import shutil
from datetime import date

import pytest
import yaml

from flows.intake.engine import FileOutcome, IntakeOptions, run_intake
from flows.plan import Plan
from tests.conftest import ROOT

SAMPLES = ROOT / "samples"
EXPECTED = yaml.safe_load((SAMPLES / "expected.yaml").read_text(encoding="utf-8"))
ROUNDS = sorted(p for p in SAMPLES.iterdir() if p.is_dir())


@pytest.fixture(scope="module")
def outcomes(tmp_path_factory: pytest.TempPathFactory, hai_duong: Plan) -> dict[str, FileOutcome]:
    """Every sample, by ``round/name``, after taking the rounds in with one ledger."""
    root = tmp_path_factory.mktemp("samples")
    found: dict[str, FileOutcome] = {}
    for folder in ROUNDS:
        inbox = root / "inbox"
        shutil.copytree(folder, inbox, dirs_exist_ok=True)
        as_of = date.fromisoformat(folder.name)
        options = IntakeOptions(settle=0, min_age=0)
        for outcome in run_intake(hai_duong, inbox, root / "state", as_of, options):
            found[f"{folder.name}/{outcome.file}"] = outcome
            assert outcome.destination is not None
            data = (inbox / outcome.destination).read_bytes()
            assert data == (folder / outcome.file).read_bytes()
            assert hashlib.sha256(data).hexdigest() == outcome.sha256
    return found


def test_every_sample_is_answered(outcomes: dict[str, FileOutcome]) -> None:
    assert sorted(outcomes) == sorted(EXPECTED)
    assert {o.status for o in outcomes.values()} == {"accepted", "rejected", "duplicate"}


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_sample_outcome(outcomes: dict[str, FileOutcome], name: str) -> None:
    expected, outcome = EXPECTED[name], outcomes[name]
    shown = [(i.code, i.cell, i.message) for i in outcome.issues]
    assert (outcome.status, outcome.site, outcome.milestone) == (
        expected["status"],
        expected["site"],
        expected["milestone"],
    ), shown
    codes = {i.code for i in outcome.issues}
    assert set(expected["codes"]) <= codes, shown
    errors = {i.code for i in outcome.issues if i.is_error}
    assert errors <= set(expected["codes"]), shown
