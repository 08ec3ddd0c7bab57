"""Validating a found table against the plan: every rule yields issues, nothing raises.

Each data row becomes a record of typed values for one site; a file is accepted only when no
row has an error. What the ledger already knows (who registered which unit, which records
exist) comes in as :class:`Known`, so this module stays free of the database.
"""

from __future__ import annotations

import operator
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from datetime import date
from typing import Any

from flows.intake.issues import Issue, error, warning
from flows.intake.preflight import FormulaCells
from flows.intake.sheet import CellValue, is_blank
from flows.intake.table import Table
from flows.intake.values import (
    Problem,
    formula_text,
    parse_choice,
    parse_date,
    parse_integer,
    parse_number,
    parse_phone,
    parse_text,
    parse_yes_no,
    shown,
)
from flows.names import fold_accents, name_key, suggest
from flows.plan.checks import parse_rule
from flows.plan.schema import Column, Form, Milestone, Model, Plan, Site
from flows.plan.units import Placed, in_sentence

Value = str | int | float | bool | date
MAX_ERRORS = 200
OPERATORS: dict[str, Callable[[Any, Any], bool]] = {
    "<": operator.lt,
    "<=": operator.le,
    "==": operator.eq,
    "!=": operator.ne,
    ">=": operator.ge,
    ">": operator.gt,
}


@dataclass(frozen=True)
class Prior:
    """An accepted record already in the ledger."""

    values: dict[str, Any]
    day: date
    file: str


@dataclass
class Known:
    """What the ledger knows before this file: current records by (site, milestone).

    With ``load``, ``records`` holds only the sites asked about so far: the first question
    about a site loads that site's records (``load([site])``). An intake then reads what its
    files speak of, not a national ledger's every record."""

    records: dict[tuple[str, str], Prior] = field(default_factory=dict)
    load: Callable[[list[str]], dict[tuple[str, str], Prior]] | None = None
    loaded: set[str] = field(default_factory=set)

    def prior(self, site: str, milestone: str) -> Prior | None:
        """The current record of ``site`` for ``milestone``, if any."""
        self._load(site)
        return self.records.get((site, milestone))

    def add(self, site: str, milestone: str, prior: Prior) -> None:
        """A record just accepted becomes the current one."""
        self._load(site)
        self.records[(site, milestone)] = prior

    def _load(self, site: str) -> None:
        if self.load is not None and site not in self.loaded:
            self.loaded.add(site)
            for key, prior in self.load([site]).items():
                self.records.setdefault(key, prior)


@dataclass(frozen=True)
class Record:
    """One accepted row: a site's values for a milestone."""

    site: str
    milestone: str
    row: int
    values: dict[str, Value]

    def stored_values(self) -> dict[str, Any]:
        """The values as the ledger stores them (dates as ``YYYY-MM-DD``)."""
        return {k: v.isoformat() if isinstance(v, date) else v for k, v in self.values.items()}


@dataclass
class Submission:
    """The outcome of validating one table."""

    form: Form
    milestone: Milestone | None
    records: list[Record] = field(default_factory=list)
    issues: list[Issue] = field(default_factory=list)
    late_days: int = 0
    sites: list[str] = field(default_factory=list)


def milestone_for(plan: Plan, form: Form, titles: str) -> Milestone | None:
    """The milestone a file of ``form`` answers when that is certain: the form's only one, or
    the one its title block names (by name or keyword); else ``None``."""
    using = [m for m in plan.milestones if m.form == form.id]
    if len(using) == 1:
        return using[0]
    named = [m for m in using if m.named_in(titles, ignore=form.title)]
    return named[0] if len(named) == 1 else None


def window_of(plan: Plan, form: Form, as_of: date) -> Milestone | None:
    """The milestone of ``form`` whose window ``as_of`` falls in: the first not yet due, else
    the last."""
    using = [m for m in plan.milestones if m.form == form.id]
    upcoming = [m for m in using if m.due >= as_of]
    return upcoming[0] if upcoming else (using[-1] if using else None)


def owed_by(plan: Plan, window: Milestone, sites: list[str], known: Known) -> Milestone:
    """The milestone an untitled file from ``sites`` answers when it arrives in ``window``:
    the earliest of the same form up to ``window`` that one of them still owes (sends, and
    has no accepted record of); else ``window``, unless none of them sends it: then their
    next milestone of the form (else their last)."""
    using = [m for m in plan.milestones if m.form == window.form]
    senders = {
        m.id: [s for s in sites if (found := plan.site_by_id(s)) and plan.sends(found, m)]
        for m in using
    }
    for milestone in using[: using.index(window) + 1]:
        if any(known.prior(site, milestone.id) is None for site in senders[milestone.id]):
            return milestone
    theirs = [m for m in using if senders[m.id]]
    if not theirs or senders[window.id]:
        return window
    ahead = [m for m in theirs if m.due >= window.due]
    return ahead[0] if ahead else theirs[-1]


def guessed(chosen: Milestone, window: Milestone) -> Issue:
    """The warning that an untitled file was counted for an earlier milestone it owes."""
    return warning(
        "milestone_guessed",
        "Phần tiêu đề của tệp không cho biết tệp báo cáo cho mốc nào, nên tệp được tính cho "
        f"mốc '{chosen.name}' (hạn {chosen.due:%d/%m/%Y}), mốc mà đơn vị chưa nộp. Nếu đây là "
        f"báo cáo cho mốc '{window.name}' (hạn {window.due:%d/%m/%Y}), xin ghi tên mốc đó vào "
        "phần tiêu đề phía trên bảng rồi gửi lại.",
    )


class Validator:
    """Checks the rows of one table; use :func:`validate_table`."""

    def __init__(
        self, plan: Plan, table: Table, milestone: Milestone | None, formulas: FormulaCells
    ) -> None:
        self.plan = plan
        self.table = table
        self.form = table.form
        self.milestone = milestone
        self.formulas = formulas
        self.sheet = table.sheet.name or None
        self.issues: list[Issue] = []
        self.errors = 0
        self.sites: list[str] = []

    def add(
        self,
        problem: Problem,
        row: int | None = None,
        column: int | None = None,
        value: CellValue = None,
        severity: str = "error",
    ) -> None:
        """Place ``problem`` at a cell of this table."""
        self.errors += severity == "error"
        make = error if severity == "error" else warning
        self.issues.append(
            make(
                problem.code,
                problem.message,
                sheet=self.sheet,
                row=row,
                column=column,
                value=None if is_blank(value) else shown(value),
                suggestion=problem.suggestion,
            )
        )

    # --- one row ----------------------------------------------------------------------------

    def row(self, row: int) -> Record | None:
        """The record of ``row``, or ``None`` when it has errors."""
        before, first_issue = self.errors, len(self.issues)
        values: dict[str, Value] = {}
        placed: dict[str, Placed] = {}
        site: Site | None = None
        for column in self.form.columns:
            excel_column = self.table.column_of(column.key)
            if excel_column is None:
                continue
            value = self.cell(row, excel_column, column)
            if value is None:
                continue
            if column.type == "unit":
                unit = self.unit(row, excel_column, column, placed)
                if unit is None:
                    continue
                placed[column.key] = unit
                value = unit.unit.name
                if column.key == self.form.site_key:
                    site = self.site(row, excel_column, unit)
                    if site is not None and site.id not in self.sites:
                        self.sites.append(site.id)
            elif column.type == "model":
                model = self.model(row, excel_column, str(value))
                if model is None:
                    continue
                value = model.code
            values[column.key] = value
        if site is not None:
            self.assigned_model(row, site, values, first_issue)
        self.rules(row, values)
        if site is None or self.errors > before:
            return None
        return Record(site.id, self.milestone.id if self.milestone else "", row, values)

    def cell(self, row: int, column: int, spec: Column) -> Value | None:
        """The typed value of one cell, or ``None`` (with an issue when that is wrong)."""
        raw = self.table.sheet.value(row, column)
        formula = self.formulas.get((self.table.sheet.name, row, column))
        if formula is not None:
            self.add(
                Problem(
                    "formula_no_value",
                    f"Ô có công thức {formula} nhưng tệp không lưu kết quả của công thức (tệp "
                    "chưa từng được mở và lưu bằng Excel). Xin ghi thẳng giá trị vào ô.",
                ),
                row,
                column,
                formula,
            )
            return None
        if is_blank(raw):
            if spec.required:
                self.add(
                    Problem("missing_value", f"Ô còn trống; cột '{spec.label}' bắt buộc phải ghi."),
                    row,
                    column,
                )
            return None
        if formula_text(raw):
            self.add(
                Problem(
                    "formula_text",
                    f"Ô chứa công thức {shown(raw)} thay vì giá trị. Xin ghi thẳng giá trị.",
                ),
                row,
                column,
                raw,
            )
            return None
        value = parse_value(raw, spec)
        if isinstance(value, Problem):
            self.add(value, row, column, raw)
            return None
        bound = out_of_bounds(value, spec)
        if bound is not None:
            self.add(bound, row, column, raw)
            return None
        return value

    def unit(self, row: int, column: int, spec: Column, placed: dict[str, Placed]) -> Placed | None:
        """The unit a cell names; inside the unit of the column it is ``within``."""
        text = str(self.table.sheet.value(row, column))
        index = self.plan.unit_index
        parent = placed.get(spec.within) if spec.within else None
        if spec.within and parent is None:
            return None  # the parent cell already has its issue
        lookup = index.lookup(text, within=parent.unit if parent else None)
        if spec.key == self.form.site_key and len(lookup.found) > 1:
            sites = [p for p in lookup.found if self.plan.site_at(p.unit)]
            if len(sites) == 1:
                return sites[0]
        if len(lookup.found) == 1:
            return lookup.found[0]
        if lookup.found:
            options = "; ".join(p.path for p in lookup.found[:4])
            self.add(
                Problem(
                    "ambiguous_unit",
                    f"'{text}' có thể là nhiều đơn vị: {options}. Xin ghi "
                    "rõ cấp (huyện, xã, thị trấn…).",
                ),
                row,
                column,
                text,
            )
            return None
        if parent is not None:
            elsewhere = index.lookup(text).found
            if elsewhere:
                self.add(
                    Problem(
                        "unit_outside",
                        f"'{text}' không thuộc {in_sentence(parent.unit.name)} "
                        f"(mà thuộc {elsewhere[0].parents[-1].name}).",
                        next(iter(index.suggest(text, parent.unit)), None),
                    ),
                    row,
                    column,
                    text,
                )
                return None
        where = f" trong {in_sentence(parent.unit.name)}" if parent else " trong danh mục"
        candidates = lookup.suggestions
        if spec.key == self.form.site_key:
            candidates = self.plan.suggest_site_unit(text)
            candidates = candidates or lookup.suggestions
        hint = f" Có phải '{candidates[0]}'?" if candidates else ""
        self.add(
            Problem(
                "unknown_unit",
                f"Không có đơn vị '{text}'{where}.{hint}",
                candidates[0] if candidates else None,
            ),
            row,
            column,
            text,
        )
        return None

    def site(self, row: int, column: int, unit: Placed) -> Site | None:
        """The plan's site for the sending unit."""
        site = self.plan.site_at(unit.unit)
        if site is None:
            self.add(
                Problem("unknown_site", f"{unit.unit.name} không phải điểm của kế hoạch này."),
                row,
                column,
                unit.unit.name,
            )
            return None
        if self.milestone and not self.plan.sends(site, self.milestone):
            self.add(
                Problem(
                    "site_not_in_milestone",
                    f"{self.plan.site_name(site)} không phải nộp '{self.milestone.name}'.",
                ),
                row,
                column,
                unit.unit.name,
            )
        return site

    def model(self, row: int, column: int, text: str) -> Model | None:
        """The plan's model a cell names, by code or by name."""
        found = find_model(self.plan, text)
        if isinstance(found, Problem):
            self.add(found, row, column, text)
            return None
        return found

    def assigned_model(
        self, row: int, site: Site, values: dict[str, Value], first_issue: int
    ) -> None:
        """The model a row names must be the one the plan assigns to its site; that model is
        the suggestion for it, and for a model not in the plan (issues from ``first_issue``)."""
        assigned = self.plan.model_by_code(site.model or "")
        if assigned is None:
            return
        told = f"Kế hoạch giao cho {self.plan.site_name(site)} mô hình {assigned.code} "
        told += f"({assigned.name})"
        for i, issue in enumerate(self.issues[first_issue:], start=first_issue):
            if issue.code == "unknown_model":
                message = f"{issue.message} {told}."
                self.issues[i] = replace(issue, message=message, suggestion=assigned.code)
        for spec in self.form.columns:
            given = values.get(spec.key)
            if spec.type != "model" or given in (None, assigned.code):
                continue
            column = self.table.column_of(spec.key) or 0
            self.add(
                Problem("wrong_model", f"{told}, không phải {given}.", assigned.code),
                row,
                column,
                self.table.sheet.value(row, column),
            )

    def label(self, key: str) -> str:
        """The label staff gave a column, as the sender sees it in the header."""
        column = self.form.column(key)
        return column.label if column else key

    def rules(self, row: int, values: dict[str, Value]) -> None:
        """The form's cross-field rules, where both sides were read."""
        for rule in self.form.rules:
            parsed = parse_rule(rule.check)
            if parsed is None or parsed.left not in values:
                continue
            right = parsed.right if isinstance(parsed.right, float) else values.get(parsed.right)
            left = values[parsed.left]
            if right is None:
                continue
            try:
                holds = OPERATORS[parsed.op](left, right)
            except TypeError:
                continue
            if not holds:
                column = self.table.column_of(parsed.left)
                message = rule.message or f"Không thỏa quy tắc {rule.check}"
                sides = f"{self.label(parsed.left)} = {shown(left)}"
                if isinstance(parsed.right, str):
                    sides += f", {self.label(parsed.right)} = {shown(right)}"
                self.add(
                    Problem("rule_failed", f"{message} ({sides})."),
                    row,
                    column,
                    left,
                )


def parse_value(raw: CellValue, spec: Column) -> Value | Problem:
    """A cell's value read as its column's type (units and models are looked up later)."""
    if spec.type == "integer":
        return parse_integer(raw)
    if spec.type == "number":
        return parse_number(raw)
    if spec.type == "date":
        return parse_date(raw)
    if spec.type == "yes-no":
        return parse_yes_no(raw)
    if spec.type == "phone":
        return parse_phone(raw)
    if spec.type == "choice":
        return parse_choice(raw, spec.choices)
    return parse_text(raw)


def out_of_bounds(value: Value, spec: Column) -> Problem | None:
    """``below_min``/``above_max`` when a number or date leaves the column's range."""
    if isinstance(value, bool) or not isinstance(value, int | float | date):
        return None
    low, high = spec.min, spec.max
    if isinstance(value, date):
        low = low if isinstance(low, date) else None
        high = high if isinstance(high, date) else None
    elif isinstance(low, date) or isinstance(high, date):
        return None
    if low is not None and value < low:  # type: ignore[operator]
        return Problem(
            "below_min",
            f"{shown(value)} nhỏ hơn mức thấp nhất {shown(low)} của cột '{spec.label}'.",
        )
    if high is not None and value > high:  # type: ignore[operator]
        return Problem(
            "above_max",
            f"{shown(value)} lớn hơn mức cao nhất {shown(high)} của cột '{spec.label}'.",
        )
    return None


def find_model(plan: Plan, text: str) -> Model | Problem:
    """The model named by its code (a short code) or its name; a near miss is only a suggestion."""
    key = name_key(text)
    for model in plan.models:
        if key in (model.code.casefold(), name_key(model.name)):
            return model
    folded = fold_accents(key)
    near = [m.code for m in plan.models if fold_accents(name_key(m.name)) == folded]
    near = near or suggest(text, [m.code for m in plan.models])
    codes = ", ".join(m.code for m in plan.models)
    return Problem(
        "unknown_model",
        f"Không có mô hình '{text}' trong kế hoạch (các mô hình: {codes}).",
        near[0] if near else None,
    )


def validate_table(
    plan: Plan,
    table: Table,
    formulas: FormulaCells,
    known: Known,
    as_of: date,
    titles: str = "",
    milestone: Milestone | None = None,
) -> Submission:
    """Every row of ``table`` checked against ``plan`` and what the ledger ``known``. The
    milestone is ``milestone`` (a blank form's marker names it), else the one the title block
    names, else the one the rows' sites owe (:func:`owed_by`): the rows are then checked
    once for the milestone of the date's window, and again if their sites owe another."""
    certain = milestone or milestone_for(plan, table.form, titles)
    window = certain or window_of(plan, table.form, as_of)
    submission = _validated(plan, table, formulas, known, as_of, window)
    if certain is not None or window is None:
        return submission
    chosen = owed_by(plan, window, submission.sites, known)
    if chosen is window:
        return submission
    plausible = any(
        (found := plan.site_by_id(s)) and plan.sends(found, window) for s in submission.sites
    )
    notes = [guessed(chosen, window)] if plausible else []
    return _validated(plan, table, formulas, known, as_of, chosen, notes)


def _validated(
    plan: Plan,
    table: Table,
    formulas: FormulaCells,
    known: Known,
    as_of: date,
    milestone: Milestone | None,
    notes: list[Issue] | None = None,
) -> Submission:
    checker = Validator(plan, table, milestone, formulas)
    checker.issues.extend(table.issues)
    submission = Submission(table.form, milestone)
    first_row: dict[str, int] = {}
    for row in table.rows:
        if checker.errors >= MAX_ERRORS:
            checker.issues.append(
                error(
                    "too_many_errors",
                    f"Đã có {checker.errors} lỗi nên dừng kiểm tra từ dòng {row}. Xin xem lại "
                    "cách ghi (có đúng mẫu không) rồi gửi lại.",
                    sheet=checker.sheet,
                    row=row,
                )
            )
            break
        record = checker.row(row)
        if record is None:
            continue
        if record.site in first_row:
            column = table.column_of(table.form.site_key or "")
            checker.add(
                Problem(
                    "duplicate_row",
                    f"Dòng {row} lặp lại đơn vị của dòng {first_row[record.site]}: mỗi đơn vị "
                    "chỉ ghi một dòng.",
                ),
                row,
                column,
                table.sheet.value(row, column or 0),
            )
            continue
        first_row[record.site] = row
        submission.records.append(record)
    checker.issues.extend(notes or [])
    if milestone is not None:
        for record in submission.records:
            history_warnings(plan, checker, milestone, record, known)
        submission.late_days = (as_of - milestone.due).days
        if submission.late_days > 0:
            checker.issues.append(
                warning(
                    "late",
                    f"Nộp ngày {as_of:%d/%m/%Y}, sau hạn {milestone.due:%d/%m/%Y} của "
                    f"'{milestone.name}' {submission.late_days} ngày: vẫn được nhận, ghi là nộp "
                    "muộn.",
                )
            )
    submission.issues = checker.issues
    submission.sites = checker.sites
    return submission


def history_warnings(
    plan: Plan, checker: Validator, milestone: Milestone, record: Record, known: Known
) -> None:
    """Not registered, a unit other than the registered one, a new version of a record."""
    site = plan.site_by_id(record.site)
    name = plan.site_name(site) if site else record.site
    registration = next((m for m in plan.milestones if m.registration), None)
    if registration is not None and registration is not milestone:
        registered = known.prior(record.site, registration.id)
        if registered is None:
            checker.add(
                Problem(
                    "not_registered",
                    f"{name} chưa có bản đăng ký ('{registration.name}') được nhận: mô hình "
                    "không đăng ký sẽ không được công nhận.",
                ),
                record.row,
                severity="warning",
            )
        else:
            chosen = _chosen_unit(plan, registration, registered.values)
            key = checker.form.child_key
            now = record.values.get(key) if key else None
            if chosen and now and name_key(str(now)) != name_key(chosen):
                checker.add(
                    Problem(
                        "unit_changed",
                        f"{name} đã đăng ký {chosen}, nhưng tệp này ghi {now}.",
                        chosen,
                    ),
                    record.row,
                    checker.table.column_of(key or ""),
                    str(now),
                    severity="warning",
                )
    prior = known.prior(record.site, milestone.id)
    if prior is not None:
        checker.add(
            Problem(
                "new_version",
                f"Bản này thay cho bản của {name} đã nhận ngày {prior.day:%d/%m/%Y} "
                f"(tệp '{prior.file}'); bản cũ vẫn được lưu.",
            ),
            record.row,
            severity="warning",
        )


def _chosen_unit(plan: Plan, registration: Milestone, values: dict[str, Any]) -> str | None:
    form = plan.form_by_id(registration.form)
    key = form.child_key if form else None
    chosen = values.get(key) if key else None
    return str(chosen) if chosen else None
