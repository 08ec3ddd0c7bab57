"""A plan mangled at random never gives a traceback: it loads or it lists its problems."""

from __future__ import annotations

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from flows.errors import PlanError
from flows.plan import load_plan_text
from tests.conftest import PLANS

LINES = (PLANS / "minimal.yaml").read_text(encoding="utf-8").splitlines(keepends=True)
NOISE = st.sampled_from(
    [
        "\t",
        " ",
        "  ",
        ":",
        "- ",
        "'",
        '"',
        "[",
        "{",
        "#",
        "&a",
        "*a",
        "~",
        "2027-02-30",
        "yes",
        "-1",
        "\n",
        "é",
        "\x00",
        "<<: *a",
    ]
)


@st.composite
def mangled_plans(draw: st.DrawFn) -> str:
    lines = list(LINES)
    for _ in range(draw(st.integers(1, 4))):
        i = draw(st.integers(0, len(lines) - 1))
        action = draw(st.sampled_from(["delete", "duplicate", "insert", "indent", "dedent"]))
        if action == "delete":
            del lines[i]
        elif action == "duplicate":
            lines.insert(i, lines[i])
        elif action == "insert":
            at = draw(st.integers(0, len(lines[i])))
            lines[i] = lines[i][:at] + draw(NOISE) + lines[i][at:]
        elif action == "indent":
            lines[i] = " " + lines[i]
        else:
            lines[i] = lines[i][1:]
        if not lines:
            break
    return "".join(lines)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(mangled_plans())
def test_mangled_plan_loads_or_lists_problems(text: str) -> None:
    try:
        load_plan_text(text, "plan.yaml", PLANS)
    except PlanError as error:
        assert error.problems
        for problem in error.problems:
            assert problem.file == "plan.yaml"
            assert problem.message
            assert "Traceback" not in problem.message
