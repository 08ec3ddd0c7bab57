"""Plans in which two milestones share one form, made from the shipped plan and the test plan
(no shipped plan has one): a six-month report on the year-end report's form."""

from __future__ import annotations

from pathlib import Path

from flows.plan import Plan, load_plan_text
from tests.conftest import CONFIG, PLANS


def edited(path: Path, *replacements: tuple[str, str]) -> Plan:
    """The plan at ``path`` with each ``(old, new)`` replaced once."""
    text = path.read_text(encoding="utf-8")
    for old, new in replacements:
        assert text.count(old) == 1, old
        text = text.replace(old, new)
    return load_plan_text(text, path.name, path.parent)


def hai_duong_six_month() -> Plan:
    """Hải Dương 2017 with 'Báo cáo 6 tháng' (due 30/06/2017) on the form of the year-end
    report 'bao-cao', whose name is in the form's title, so only its keyword names it."""
    return edited(
        CONFIG / "plan.yaml",
        (
            "  - id: hoi-nghi\n    name:",
            "  - id: sau-thang\n    name: Báo cáo 6 tháng\n    due: 2017-06-30\n"
            "    form: bao-cao\n  - id: hoi-nghi\n    name:",
        ),
        (
            "    form: bao-cao\n    description:",
            "    form: bao-cao\n    keywords: [tổng kết năm]\n    description:",
        ),
    )


def minimal_six_month() -> Plan:
    """The test plan with 'Sơ kết 6 tháng' (due 30/06/2027, keyword 'giữa năm') for two of its
    three sites, on the form of 'Báo cáo' (due 20/11/2027, now for every site)."""
    return edited(
        PLANS / "minimal.yaml",
        (
            "  - id: bao-cao\n    name: Báo cáo\n",
            "  - id: so-ket\n    name: Sơ kết 6 tháng\n    due: 2027-06-30\n    form: bao-cao\n"
            "    sites: [an-binh, an-lac]\n    keywords: [giữa năm]\n"
            "  - id: bao-cao\n    name: Báo cáo\n",
        ),
        ("    sites: [an-binh, an-lac]\nforms:", "forms:"),
    )
