"""Blank forms from the plan: generated for every site and milestone of both shipped plans,
filled as a site would, and taken in with no issue at all."""

from __future__ import annotations

import io
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import openpyxl  # type: ignore[import-untyped]
import pytest

from flows.forms import HEADER_ROW, LISTS_SHEET, MARKER_SHEET, build_form, prefilled
from flows.intake.engine import IntakeOptions, run_intake
from flows.plan import Plan, load_plan
from flows.plan.schema import Column, Milestone
from tests.conftest import CONFIG, SHIPPED_PLANS


def valid(column: Column, milestone: Milestone, choices: tuple[str, ...]) -> Any:
    """A value a careful site would type under ``column``."""
    if choices:
        return choices[0]
    if column.type in ("integer", "number"):
        low = column.min if isinstance(column.min, float | int) else 10
        return max(10, int(low))
    if column.type == "date":
        day = milestone.due - timedelta(days=3)
        low = column.min if isinstance(column.min, date) else day
        high = column.max if isinstance(column.max, date) else day
        return min(max(day, low), high)
    if column.type == "phone":
        return "0912345678"
    return "Nội dung báo cáo"


def fill(plan: Plan, milestone: Milestone, data: bytes) -> bytes:
    """The form filled in every empty cell of the site's row, saved by openpyxl."""
    form = plan.form_by_id(milestone.form)
    assert form is not None
    book = openpyxl.load_workbook(io.BytesIO(data))
    sheet = book.worksheets[0]
    site = plan.site_by_id(book[MARKER_SHEET]["B4"].value)
    assert site is not None
    cells = prefilled(plan, form, site)
    for number, column in enumerate(form.columns, start=1):
        cell = sheet.cell(HEADER_ROW + 1, number)
        assert sheet.cell(HEADER_ROW, number).value == column.label
        if cell.value is None:
            cell.value = valid(column, milestone, cells[column.key].choices)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


@pytest.mark.parametrize("plan_path", SHIPPED_PLANS, ids=lambda p: p.stem)
def test_filled_forms_are_taken_in_without_an_issue(plan_path: Path, tmp_path: Path) -> None:
    plan = load_plan(plan_path)
    inbox, state = tmp_path / "inbox", tmp_path / "state"
    inbox.mkdir()
    for milestone in sorted(plan.milestones, key=lambda m: m.due):
        for site in plan.sites_of(milestone):
            data = fill(plan, milestone, build_form(plan, milestone, site))
            (inbox / f"{milestone.id}-{site.id}.xlsx").write_bytes(data)
        taken = run_intake(plan, inbox, state, milestone.due, IntakeOptions(settle=0, min_age=0))
        assert len(taken) == len(plan.sites_of(milestone))
        for outcome in taken:
            shown = [(i.code, i.cell, i.message) for i in outcome.issues]
            assert (outcome.status, shown) == ("accepted", []), outcome.file
            assert outcome.milestone == milestone.id


def test_a_form_is_locked_where_prefilled_and_lists_its_choices(hai_duong: Plan) -> None:
    milestone = next(m for m in hai_duong.milestones if m.registration)
    site = hai_duong.sites_of(milestone)[0]
    book = openpyxl.load_workbook(io.BytesIO(build_form(hai_duong, milestone, site)))
    sheet = book.worksheets[0]
    assert sheet.protection.sheet and not sheet.protection.password
    assert book[LISTS_SHEET].sheet_state == "hidden"
    assert book[MARKER_SHEET].sheet_state == "hidden"
    form = hai_duong.form_by_id(milestone.form)
    assert form is not None
    row = HEADER_ROW + 1
    for number, column in enumerate(form.columns, start=1):
        cell = sheet.cell(row, number)
        if column.key == form.site_key:
            assert cell.value == hai_duong.site_name(site) and cell.protection.locked
        else:
            assert cell.value is None or column.type == "model"
        assert sheet.cell(HEADER_ROW, number).protection.locked
    child = form.child_key
    assert child is not None
    number = [c.key for c in form.columns].index(child) + 1
    letter = openpyxl.utils.get_column_letter(number)
    (validation,) = [
        v for v in sheet.data_validations.dataValidation if f"{letter}{row}" in str(v.sqref)
    ]
    assert validation.type == "list" and LISTS_SHEET in validation.formula1
    communes = [c.value for c in book[LISTS_SHEET][letter] if c.value]
    assert communes == [u.name for u in hai_duong.unit_of(site).unit.children]
    properties = {p.name: p.value for p in book.custom_doc_props.props}
    assert properties["mohinh.site"] == site.id
    assert properties["mohinh.form"] == form.id


def test_the_forms_command_writes_the_chosen_forms(tmp_path: Path) -> None:
    from typer.testing import CliRunner

    from flows.cli import app

    runner = CliRunner()
    plan = str(CONFIG / "plan.yaml")
    args = ["forms", "--plan", plan, "--outbox", str(tmp_path)]
    done = runner.invoke(app, [*args, "--milestone", "dang-ky", "--site", "cam-giang"])
    assert done.exit_code == 0, done.output
    assert [p.name for p in tmp_path.rglob("*.xlsx")] == ["bieu-mau-dang-ky-cam-giang.xlsx"]
    assert "Đã ghi 1 biểu mẫu" in done.stdout
    wrong = runner.invoke(app, [*args, "--milestone", "khong-co", "--site", "dau-do"])
    assert wrong.exit_code == 2
    assert "Không có mốc khong-co" in wrong.stderr and "Không có điểm dau-do" in wrong.stderr
