"""flows.plan.cache: a plan loaded once, reused while the plan, its gazetteer and the code are
unchanged; a plan with problems is never cached and still names its lines.

``python -m tests.test_plan_cache`` measures loading uncached and cached, for the default plan
and for a national plan of 10,000 sites and a 10,000-row gazetteer."""

from __future__ import annotations

import os
import pickle
import shutil
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

import pytest
from typer.testing import CliRunner

from flows.cli import app
from flows.errors import PlanError
from flows.plan import load_plan
from flows.plan.cache import cache_folder, load_cached, load_tracked, unchanged
from tests.conftest import CONFIG, PLANS, SHIPPED_PLANS

NEW_COMMUNE = "288,Thành phố Hải Dương,Phường Thử Nghiệm\n"


def entries(cache: Path) -> list[Path]:
    """The cache entries in ``cache``."""
    return sorted(cache.glob("*.pickle")) if cache.is_dir() else []


def copied(folder: Path, plan: Path = CONFIG / "plan.yaml") -> Path:
    """``plan`` copied into ``folder`` with the CSV files next to it (its gazetteer)."""
    folder.mkdir(parents=True, exist_ok=True)
    for csv in plan.parent.glob("*.csv"):
        shutil.copy(csv, folder / csv.name)
    shutil.copy(plan, folder / plan.name)
    return folder / plan.name


def national_plan(folder: Path, sites: int = 10_000) -> Path:
    """A plan of national size in ``folder``: one commune per site, each in the gazetteer CSV
    (provinces of 300 communes), two models, two milestones, two forms."""
    rows = ["ma_tinh,ten_tinh,ma_xa,ten_xa"]
    listed = []
    for n in range(sites):
        rows.append(f"T{n // 300:02d},Tỉnh Số {n // 300},{100_000 + n},Xã Số {n}")
        listed.append(f'  - id: xa-{n}\n    unit: "{100_000 + n}"\n    model: M{1 + n % 2}\n')
    (folder / "don-vi.csv").write_text("\n".join(rows) + "\n", encoding="utf-8")
    text = (PLANS / "minimal.yaml").read_text(encoding="utf-8")
    head, rest = text.split("sites:\n", 1)
    head = head.replace("communes-2027.csv", "don-vi.csv").replace(
        "      - column: ten_xa\n",
        "      - column: ten_tinh\n        code_column: ma_tinh\n      - column: ten_xa\n",
    )
    tail = rest[rest.index("milestones:") :].replace("[an-binh, an-lac]", "[xa-0, xa-1]")
    plan = folder / "ke-hoach.yaml"
    plan.write_text(head + "sites:\n" + "".join(listed) + tail, encoding="utf-8")
    return plan


def loaded_from_cache(plan: Path, cache: Path) -> bool:
    """Load ``plan`` through ``cache``; whether it came from the cache: a miss loads in full
    and writes its entry again (a new file), a hit leaves the entry's file as it was."""
    before = {e.name: e.stat().st_ino for e in entries(cache)}
    load_cached(plan, cache)
    after = {e.name: e.stat().st_ino for e in entries(cache)}
    return bool(before) and after == before


@pytest.mark.parametrize("shipped", SHIPPED_PLANS, ids=lambda p: p.name)
def test_shipped_plans_load_equal_through_the_cache(shipped: Path, tmp_path: Path) -> None:
    cache = tmp_path / "cache"
    full = load_plan(shipped)
    missed = load_cached(shipped, cache)
    assert len(entries(cache)) == 1
    assert loaded_from_cache(shipped, cache)
    hit = load_cached(shipped, cache)
    assert missed == full and hit == full
    assert hit.path == full.path == shipped.resolve()
    assert hit.model_dump() == full.model_dump()
    assert [hit.site_name(s) for s in hit.sites] == [full.site_name(s) for s in full.sites]
    assert [hit.site_at(hit.unit_of(s).unit) for s in hit.sites] == hit.sites


def test_a_plan_with_a_gazetteer_of_its_own_shape_loads_equal(tmp_path: Path) -> None:
    plan = national_plan(tmp_path, sites=400)
    cache = tmp_path / "cache"
    assert load_cached(plan, cache) == load_plan(plan)
    assert loaded_from_cache(plan, cache)
    hit = load_cached(plan, cache)
    assert len(hit.units.walk()) == 400 + 2 and hit.unit_of(hit.sites[-1]).unit.name == "Xã Số 399"


def test_editing_the_plan_loads_it_again(tmp_path: Path) -> None:
    plan, cache = copied(tmp_path / "config", CONFIG / "dong-ha-2018.yaml"), tmp_path / "cache"
    load_cached(plan, cache)
    text = plan.read_text(encoding="utf-8")
    plan.write_text(text.replace("place: Đông Hà", "place: Thành phố Đông Hà"), encoding="utf-8")
    assert not loaded_from_cache(plan, cache)
    assert load_cached(plan, cache).issuer.place == "Thành phố Đông Hà"
    assert len(entries(cache)) == 2  # the version before stays, for an edit undone


def test_editing_the_gazetteer_loads_the_plan_again(tmp_path: Path) -> None:
    plan, cache = copied(tmp_path / "config"), tmp_path / "cache"
    units = len(load_cached(plan, cache).units.walk())
    with (plan.parent / "haiduong_2017-10-15.csv").open("a", encoding="utf-8") as csv:
        csv.write(NEW_COMMUNE)
    assert not loaded_from_cache(plan, cache)
    edited = load_cached(plan, cache)
    assert len(edited.units.walk()) == units + 1
    assert edited == load_plan(plan)
    assert loaded_from_cache(plan, cache)


def test_a_gazetteer_gone_is_a_problem_with_its_line_not_a_cached_plan(tmp_path: Path) -> None:
    plan, cache = copied(tmp_path / "config"), tmp_path / "cache"
    load_cached(plan, cache)
    (plan.parent / "haiduong_2017-10-15.csv").unlink()
    with pytest.raises(PlanError) as caught:
        load_cached(plan, cache)
    (problem,) = caught.value.problems
    assert (problem.file, problem.path) == (str(plan), "units.gazetteer.file")
    assert (
        problem.line
        == plan.read_text(encoding="utf-8").splitlines().index("    file: haiduong_2017-10-15.csv")
        + 1
    )


@pytest.mark.parametrize(
    "damage",
    [
        lambda data: data[: len(data) // 2],
        lambda data: b"",
        lambda data: b"\x80\x05 not a pickle at all",
        lambda data: pickle.dumps({"format": 1, "dependencies": {}}) + pickle.dumps("old"),
        lambda data: pickle.dumps({"format": 2, "dependencies": {}}) + pickle.dumps("not a plan"),
    ],
    ids=["truncated", "empty", "garbage", "old-format", "not-a-plan"],
)
def test_a_damaged_entry_is_ignored_and_written_again(
    damage: Callable[[bytes], bytes], tmp_path: Path
) -> None:
    plan, cache = CONFIG / "plan.yaml", tmp_path / "cache"
    load_cached(plan, cache)
    (entry,) = entries(cache)
    whole = entry.read_bytes()
    entry.write_bytes(damage(whole))
    assert load_cached(plan, cache) == load_plan(plan)
    assert entry.read_bytes() == whole


@pytest.mark.parametrize("broken", ["plan-bad-date.yaml", "plan-many-problems.yaml"])
def test_a_broken_plan_names_its_lines_and_is_never_cached(
    broken: str, tmp_path: Path, in_root: Path
) -> None:
    cache = tmp_path / "cache"
    with pytest.raises(PlanError) as expected:
        load_plan(PLANS / broken)
    for _ in range(2):
        with pytest.raises(PlanError) as caught:
            load_cached(PLANS / broken, cache)
        assert caught.value.problems == expected.value.problems
        assert any(p.line for p in caught.value.problems)
        assert {p.file for p in caught.value.problems} == {f"tests/data/plans/{broken}"}
        assert entries(cache) == []


def test_a_plan_broken_after_caching_names_its_line(tmp_path: Path) -> None:
    plan, cache = copied(tmp_path / "config", CONFIG / "dong-ha-2018.yaml"), tmp_path / "cache"
    load_cached(plan, cache)
    lines = plan.read_text(encoding="utf-8").splitlines(keepends=True)
    due = next(n for n, line in enumerate(lines) if line.strip().startswith("due: 2018-06-10"))
    lines[due] = lines[due].replace("2018-06-10", "2018-06-31")
    plan.write_text("".join(lines), encoding="utf-8")
    with pytest.raises(PlanError) as caught:
        load_cached(plan, cache)
    assert [(p.file, p.line) for p in caught.value.problems] == [(str(plan), due + 1)]
    assert len(entries(cache)) == 1


def test_no_cache_when_the_plan_file_is_missing(tmp_path: Path) -> None:
    with pytest.raises(PlanError) as caught:
        load_cached(tmp_path / "khong-co.yaml", tmp_path / "cache")
    assert caught.value.problems[0].message == "không tìm thấy tệp kế hoạch"
    assert not (tmp_path / "cache").exists()


def test_stamps_notice_an_edit_without_reading(tmp_path: Path) -> None:
    plan, cache = copied(tmp_path / "config"), tmp_path / "cache"
    for _ in range(2):  # a miss, then a hit
        loaded = load_tracked(plan, cache)
        assert loaded.stamps is not None and unchanged(loaded.stamps)
        assert {Path(s[0]).name for s in loaded.stamps} == {plan.name, "haiduong_2017-10-15.csv"}
    with (plan.parent / "haiduong_2017-10-15.csv").open("a", encoding="utf-8") as csv:
        csv.write(NEW_COMMUNE)
    assert loaded.stamps is not None and not unchanged(loaded.stamps)


def test_commands_use_the_cache_of_their_state_folder(tmp_path: Path) -> None:
    state = tmp_path / "state"
    state.mkdir()
    command = ["status", "--plan", str(CONFIG / "plan.yaml"), "--as-of", "2017-09-05"]
    runner = CliRunner()
    first = runner.invoke(app, [*command, "--state", str(state)])
    assert first.exit_code == 0, first.output
    (entry,) = entries(cache_folder(state))
    again = runner.invoke(app, [*command, "--state", str(state)])
    assert again.exit_code == 0, again.output
    assert again.output == first.output
    assert entries(cache_folder(state)) == [entry]
    missing = tmp_path / "mistyped"
    elsewhere = runner.invoke(app, [*command, "--state", str(missing)])
    assert elsewhere.exit_code == 0, elsewhere.output
    assert not missing.exists()  # a mistyped --state is not created to hold a cache


def test_plan_check_never_uses_a_cache(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    (tmp_path / "state").mkdir()
    result = CliRunner().invoke(app, ["plan", "check", str(CONFIG / "plan.yaml")])
    assert result.exit_code == 0, result.output
    assert list((tmp_path / "state").iterdir()) == []


def test_flows_load_once_until_the_plan_or_its_gazetteer_changes(tmp_path: Path) -> None:
    from flows.orchestration import load_once

    plan, state = copied(tmp_path / "config"), tmp_path / "state"
    state.mkdir()
    first = load_once(str(plan), str(state))
    assert load_once(str(plan), str(state)) is first
    assert len(entries(cache_folder(state))) == 1
    with (plan.parent / "haiduong_2017-10-15.csv").open("a", encoding="utf-8") as csv:
        csv.write(NEW_COMMUNE)
    edited = load_once(str(plan), str(state))
    assert len(edited.units.walk()) == len(first.units.walk()) + 1
    assert load_once(str(plan), str(state)) is edited
    plan.write_text(plan.read_text(encoding="utf-8") + "khong_co: 1\n", encoding="utf-8")
    with pytest.raises(PlanError) as caught:
        load_once(str(plan), str(state))
    assert [p.path for p in caught.value.problems] == ["khong_co"]


# --- measuring ----------------------------------------------------------------------------


def timed(action: Callable[[], object], repeat: int) -> tuple[float, float]:
    """Median wall and processor seconds of ``action``."""
    wall, cpu = [], []
    for _ in range(repeat):
        started, used = time.perf_counter(), time.process_time()
        action()
        wall.append(time.perf_counter() - started)
        cpu.append(time.process_time() - used)
    return statistics.median(wall), statistics.median(cpu)


def measure(name: str, plan: Path, cache: Path, repeat: int) -> None:
    """Print the time to load ``plan`` in full, on a cache miss and on a hit."""
    full = timed(lambda: load_plan(plan), repeat)

    def first() -> None:
        shutil.rmtree(cache, ignore_errors=True)
        load_cached(plan, cache)

    missed = timed(first, 1)
    hit = timed(lambda: load_cached(plan, cache), max(repeat, 5))
    print(
        f"{name}: uncached {full[0]:.3f} s (cpu {full[1]:.3f}), first through the cache "
        f"{missed[0]:.3f} s, cached {hit[0]:.3f} s (cpu {hit[1]:.3f})"
    )


def main() -> None:
    """Measure the default plan and a national one."""
    with tempfile.TemporaryDirectory() as folder:
        work = Path(folder)
        measure("config/plan.yaml", CONFIG / "plan.yaml", work / "cache-default", 5)
        sites = int(sys.argv[1]) if len(sys.argv) > 1 else 10_000
        plan = national_plan(work, sites)
        rows = len((work / "don-vi.csv").read_text(encoding="utf-8").splitlines()) - 1
        measure(f"{sites} sites, {rows}-row gazetteer", plan, work / "cache-national", 1)
        print(f"load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores")


if __name__ == "__main__":
    main()
