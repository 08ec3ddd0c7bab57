"""Checks across the parts of a plan: references, uniqueness, order, consistency.

Each check reads the parts that did validate (a broken item is left out, but its id still
counts as existing, so one mistake is reported once, not again at every reference).
"""

from __future__ import annotations

import contextlib
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import date
from typing import TypeVar

from flows.errors import PlanProblem
from flows.names import name_key, safe_name
from flows.plan.messages import closest
from flows.plan.schema import (
    Campaign,
    Column,
    Form,
    Issuer,
    Milestone,
    Model,
    Recognition,
    ReminderPolicy,
    ReportSettings,
    Site,
    SiteDefaults,
    Unit,
    Units,
    title_words,
)
from flows.plan.source import Path, Source, format_path
from flows.plan.units import UnitIndex

T = TypeVar("T")
Indexed = list[tuple[int, T]]

REQUIRED_DOCUMENTS = ("reminder", "report")
NUMERIC_TYPES = ("integer", "number")
BOUNDED_TYPES = ("integer", "number", "date")
_RULE = re.compile(r"^\s*([A-Za-z_][A-Za-z0-9_]*)\s*(<=|>=|==|!=|<|>)\s*(\S+)\s*$")


@dataclass
class Parts:
    """The sections of a plan that validated, with each list item's position in the file."""

    campaign: Campaign | None = None
    issuer: Issuer | None = None
    units: Units | None = None
    site_defaults: SiteDefaults | None = None
    reminders: ReminderPolicy | None = None
    recognition: Recognition | None = None
    report: ReportSettings | None = None
    models: Indexed[Model] = field(default_factory=list)
    sites: Indexed[Site] = field(default_factory=list)
    milestones: Indexed[Milestone] = field(default_factory=list)
    forms: Indexed[Form] = field(default_factory=list)
    raw_ids: dict[str, set[str]] = field(default_factory=dict)
    units_complete: bool = True
    raw_counts: dict[str, int] = field(default_factory=dict)
    inline_units: int = 0


@dataclass(frozen=True)
class ParsedRule:
    """``left op right`` from a rule's ``check`` text."""

    left: str
    op: str
    right: str | float


def parse_rule(check: str) -> ParsedRule | None:
    """Split ``"a <= b"`` or ``"a >= 0"``; ``None`` when the text is not such a comparison."""
    match = _RULE.match(check)
    if not match:
        return None
    right: str | float = match[3]
    with contextlib.suppress(ValueError):
        right = float(match[3].replace(",", "."))
    return ParsedRule(match[1], match[2], right)


class Checker:
    """Collects problems, each placed at the line of its key path."""

    def __init__(self, source: Source, parts: Parts) -> None:
        self.source = source
        self.parts = parts
        self.problems: list[PlanProblem] = []
        complete = parts.units is not None and parts.units_complete
        self.index = UnitIndex(parts.units) if parts.units and complete else None

    def add(self, path: Path, message: str) -> None:
        """Record a problem at ``path``."""
        self.problems.append(
            PlanProblem(self.source.file, self.source.line_of(path), format_path(path), message)
        )

    def run(self) -> list[PlanProblem]:
        """Run every check; return the problems found."""
        self.check_campaign()
        self.check_issuer()
        self.check_units()
        self.check_models()
        self.check_sites()
        self.check_reminders(("reminders",), self.parts.reminders)
        self.check_milestones()
        self.check_forms()
        self.check_recognition()
        self.check_report()
        return self.problems

    # --- helpers ---------------------------------------------------------------------

    def unique(
        self,
        section: str,
        items: Indexed[T],
        key: Callable[[T], str],
        what: str,
        in_file_names: bool = False,
    ) -> None:
        """Report items of ``section`` whose ``key`` repeats an earlier one; with
        ``in_file_names``, also one that names the same folder or file (``Diem_1`` and
        ``diem-1`` both give ``diem-1``: one site's documents would overwrite the other's)."""
        first: dict[str, tuple[int, str]] = {}
        for i, item in items:
            value = key(item)
            folded = safe_name(value) if in_file_names else value
            if folded not in first:
                first[folded] = (i, value)
                continue
            earlier, shown = first[folded]
            line = self.source.line_of((section, earlier))
            field = "id" if section != "models" else "code"
            if shown == value:
                self.add((section, i, field), f"{what} '{value}' bị trùng (đã dùng ở dòng {line})")
            else:
                self.add(
                    (section, i, field),
                    f"{what} '{value}' và '{shown}' (dòng {line}) cho cùng một tên thư mục, tệp "
                    f"'{folded}': văn bản của bên này sẽ ghi đè bên kia. Xin đổi một mã.",
                )

    def known(self, section: str, value: str, what: str, path: Path) -> bool:
        """Whether ``value`` names an item of ``section``; report it when it does not."""
        ids = self.parts.raw_ids.get(section, set())
        if value in ids:
            return True
        message = f"{what} '{value}' không có trong phần {section}"
        close = closest(value, ids)
        if close:
            message += f"; có phải '{close}'?"
        elif ids:
            message += f" (có: {', '.join(sorted(ids))})"
        self.add(path, message)
        return False

    # --- sections --------------------------------------------------------------------

    def check_campaign(self) -> None:
        campaign = self.parts.campaign
        if campaign and campaign.start and campaign.end and campaign.start > campaign.end:
            self.add(
                ("campaign", "end"),
                f"ngày kết thúc {campaign.end} sớm hơn ngày bắt đầu {campaign.start}",
            )

    def check_issuer(self) -> None:
        issuer = self.parts.issuer
        if issuer is None:
            return
        for kind in REQUIRED_DOCUMENTS:
            if kind not in issuer.documents:
                self.add(
                    ("issuer", "documents"),
                    f"thiếu thiết lập văn bản '{kind}' (ký hiệu số và nơi nhận)",
                )

    def check_units(self) -> None:
        """Names unique among siblings, codes unique; the gazetteer checks its own rows."""
        if self.parts.units is None:
            return
        codes: dict[str, str] = {}

        def visit(unit: Unit, path: Path, report: bool) -> None:
            seen: dict[str, str] = {}
            for i, child in enumerate(unit.children):
                key = name_key(child.name)
                where = (*path, "children", i)
                inline = report and (len(path) > 1 or i < self.parts.inline_units)
                if key in seen and inline:
                    self.add((*where, "name"), f"đơn vị '{child.name}' bị lặp trong '{unit.name}'")
                seen.setdefault(key, child.name)
                if child.code:
                    if child.code in codes and inline:
                        self.add(
                            (*where, "code"),
                            f"mã đơn vị '{child.code}' đã dùng cho '{codes[child.code]}'",
                        )
                    codes.setdefault(child.code, child.name)
                visit(child, where, inline)

        visit(self.parts.units, ("units",), True)

    def check_models(self) -> None:
        self.unique("models", self.parts.models, lambda m: m.code, "mã mô hình")

    def check_sites(self) -> None:
        sites = self.parts.sites
        self.unique("sites", sites, lambda s: s.id, "mã điểm", in_file_names=True)
        defaults = self.parts.site_defaults
        recipients: list[tuple[Path, str | None]] = [
            (("site_defaults", "recipient"), defaults.recipient if defaults else None)
        ]
        recipients += [(("sites", i, "recipient"), site.recipient) for i, site in sites]
        for path, recipient in recipients:
            try:
                (recipient or "").format(unit="")
            except (KeyError, IndexError, ValueError):
                self.add(path, "chỉ được dùng chỗ trống {unit} (tên đơn vị) trong 'recipient'")
        units_taken: dict[int, int] = {}
        for i, site in sites:
            if site.model is not None:
                self.known("models", site.model, "mô hình", ("sites", i, "model"))
            if self.index is None:
                continue
            lookup = self.index.lookup(site.unit)
            path = ("sites", i, "unit")
            if not lookup.found and name_key(site.unit) == name_key(self.index.root.name):
                self.add(
                    path,
                    f"'{site.unit}' là đơn vị gốc của kế hoạch (units.name); "
                    "điểm phải là một đơn vị cấp dưới",
                )
                continue
            if not lookup.found:
                message = f"không tìm thấy đơn vị '{site.unit}' trong danh mục đơn vị (units)"
                if lookup.suggestions:
                    message += f"; có phải '{lookup.suggestions[0]}'?"
                self.add(path, message)
                continue
            if len(lookup.found) > 1:
                paths = ", ".join(f"'{p.path}'" for p in lookup.found[:3])
                self.add(
                    path,
                    f"'{site.unit}' trùng tên nhiều đơn vị ({paths}); "
                    "hãy ghi rõ dạng 'Cấp trên/Đơn vị' hoặc dùng mã đơn vị",
                )
                continue
            unit = lookup.found[0].unit
            if site.choose_child and not unit.children:
                self.add(
                    ("sites", i, "choose_child"),
                    f"đơn vị '{unit.name}' không có đơn vị cấp dưới để chọn khi đăng ký",
                )
            if id(unit) in units_taken:
                line = self.source.line_of(("sites", units_taken[id(unit)]))
                self.add(
                    path,
                    f"đơn vị '{unit.name}' đã là một điểm khác (dòng {line}); "
                    "mỗi đơn vị chỉ là một điểm",
                )
            units_taken.setdefault(id(unit), i)

    def check_reminders(self, path: Path, policy: ReminderPolicy | None) -> None:
        if policy is None:
            return
        if len(set(policy.before_days)) != len(policy.before_days):
            self.add((*path, "before_days"), "có số ngày bị lặp lại")
        after = [level.after_days for level in policy.escalation]
        for j in range(1, len(after)):
            if after[j] <= after[j - 1]:
                self.add(
                    (*path, "escalation", j, "after_days"),
                    f"mỗi cấp đôn đốc phải sau cấp trước: {after[j]} không lớn hơn {after[j - 1]}",
                )

    def check_milestones(self) -> None:
        milestones = self.parts.milestones
        self.unique("milestones", milestones, lambda m: m.id, "mã mốc", in_file_names=True)
        campaign = self.parts.campaign
        previous: tuple[str, date] | None = None
        registrations: list[tuple[int, Milestone]] = []
        for i, milestone in milestones:
            self.known("forms", milestone.form, "biểu mẫu", ("milestones", i, "form"))
            if milestone.sites == []:
                self.add(
                    ("milestones", i, "sites"),
                    "danh sách điểm trống; bỏ dòng này nếu mọi điểm đều phải nộp",
                )
            for j, site_id in enumerate(milestone.sites or []):
                self.known("sites", site_id, "điểm", ("milestones", i, "sites", j))
            self.check_reminders(("milestones", i, "reminders"), milestone.reminders)
            if milestone.registration:
                registrations.append((i, milestone))
            if previous and milestone.due < previous[1]:
                self.add(
                    ("milestones", i, "due"),
                    f"hạn {milestone.due} sớm hơn hạn của mốc trước '{previous[0]}' "
                    f"({previous[1]}); các mốc phải xếp theo thứ tự thời gian",
                )
            previous = (milestone.id, milestone.due)
            if campaign and campaign.start and milestone.due < campaign.start:
                self.add(
                    ("milestones", i, "due"),
                    f"hạn {milestone.due} trước ngày bắt đầu kế hoạch {campaign.start}",
                )
            if campaign and campaign.end and milestone.due > campaign.end:
                self.add(
                    ("milestones", i, "due"),
                    f"hạn {milestone.due} sau ngày kết thúc kế hoạch {campaign.end}",
                )
        for i, _ in registrations[1:]:
            self.add(("milestones", i, "registration"), "chỉ được có một mốc đăng ký")
        choosing = [i for i, site in self.parts.sites if site.choose_child]
        all_valid = len(milestones) == self.parts.raw_counts.get("milestones", 0)
        if choosing and not registrations and milestones and all_valid:
            self.add(
                ("sites", choosing[0], "choose_child"),
                "điểm chọn đơn vị cấp dưới khi đăng ký nhưng không có mốc nào 'registration: true'",
            )
        forms = {f.id: f for _, f in self.parts.forms}
        for i, milestone in milestones:
            self.check_keywords(("milestones", i, "keywords"), milestone, forms.get(milestone.form))
        for i, registration in registrations[:1]:
            form = forms.get(registration.form)
            if choosing and form and not any(c.type == "unit" and c.within for c in form.columns):
                self.add(
                    ("milestones", i, "form"),
                    f"có điểm chọn đơn vị cấp dưới khi đăng ký, nên biểu mẫu '{form.id}' cần một "
                    "cột kiểu 'unit' có 'within' (đơn vị cấp dưới được chọn)",
                )

    def check_keywords(self, path: Path, milestone: Milestone, form: Form | None) -> None:
        """Each title keyword must tell its milestone from the others of its form: it is not
        in the form's title (which every file of the form carries), and it neither holds nor
        is held in a name or keyword of another milestone of the form."""
        title = title_words(form.title) if form else ""
        others = [
            phrase
            for _, m in self.parts.milestones
            if m.form == milestone.form and m.id != milestone.id
            for phrase in (m.name, *m.keywords)
            if title_words(phrase) not in title
        ]
        for j, keyword in enumerate(milestone.keywords):
            words = title_words(keyword)
            clash = next(
                (o for o in others if words in title_words(o) or title_words(o) in words), None
            )
            if words in title:
                self.add(
                    (*path, j),
                    f"từ khóa '{keyword}' có trong tên biểu mẫu '{milestone.form}', tệp nào của "
                    "biểu mẫu cũng có, nên không cho biết tệp báo cáo cho mốc nào",
                )
            elif clash is not None:
                self.add(
                    (*path, j),
                    f"từ khóa '{keyword}' lẫn với '{clash}' của một mốc khác cùng biểu mẫu "
                    f"'{milestone.form}' (cái này chứa cái kia), nên không phân biệt được hai mốc",
                )

    def check_forms(self) -> None:
        forms = self.parts.forms
        self.unique("forms", forms, lambda f: f.id, "mã biểu mẫu")
        for i, form in forms:
            self.check_form(("forms", i), form)

    def check_form(self, path: Path, form: Form) -> None:
        keys: dict[str, int] = {}
        labels: dict[str, str] = {}
        for j, column in enumerate(form.columns):
            where = (*path, "columns", j)
            if column.key in keys:
                self.add((*where, "key"), f"khóa cột '{column.key}' bị trùng")
            keys.setdefault(column.key, j)
            for text in (column.label, *column.aliases):
                key = name_key(text)
                if key in labels and labels[key] != column.key:
                    self.add(
                        (*where, "label" if text == column.label else "aliases"),
                        f"tên cột '{text}' trùng với cột '{labels[key]}'",
                    )
                labels.setdefault(key, column.key)
            self.check_column(where, form, column)
        unit_keys = [c.key for c in form.columns if c.type == "unit"]
        if form.site_column is not None:
            if form.site_column not in unit_keys:
                self.add(
                    (*path, "site_column"),
                    f"'{form.site_column}' không phải cột kiểu 'unit' của biểu mẫu",
                )
        elif not unit_keys:
            self.add(
                (*path, "columns"),
                "biểu mẫu cần ít nhất một cột kiểu 'unit' để biết đơn vị nào gửi",
            )
        for j, rule in enumerate(form.rules):
            self.check_rule((*path, "rules", j, "check"), form, rule.check)

    def check_column(self, where: Path, form: Form, column: Column) -> None:
        if column.type == "choice" and not column.choices:
            self.add((*where, "type"), "cột kiểu 'choice' cần danh sách 'choices'")
        if column.choices and column.type != "choice":
            self.add((*where, "choices"), "'choices' chỉ dùng cho cột kiểu 'choice'")
        if column.type == "model" and not self.parts.raw_ids.get("models"):
            self.add((*where, "type"), "cột kiểu 'model' nhưng kế hoạch không có mô hình nào")
        for bound in ("min", "max"):
            value = getattr(column, bound)
            if value is None:
                continue
            if column.type not in BOUNDED_TYPES:
                self.add((*where, bound), f"'{bound}' chỉ dùng cho cột số hoặc ngày")
            elif (column.type == "date") != isinstance(value, date):
                kind = "một ngày YYYY-MM-DD" if column.type == "date" else "một số"
                self.add((*where, bound), f"'{bound}' của cột kiểu '{column.type}' phải là {kind}")
            elif column.type == "integer" and not float(value).is_integer():
                self.add((*where, bound), f"'{bound}' của cột kiểu 'integer' phải là số nguyên")
        low, high = column.min, column.max
        if (isinstance(low, date) and isinstance(high, date) and low > high) or (
            isinstance(low, float) and isinstance(high, float) and low > high
        ):
            self.add((*where, "max"), f"'max' ({column.max}) nhỏ hơn 'min' ({column.min})")
        if column.within is not None:
            other = form.column(column.within)
            if column.type != "unit":
                self.add((*where, "within"), "'within' chỉ dùng cho cột kiểu 'unit'")
            elif other is None or other.type != "unit" or other.key == column.key:
                self.add(
                    (*where, "within"),
                    f"'{column.within}' không phải một cột kiểu 'unit' khác của biểu mẫu",
                )

    def check_rule(self, path: Path, form: Form, check: str) -> None:
        rule = parse_rule(check)
        if rule is None:
            self.add(
                path,
                f"quy tắc '{check}' cần dạng 'cột_a <= cột_b' hoặc 'cột_a >= 0' "
                "(phép so sánh: <, <=, ==, !=, >=, >)",
            )
            return
        left = form.column(rule.left)
        if left is None:
            self.add(path, f"quy tắc nhắc tới cột '{rule.left}' không có trong biểu mẫu")
            return
        if left.type not in BOUNDED_TYPES:
            self.add(
                path,
                f"quy tắc so sánh cột '{left.key}' kiểu '{left.type}'; "
                "chỉ so sánh được cột số hoặc ngày",
            )
            return
        if isinstance(rule.right, str) and re.match(
            r"^\d{1,4}[-/.]\d{1,2}[-/.]\d{1,4}$", rule.right
        ):
            self.add(
                path,
                f"quy tắc chỉ so sánh một cột với cột khác hoặc với một số, "
                f"không với ngày '{rule.right}' (dùng 'min'/'max' của cột ngày)",
            )
            return
        if isinstance(rule.right, str):
            right = form.column(rule.right)
            if right is None:
                self.add(path, f"quy tắc nhắc tới cột '{rule.right}' không có trong biểu mẫu")
            elif right.type not in BOUNDED_TYPES or (right.type == "date") != (left.type == "date"):
                self.add(
                    path,
                    f"không so sánh được cột '{left.key}' ({left.type}) với "
                    f"cột '{right.key}' ({right.type})",
                )
        elif left.type == "date":
            self.add(path, f"cột ngày '{left.key}' chỉ so sánh được với một cột ngày khác")

    def check_recognition(self) -> None:
        recognition = self.parts.recognition
        if recognition is None:
            return
        milestones = {m.id: m for _, m in self.parts.milestones}
        forms = {f.id: f for _, f in self.parts.forms}
        for j, requirement in enumerate(recognition.requires):
            path = ("recognition", "requires", j)
            if not self.known("milestones", requirement.milestone, "mốc", (*path, "milestone")):
                continue
            milestone = milestones.get(requirement.milestone)
            form = forms.get(milestone.form) if milestone else None
            if form is None:
                continue
            column = form.column(requirement.column)
            if column is None:
                self.add(
                    (*path, "column"), f"biểu mẫu '{form.id}' không có cột '{requirement.column}'"
                )
            elif column.type != "yes-no":
                self.add((*path, "column"), f"cột '{column.key}' phải là kiểu 'yes-no' (có/không)")

    def check_report(self) -> None:
        report = self.parts.report
        if report is None:
            return
        keys = {c.key for _, f in self.parts.forms for c in f.columns}
        for i, section in enumerate(report.sections):
            for j, key in enumerate(section.columns):
                if key not in keys:
                    self.add(
                        ("report", "sections", i, "columns", j),
                        f"không biểu mẫu nào có cột '{key}'",
                    )


def check_parts(source: Source, parts: Parts) -> list[PlanProblem]:
    """Every cross-part problem of ``parts``."""
    return Checker(source, parts).run()


def ids_in(raw: object, key: str) -> Iterable[str]:
    """The ``key`` values of the mappings in a raw list (valid or not)."""
    if isinstance(raw, list):
        for item in raw:
            if isinstance(item, dict) and isinstance(item.get(key), str):
                yield item[key].strip()
