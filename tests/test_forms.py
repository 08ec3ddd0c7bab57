"""Blank forms from the plan: generated for every site and milestone of both shipped plans,
filled as a site would, and taken in with no issue at all."""

from __future__ import annotations

import io
from collections.abc import Callable
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import openpyxl  # type: ignore[import-untyped]
import pytest

from flows.collation import unit_order_key
from flows.forms import HEADER_ROW, LISTS_SHEET, build_form, prefilled
from flows.intake.engine import IntakeOptions, run_intake
from flows.marker import SHEET as MARKER_SHEET
from flows.plan import Plan, load_plan
from flows.plan.schema import Column, Milestone
from tests.conftest import CONFIG, ROOT, SHIPPED_PLANS


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
    in_plan = [u.name for u in hai_duong.unit_of(site).unit.children]
    # every commune, in Vietnamese order of the names after their prefix (not the plan's)
    assert communes == sorted(in_plan, key=unit_order_key) != in_plan
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


# --- mistakes a site makes, and the marker ------------------------------------------------


def take_in(plan: Plan, milestone: Milestone, files: dict[str, bytes], root: Path) -> list[Any]:
    inbox = root / "inbox"
    inbox.mkdir(parents=True)
    for name, data in files.items():
        (inbox / name).write_bytes(data)
    return run_intake(plan, inbox, root / "state", milestone.due, IntakeOptions(0, 0))


def changed(plan: Plan, site_id: str, change: Callable[[Any], object]) -> tuple[bytes, Milestone]:
    """A site's registration form, filled, then changed as ``change`` says."""
    milestone = next(m for m in plan.milestones if m.registration)
    site = plan.site_by_id(site_id)
    assert site is not None
    data = fill(plan, milestone, build_form(plan, milestone, site))
    book = openpyxl.load_workbook(io.BytesIO(data))
    change(book)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue(), milestone


def column_of(plan: Plan, milestone: Milestone, key: str) -> int:
    form = plan.form_by_id(milestone.form)
    assert form is not None
    return [c.key for c in form.columns].index(key) + 1


def write(key: str, value: Any) -> Callable[[Any], object]:
    return lambda book: book.worksheets[0].cell(HEADER_ROW + 1, KEYS[key], value)


KEYS = {"huyen": 1, "xa": 2, "mo_hinh": 3, "so_kdc": 6, "so_ho": 7}


@pytest.mark.parametrize(
    ("mistake", "change", "expected"),
    [
        ("text in a number cell", write("so_ho", "nhiều"), ("rejected", "not_integer", "G7")),
        (
            "value outside the dropdown",
            write("xa", "Xã Không Có"),
            ("rejected", "unknown_unit", "B7"),
        ),
        (
            "deleted column",
            lambda book: book.worksheets[0].delete_cols(KEYS["so_kdc"]),
            ("rejected", "missing_column", None),
        ),
        (
            "extra title row",
            lambda book: book.worksheets[0].insert_rows(1),
            ("accepted", None, None),
        ),
    ],
)
def test_each_typical_mistake_gives_its_issue_and_cell(
    hai_duong: Plan,
    tmp_path: Path,
    mistake: str,
    change: Callable[[Any], object],
    expected: tuple[str, str | None, str | None],
) -> None:
    milestone = next(m for m in hai_duong.milestones if m.registration)
    for key, number in KEYS.items():
        assert column_of(hai_duong, milestone, key) == number
    data, milestone = changed(hai_duong, "cam-giang", change)
    (outcome,) = take_in(hai_duong, milestone, {"renamed by the site.xlsx": data}, tmp_path)
    status, code, cell = expected
    found = [(i.code, i.cell) for i in outcome.issues]
    assert outcome.status == status, mistake
    assert found == ([] if code is None else [(code, cell)]), mistake
    assert (outcome.site, outcome.milestone) == ("cam-giang", milestone.id)


def gia_loc_data(plan: Plan) -> Callable[[Any], object]:
    """Overwrite the site's row with Gia Lộc's unit, commune and model."""

    def change(book: Any) -> None:
        site = plan.site_by_id("gia-loc")
        assert site is not None and site.model is not None
        model = plan.model_by_code(site.model)
        assert model is not None
        sheet = book.worksheets[0]
        sheet.cell(HEADER_ROW + 1, KEYS["huyen"], plan.site_name(site))
        sheet.cell(HEADER_ROW + 1, KEYS["xa"], plan.unit_of(site).unit.children[0].name)
        sheet.cell(HEADER_ROW + 1, KEYS["mo_hinh"], model.name)

    return change


@pytest.mark.parametrize("keep_sheet", [True, False], ids=["marker sheet", "properties only"])
def test_a_form_filled_with_another_sites_data_is_a_warning(
    hai_duong: Plan, tmp_path: Path, keep_sheet: bool
) -> None:
    def change(book: Any) -> None:
        gia_loc_data(hai_duong)(book)
        if not keep_sheet:
            del book[MARKER_SHEET]

    data, milestone = changed(hai_duong, "cam-giang", change)
    (outcome,) = take_in(hai_duong, milestone, {"f.xlsx": data}, tmp_path)
    assert (outcome.status, outcome.site) == ("accepted", "gia-loc")
    assert [(i.code, i.severity, i.cell) for i in outcome.issues] == [
        ("marker_mismatch", "warning", "A7")
    ]
    assert "Huyện Cẩm Giàng" in outcome.issues[0].message


def test_a_form_of_an_older_version_or_another_plan_is_said(
    hai_duong: Plan, dong_ha: Plan, tmp_path: Path
) -> None:
    data, milestone = changed(hai_duong, "cam-giang", lambda book: None)
    newer = (
        (CONFIG / "plan.yaml")
        .read_text(encoding="utf-8")
        .replace("  - id: dang-ky\n    title:", "  - id: dang-ky\n    version: 2\n    title:", 1)
    )
    (tmp_path / "plan.yaml").write_text(newer, encoding="utf-8")
    for gazetteer in CONFIG.glob("*.csv"):
        (tmp_path / gazetteer.name).write_bytes(gazetteer.read_bytes())
    revised = load_plan(tmp_path / "plan.yaml")
    (outcome,) = take_in(revised, milestone, {"f.xlsx": data}, tmp_path / "old")
    assert outcome.status == "accepted"
    assert [i.code for i in outcome.issues] == ["old_form_version"]
    site = dong_ha.sites[0]
    other = build_form(dong_ha, dong_ha.milestones[0], site)
    (outcome,) = take_in(hai_duong, milestone, {"g.xlsx": other}, tmp_path / "other")
    assert outcome.status == "rejected"
    assert [i.code for i in outcome.issues][:1] == ["form_not_in_plan"]


@pytest.mark.slow
@pytest.mark.usefixtures("libreoffice")
def test_the_marker_survives_a_libreoffice_resave(hai_duong: Plan, tmp_path: Path) -> None:
    from flows.documents.pdf import convert

    right, milestone = changed(hai_duong, "cam-giang", lambda book: None)
    wrong, _ = changed(hai_duong, "cam-giang", gia_loc_data(hai_duong))
    files = []
    for name, data in {"right.xlsx": right, "wrong.xlsx": wrong}.items():
        (tmp_path / "lo" / name[:5]).mkdir(parents=True)
        files.append(tmp_path / "lo" / name[:5] / name)
        files[-1].write_bytes(data)
    converted, problems = convert(files, "xlsx")
    assert problems == [] and len(converted) == 2
    resaved = {p.name: p.read_bytes() for p in files}
    assert resaved["right.xlsx"] != right  # LibreOffice wrote its own file
    outcomes = {o.file: o for o in take_in(hai_duong, milestone, resaved, tmp_path / "intake")}
    assert (outcomes["right.xlsx"].status, outcomes["right.xlsx"].issues) == ("accepted", [])
    assert [i.code for i in outcomes["wrong.xlsx"].issues] == ["marker_mismatch"]
    # saved as .ods, the marker sheet carries it alone (no custom properties there)
    converted, problems = convert([files[1]], "ods")
    assert problems == []
    (ods,) = converted.values()
    (outcome,) = take_in(hai_duong, milestone, {ods.name: ods.read_bytes()}, tmp_path / "ods")
    assert (outcome.status, [i.code for i in outcome.issues]) == ("accepted", ["marker_mismatch"])


@pytest.mark.parametrize("plan_path", SHIPPED_PLANS, ids=lambda p: p.stem)
def test_the_guide_names_every_column_the_due_date_and_where_to_send(plan_path: Path) -> None:
    from flows.forms import GUIDE_SHEET

    plan = load_plan(plan_path)
    for milestone in plan.milestones:
        site = plan.sites_of(milestone)[-1]
        book = openpyxl.load_workbook(io.BytesIO(build_form(plan, milestone, site)))
        text = "\n".join(
            str(c.value) for row in book[GUIDE_SHEET].iter_rows() for c in row if c.value
        )
        form = plan.form_by_id(milestone.form)
        assert form is not None
        assert f"{milestone.due:%d/%m/%Y}" in text and plan.site_name(site) in text
        assert all(c.label in text for c in form.columns)
        for note in (plan.issuer.submit_to, form.description, milestone.description):
            assert note is None or note in text


# --- what a review found ------------------------------------------------------------------


def copied_plan(tmp_path: Path, source: Path, edits: list[tuple[str, str]]) -> Plan:
    """``source`` copied into ``tmp_path`` (with the gazetteers), edited, loaded."""
    text = source.read_text(encoding="utf-8")
    for old, new in edits:
        assert old in text, old
        text = text.replace(old, new)
    (tmp_path / source.name).write_text(text, encoding="utf-8")
    for gazetteer in source.parent.glob("*.csv"):
        (tmp_path / gazetteer.name).write_bytes(gazetteer.read_bytes())
    return load_plan(tmp_path / source.name)


def test_a_form_whose_id_is_a_reserved_sheet_name_is_still_taken_in(tmp_path: Path) -> None:
    minimal = ROOT / "tests" / "data" / "plans" / "minimal.yaml"
    plan = copied_plan(
        tmp_path, minimal, [("id: dang-ky\n", "id: mohinh\n"), ("form: dang-ky", "form: mohinh")]
    )
    milestone = next(m for m in plan.milestones if m.form == "mohinh")
    site = plan.sites_of(milestone)[0]
    data = fill(plan, milestone, build_form(plan, milestone, site))
    assert openpyxl.load_workbook(io.BytesIO(data)).sheetnames[0] != MARKER_SHEET
    (outcome,) = take_in(plan, milestone, {"f.xlsx": data}, tmp_path / "run")
    assert (outcome.status, outcome.issues) == ("accepted", [])


def test_control_characters_and_formulas_in_the_plan_stay_plain_text(tmp_path: Path) -> None:
    plan = copied_plan(tmp_path, CONFIG / "plan.yaml", [])
    csv = tmp_path / "haiduong_2017-10-15.csv"
    csv.write_text(
        csv.read_text(encoding="utf-8").replace("Thị trấn Lai Cách", "Thị trấn Lai\x01Cách"),
        encoding="utf-8",
    )
    plan = load_plan(tmp_path / "plan.yaml")
    milestone = next(m for m in plan.milestones if m.registration)
    site = plan.site_by_id("cam-giang")
    assert site is not None
    book = openpyxl.load_workbook(io.BytesIO(build_form(plan, milestone, site)))
    listed = [c.value for row in book[LISTS_SHEET].iter_rows() for c in row if c.value]
    assert "Thị trấn LaiCách" in listed
    run = service_remind(plan, tmp_path, milestone.due + timedelta(days=1))
    assert any(w.kind == "form" for w in run.written)


def service_remind(plan: Plan, root: Path, day: date) -> Any:
    from flows.documents import service

    options = service.DocumentOptions(pdf=False)
    return service.remind(plan, root / "state", root / "outbox", day, options)


@pytest.mark.parametrize(
    "changes",
    [
        {"version": "1e400"},
        {"version": "inf"},
        {"version": "-3"},
        {"site": "x" * 5000},
        {"form": None},
    ],
)
def test_a_forged_marker_is_ignored(changes: dict[str, Any]) -> None:
    from flows.marker import from_pairs

    good = {"plan": "p", "form": "f", "milestone": "m", "site": "s", "version": "1"}
    assert from_pairs(good) is not None
    assert from_pairs(good | changes) is None


def test_forms_are_never_written_into_the_inbox(tmp_path: Path) -> None:
    from typer.testing import CliRunner

    from flows.cli import app

    inbox = tmp_path / "inbox"
    args = ["forms", "--plan", str(CONFIG / "plan.yaml"), "--inbox", str(inbox)]
    done = CliRunner().invoke(app, [*args, "--outbox", str(inbox / "bieu-mau")])
    assert done.exit_code == 1
    assert "lồng nhau" in done.stderr
    assert not list(tmp_path.rglob("*.xlsx"))


def test_letters_say_how_long_is_left_for_what_is_not_yet_due(
    hai_duong: Plan, tmp_path: Path
) -> None:
    from tests.test_documents import docx_text

    run = service_remind(hai_duong, tmp_path, date(2017, 8, 28))
    texts = [docx_text(tmp_path / "outbox" / w.path) for w in run.written if w.kind == "reminder"]
    both = [t for t in texts if "Hội nghị triển khai" in t and "Đăng ký" in t]
    assert both, "a letter reminding of an overdue and an upcoming milestone"
    for text in both:
        assert "hạn 31/08/2017; chưa nhận được, còn 3 ngày nữa đến hạn." in text
        assert "đã quá hạn 3 ngày" not in text


def _cells(data: bytes) -> dict[str, list[tuple[Any, ...]]]:
    book = openpyxl.load_workbook(io.BytesIO(data))
    return {ws.title: list(ws.iter_rows(values_only=True)) for ws in book.worksheets}


@pytest.mark.parametrize("plan_file", SHIPPED_PLANS, ids=lambda p: p.name)
def test_many_forms_built_on_every_core_are_the_forms_built_here(plan_file: Path) -> None:
    from flows.forms import build_forms
    from flows.parallel import PARALLEL_FROM

    plan = load_plan(plan_file)
    wanted = [(m, s) for m in plan.milestones for s in plan.sites_of(m)]
    wanted = (wanted * PARALLEL_FROM)[:PARALLEL_FROM]  # enough to start workers
    spread = list(build_forms(plan, wanted, processes=2))
    assert [_cells(data) for data in spread] == [
        _cells(build_form(plan, milestone, site)) for milestone, site in wanted
    ]
