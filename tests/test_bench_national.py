"""The national benchmark's generator (bench/national.py) at a tiny size: the plan it writes
loads, and intake gives each kind of file it writes the outcome it is meant to have, so the
generator cannot silently rot while the engine changes."""

from __future__ import annotations

import importlib.util
import shutil
import sys
from collections import Counter
from datetime import date
from pathlib import Path
from types import ModuleType

from flows.intake.engine import IntakeOptions, run_intake
from flows.plan import load_plan

ROOT = Path(__file__).resolve().parent.parent


def national() -> ModuleType:
    spec = importlib.util.spec_from_file_location("bench_national", ROOT / "bench" / "national.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # its dataclasses look their module up
    spec.loader.exec_module(module)
    return module


def test_generated_files_get_their_intended_outcomes(tmp_path: Path) -> None:
    bench = national()
    made = bench.generate(tmp_path / "set", 12, 60)
    plan = load_plan(made.plan)
    assert len(plan.sites) == 12
    assert len(made.files) == 60
    kinds = Counter(f["kind"] for f in made.files)
    assert set(kinds) == set(bench.KINDS), kinds
    assert {f["issue"] for f in made.files if f["kind"] == "flawed"} == {
        "not_integer",
        "rule_failed",
        "unknown_unit",
    }
    assert any(f["file"].endswith(".csv") for f in made.files)

    inbox, outcomes = tmp_path / "inbox", []
    inbox.mkdir()
    for day in made.rounds:
        for path in sorted((made.folder / "rounds" / day).iterdir()):
            shutil.copy2(path, inbox / path.name)
        options = IntakeOptions(settle=0, min_age=0)
        outcomes += run_intake(plan, inbox, tmp_path / "state", date.fromisoformat(day), options)
    assert len(outcomes) == 60

    mix = bench.tally(made.files, outcomes)
    assert {kind: set(counts) for kind, counts in mix.items()} == {
        kind: {bench.expected_status(kind)} for kind in kinds
    }
    codes = {o.file: {i.code for i in o.issues} for o in outcomes}
    for entry in made.files:
        found = codes[entry["file"]]
        if entry["kind"] == "flawed":
            assert entry["issue"] in found, (entry, found)
        elif entry["kind"] == "wrong_site":
            assert "unknown_site" in found
        elif entry["kind"] == "unknown_form":
            assert found & {"unknown_form", "no_header"}
        elif entry["kind"] == "again":
            assert "new_version" in found


def test_generation_is_deterministic(tmp_path: Path) -> None:
    bench = national()
    one = bench.generate(tmp_path / "one", 12, 20)
    two = bench.generate(tmp_path / "two", 12, 20)
    assert one.files == two.files
    assert one.plan.read_bytes() == two.plan.read_bytes()
    for entry in one.files:
        relative = Path("rounds") / entry["round"] / entry["file"]
        assert (one.folder / relative).read_bytes() == (two.folder / relative).read_bytes()
