"""The layers hold: the core never imports Prefect, no plan content lives in code, and the
tests take the shipped plans by name."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from flows.names import UNIT_PREFIXES, split_prefix
from flows.plan import load_plan
from tests.conftest import ALL_VALID_PLANS, ROOT


def prefect_modules_after(code: str) -> str:
    """The Prefect modules a fresh interpreter has imported after running ``code``."""
    report = "\nprint(sorted(m for m in sys.modules if m.split('.')[0] == 'prefect'))"
    out = subprocess.run(
        [sys.executable, "-c", f"import sys\n{code}{report}"],
        capture_output=True,
        text=True,
        check=True,
        cwd=ROOT,
    )
    return out.stdout.strip()


def test_core_and_cli_import_without_prefect() -> None:
    code = "import flows.plan, flows.names, flows.cli, flows.intake.engine, flows.documents.service"
    assert prefect_modules_after(code) == "[]"


def plan_content() -> set[str]:
    """Names, codes, ids and dates of every valid plan: none of them may appear in flows/."""
    found: set[str] = set()
    for path in ALL_VALID_PLANS:
        plan = load_plan(path)
        found |= {m.code for m in plan.models} | {m.name for m in plan.models}
        found |= {s.id for s in plan.sites} | {m.id for m in plan.milestones}
        found |= {f.id for f in plan.forms} | {m.due.isoformat() for m in plan.milestones}
        found |= {split_prefix(u.name)[1] for _, u in plan.units.walk()}
        found |= {plan.campaign.id, plan.issuer.place}
    prefixes = set(UNIT_PREFIXES) | {"all"}
    return {t for t in found if len(t) >= 4 and t.casefold() not in prefixes}


def test_no_plan_content_in_flows() -> None:
    content = plan_content()
    assert len(content) > 300  # the check looks at real data
    hits = []
    for source in (ROOT / "flows").rglob("*.py"):
        text = source.read_text(encoding="utf-8")
        hits += [f"{source.relative_to(ROOT)}: {t}" for t in content if t in text]
    assert hits == []


def test_shipped_tree_has_the_layout() -> None:
    for folder in ("flows", "templates", "config", "inbox", "outbox", "tests", "docs"):
        assert (ROOT / folder).is_dir(), folder
    for file in ("pyproject.toml", "README.md", "Makefile", "uv.lock", ".ci/run"):
        assert (ROOT / file).is_file(), file
    assert Path(ROOT / ".ci/run").stat().st_mode & 0o111


def test_commands_without_orchestration_never_load_prefect(tmp_path: Path) -> None:
    """`plan check`, `status` and `simulate` run without Prefect (it costs 3-5 s to import)."""
    state = str(tmp_path / "state")
    for arguments in [
        ["plan", "check"],
        ["status", "--state", state, "--as-of", "2017-09-05"],
        ["simulate", "--state", state, "--from", "2017-03-01", "--to", "2017-04-01"],
    ]:
        code = (
            "import sys\nfrom flows.cli import app\n"
            f"try:\n    app({arguments!r}, standalone_mode=False)\n"
            "finally:\n"
            "    print(sorted(m for m in sys.modules if m.split('.')[0] == 'prefect'))"
        )
        out = subprocess.run(
            [sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT, timeout=120
        )
        assert out.returncode == 0, out.stderr
        assert out.stdout.strip().splitlines()[-1] == "[]", arguments


# Every test that once took "every .yaml in config/" (the list of shipped plans, in conftest.py).
TESTS_OF_SHIPPED_PLANS = [
    "tests/test_cli.py::test_check_every_valid_plan",
    "tests/test_documents.py::test_shipped_plans_are_the_ones_tested",
    "tests/test_architecture.py::test_no_plan_content_in_flows",
    "tests/test_plan_cache.py::test_shipped_plans_load_equal_through_the_cache",
    "tests/test_forms.py::test_the_guide_names_every_column_the_due_date_and_where_to_send",
]


@pytest.mark.slow
def test_a_broken_draft_next_to_the_shipped_plans_does_not_break_the_tests(
    tmp_path: Path,
) -> None:
    """Staff save a half-written plan in config/ (here with a YAML error): the suite, run in
    that tree, still passes, since it takes the shipped plans by name."""
    for folder in ("config", "tests", "flows"):
        ignore = shutil.ignore_patterns("__pycache__")
        shutil.copytree(ROOT / folder, tmp_path / folder, ignore=ignore)
    shutil.copy(ROOT / "pyproject.toml", tmp_path)
    draft = "campaign:\n  id: nhap-2027\n  title: [Kế hoạch chưa xong\nissuer:\n"
    (tmp_path / "config" / "nhap.yaml").write_text(draft, encoding="utf-8")
    run = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", *TESTS_OF_SHIPPED_PLANS],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert run.returncode == 0, run.stdout + run.stderr
    assert " passed" in run.stdout and "nhap" not in run.stdout
