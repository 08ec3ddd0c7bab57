"""docs/plan.md documents every key of the schema, and its example plan loads."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from pydantic import BaseModel

from flows.errors import PlanError
from flows.plan import load_plan, schema
from tests.conftest import ROOT

DOC = ROOT / "docs" / "plan.md"


def schema_models() -> list[type[BaseModel]]:
    return [
        value
        for value in vars(schema).values()
        if isinstance(value, type)
        and issubclass(value, BaseModel)
        and value.__module__ == schema.__name__
        and value is not schema.Strict
    ]


@pytest.mark.parametrize("model", schema_models(), ids=lambda m: m.__name__)
def test_every_field_is_documented(model: type[BaseModel]) -> None:
    text = DOC.read_text(encoding="utf-8")
    missing = [
        name
        for name in model.model_fields
        if f"`{name}`" not in text and not re.search(rf"`[^`\n]*\b{name}\b[^`\n]*`", text)
    ]
    assert missing == []


@pytest.mark.parametrize(
    "value",
    [
        "text",
        "integer",
        "number",
        "date",
        "yes-no",
        "choice",
        "unit",
        "model",
        "phone",
        "reminder",
        "feedback",
        "report",
    ],
)
def test_every_allowed_value_is_documented(value: str) -> None:
    assert f"`{value}`" in DOC.read_text(encoding="utf-8")


def test_the_example_plan_loads(tmp_path: Path) -> None:
    blocks = re.findall(r"```yaml\n(.*?)```", DOC.read_text(encoding="utf-8"), flags=re.S)
    assert len(blocks) == 1
    (tmp_path / "plan.yaml").write_text(blocks[0], encoding="utf-8")
    plan = load_plan(tmp_path / "plan.yaml")
    assert plan.sites and plan.milestones and plan.forms


def test_readme_commands_exist() -> None:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    makefile = (ROOT / "Makefile").read_text(encoding="utf-8")
    for target in re.findall(r"^make (\w+)", readme, flags=re.M):
        assert re.search(rf"^{target}:", makefile, flags=re.M), target
    assert "make test" in (ROOT / ".ci" / "run").read_text(encoding="utf-8")


def test_quoted_messages_of_the_test_plans_are_current(in_root: Path) -> None:
    quoted = re.findall(
        r"^(tests/data/plans/plan-[\w-]+\.yaml)(.*)$", DOC.read_text("utf-8"), flags=re.M
    )
    assert len(quoted) >= 10
    for file, rest in quoted:
        with pytest.raises(PlanError) as caught:
            load_plan(file)
        assert file + rest in [str(p) for p in caught.value.problems]


def test_every_issue_code_is_used_and_documented() -> None:
    from flows.intake.issues import CODES

    modules = [p for p in (ROOT / "flows" / "intake").glob("*.py") if p.name != "issues.py"]
    source = "".join(p.read_text("utf-8") for p in modules)
    assert sorted(set(CODES) - set(re.findall(r'"([a-z_]+)"', source))) == []
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    assert [c for c in CODES if f"`{c}`" not in readme] == []
