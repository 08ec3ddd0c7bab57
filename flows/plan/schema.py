"""The plan as data: pydantic models for everything a campaign plan holds.

Structure and types live here; references between parts (a site's model exists, due dates
in order...) are checked in ``flows.plan.checks`` so that every problem gets its own line.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any, Literal

from pydantic import (
    AfterValidator,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    PrivateAttr,
    model_validator,
)

from flows.names import nfc
from flows.plan.cron import cron_problem
from flows.plan.types import (
    Id,
    Key,
    Lines,
    PlanDate,
    Text,
    TimeZone,
    as_list,
    fail,
    parse_plan_date,
)

if TYPE_CHECKING:
    from flows.names import NameFinder
    from flows.plan.units import Placed, UnitIndex

DocumentKind = Literal["reminder", "feedback", "report"]
ColumnType = Literal[
    "text", "integer", "number", "date", "yes-no", "choice", "unit", "model", "phone"
]
Operator = Literal["<", "<=", "==", "!=", ">=", ">"]

DEFAULT_TIMEZONE = "Asia/Ho_Chi_Minh"
_WORD = re.compile(r"\w+")
ALL_SITES_WORDS = ("all", "tất cả")


class Strict(BaseModel):
    """Base: unknown keys are errors, values are immutable once loaded."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    @model_validator(mode="before")
    @classmethod
    def _empty_means_default(cls, data: Any) -> Any:
        """A key left empty (``key:``) takes its default; a required one stays an error."""
        if not isinstance(data, dict):
            return data
        fields = cls.model_fields
        return {
            k: v
            for k, v in data.items()
            if v is not None or (k in fields and fields[k].is_required()) or k not in fields
        }


# --- campaign and issuing body ------------------------------------------------------------


class Campaign(Strict):
    """What the plan is: its id, its title, its time zone."""

    id: Id
    title: Text
    reference: Text | None = None
    timezone: TimeZone = DEFAULT_TIMEZONE
    start: PlanDate | None = None
    end: PlanDate | None = None


class Signer(Strict):
    """The signature block: authority line, title and name."""

    authority: Text
    title: Text
    name: Text | None = None


class DocumentSettings(Strict):
    """Per document kind: the number symbol ("CV-MTTQ-BTT") and the "Nơi nhận" list."""

    symbol: Text
    recipients: list[Text] = Field(default_factory=list)


class Issuer(Strict):
    """The issuing body as printed in the letterhead."""

    parent: Lines
    name: Text
    place: Text
    department: Text | None = None
    submit_to: Text | None = None
    in_text: Text | None = None
    signer: Signer
    documents: dict[DocumentKind, DocumentSettings]


# --- models, units, sites -----------------------------------------------------------------


class Model(Strict):
    """A model (mô hình) that sites build or replicate."""

    code: Id
    name: Text
    description: Text | None = None


class Unit(Strict):
    """An administrative unit; ``children`` nest to any depth."""

    name: Text
    code: Id | None = None
    children: list[Unit] = Field(default_factory=list)

    def walk(self, parents: tuple[Unit, ...] = ()) -> list[tuple[tuple[Unit, ...], Unit]]:
        """Every unit below this one, each with its chain of parents, depth first."""
        found: list[tuple[tuple[Unit, ...], Unit]] = []
        for child in self.children:
            found.append(((*parents, self), child))
            found.extend(child.walk((*parents, self)))
        return found


class GazetteerLevel(Strict):
    """One level of the gazetteer CSV: the column with the name, optionally one with a code."""

    column: Text
    code_column: Text | None = None


class Gazetteer(Strict):
    """A CSV listing units, one row per lowest-level unit, one column per level."""

    file: Text
    levels: Annotated[list[GazetteerLevel], Field(min_length=1)]


class Units(Unit):
    """The root unit (the province or city running the campaign) and where its units come from."""

    gazetteer: Gazetteer | None = None


class Contact(Strict):
    """Who to call at a site."""

    name: Text | None = None
    phone: Text | None = None
    email: Text | None = None


class Site(Strict):
    """A pilot site: the unit that reports, and the model assigned to it."""

    id: Id
    unit: Text
    name: Text | None = None
    choose_child: bool = False
    model: Id | None = None
    recipient: Text | None = None
    contact: Contact | None = None


class SiteDefaults(Strict):
    """Values every site takes unless it sets its own; ``{unit}`` is the unit's name."""

    recipient: Text | None = None


# --- milestones and forms -----------------------------------------------------------------


class EscalationLevel(Strict):
    """A reminder sent ``after_days`` days after the due date."""

    after_days: Annotated[int, Field(ge=0)]
    label: Text | None = None


class ReminderPolicy(Strict):
    """When reminders go out: days before the due date, then escalating after it."""

    before_days: list[Annotated[int, Field(ge=1)]] = Field(default_factory=list)
    escalation: list[EscalationLevel] = Field(default_factory=list)


def title_words(text: str) -> str:
    """``"Sơ kết (6 THÁNG)"`` -> ``" sơ kết 6 tháng "``: how titles are searched for phrases."""
    return f" {' '.join(_WORD.findall(nfc(text).casefold()))} "


def _all_sites(value: Any) -> Any:
    if isinstance(value, str) and value.strip().casefold() in ALL_SITES_WORDS:
        return None
    return value


class Milestone(Strict):
    """A deadline at which sites send one form."""

    id: Id
    name: Text
    due: PlanDate
    form: Id
    registration: bool = False
    sites: Annotated[list[Id] | None, BeforeValidator(_all_sites)] = None
    reminders: ReminderPolicy | None = None
    description: Text | None = None
    keywords: Annotated[list[Text], BeforeValidator(as_list)] = Field(default_factory=list)

    def named_in(self, titles: str, ignore: str = "") -> bool:
        """Whether a file's title block names this milestone: its name or one of its keywords,
        as whole words, case aside; a phrase also in ``ignore`` (the form's own title, which
        every file of the form carries) names nothing."""
        words, ignored = title_words(titles), title_words(ignore)
        phrases = map(title_words, (self.name, *self.keywords))
        return any(p in words and p not in ignored for p in phrases)


def _bound(value: Any) -> Any:
    if value is None or isinstance(value, float | int | date):
        return value
    text = str(value).strip()
    if len(text) == 10 and text[4:5] == "-":
        return parse_plan_date(text)
    try:
        return float(text)
    except ValueError:
        raise fail("'{value}' không phải số hay ngày YYYY-MM-DD", value=text) from None


Bound = Annotated[float | date | None, BeforeValidator(_bound)]


class Column(Strict):
    """One column of a form."""

    key: Key
    label: Text
    type: ColumnType = "text"
    aliases: Annotated[list[Text], BeforeValidator(as_list)] = Field(default_factory=list)
    required: bool = False
    min: Bound = None
    max: Bound = None
    choices: list[Text] = Field(default_factory=list)
    within: Key | None = None
    description: Text | None = None


class Rule(Strict):
    """A cross-field rule: ``check: "a <= b"`` (a column key or a number on the right)."""

    check: Text
    message: Text | None = None


class Form(Strict):
    """What a milestone's spreadsheet must contain."""

    id: Id
    title: Text
    version: Annotated[int, Field(ge=1)] = 1
    description: Text | None = None
    site_column: Key | None = None
    columns: Annotated[list[Column], Field(min_length=1)]
    rules: list[Rule] = Field(default_factory=list)

    def column(self, key: str) -> Column | None:
        """The column with ``key``, if any."""
        return next((c for c in self.columns if c.key == key), None)

    @property
    def site_key(self) -> str | None:
        """The column naming the sending site: ``site_column``, else the first ``unit`` column
        without ``within``, else the first ``unit`` column."""
        if self.site_column:
            return self.site_column
        units = [c for c in self.columns if c.type == "unit"]
        top = [c for c in units if c.within is None] or units
        return top[0].key if top else None

    @property
    def child_key(self) -> str | None:
        """The column naming the unit a site chose: a ``unit`` column within the site's."""
        site_key = self.site_key
        return next(
            (c.key for c in self.columns if c.type == "unit" and c.within == site_key), None
        )


# --- schedules and recognition ------------------------------------------------------------


def _cron(value: str) -> str:
    problem = cron_problem(value)
    if problem:
        raise fail(problem)
    return value


def _schedule(value: Any) -> Any:
    return {"cron": value} if isinstance(value, str) else value


class Schedule(Strict):
    """A cron schedule in the plan's time zone (or its own)."""

    cron: Annotated[Text, AfterValidator(_cron)]
    timezone: TimeZone | None = None
    after_due_days: list[Annotated[int, Field(ge=0)]] = Field(default_factory=list)


ScheduleField = Annotated[Schedule | None, BeforeValidator(_schedule)]


class Schedules(Strict):
    """When the engine runs each job."""

    intake: ScheduleField = None
    remind: ScheduleField = None
    report: ScheduleField = None


class Requirement(Strict):
    """A yes-no column of a milestone's form that must say yes before recognition."""

    milestone: Id
    column: Key


class Recognition(Strict):
    """What a site needs before inspection and recognition, beyond every milestone accepted."""

    requires: list[Requirement] = Field(default_factory=list)


class ReportSection(Strict):
    """A heading of the consolidated report and the free-text columns compiled under it."""

    title: Text
    columns: list[Key] = Field(default_factory=list)
    figures: bool = False


def _default_sections() -> list[ReportSection]:
    # The usual outline of a Front report (seed 004); a plan names its own columns under it.
    return [
        ReportSection(title="Công tác chỉ đạo, triển khai"),
        ReportSection(title="Kết quả thực hiện", figures=True),
        ReportSection(title="Khó khăn, hạn chế và nguyên nhân"),
        ReportSection(title="Phương hướng, giải pháp"),
        ReportSection(title="Đề xuất, kiến nghị"),
    ]


class ReportSettings(Strict):
    """The outline of the consolidated report."""

    sections: list[ReportSection] = Field(default_factory=_default_sections)


# --- the plan -----------------------------------------------------------------------------


@dataclass
class _Lookups:
    """What a plan finds by id, built on first use."""

    models: dict[str, Model]
    forms: dict[str, Form]
    sites: dict[str, Site]
    senders: dict[str, frozenset[str]]
    units: dict[str, Placed] = field(default_factory=dict)
    names: dict[str, str] = field(default_factory=dict)
    site_units: NameFinder | None = None


class Plan(Strict):
    """A whole campaign plan."""

    campaign: Campaign
    issuer: Issuer
    models: list[Model] = Field(default_factory=list)
    units: Units
    site_defaults: SiteDefaults = Field(default_factory=SiteDefaults)
    sites: Annotated[list[Site], Field(min_length=1)]
    reminders: ReminderPolicy = Field(default_factory=ReminderPolicy)
    milestones: Annotated[list[Milestone], Field(min_length=1)]
    forms: Annotated[list[Form], Field(min_length=1)]
    schedules: Schedules = Field(default_factory=Schedules)
    recognition: Recognition = Field(default_factory=Recognition)
    report: ReportSettings = Field(default_factory=ReportSettings)
    _path: Path | None = PrivateAttr(default=None)
    _index: UnitIndex | None = PrivateAttr(default=None)
    _site_units: dict[int, Site] | None = PrivateAttr(default=None)
    _by_id: _Lookups | None = PrivateAttr(default=None)

    def __eq__(self, other: object) -> bool:
        """Plans are equal when their fields are: the indexes built on use do not count."""
        if not isinstance(other, Plan):
            return NotImplemented
        return self.__dict__ == other.__dict__

    __hash__ = None  # type: ignore[assignment]  # lists inside: never hashable

    def __getstate__(self) -> dict[Any, Any]:
        """Pickled with the indexes built so far (their units are the plan's own objects, so
        they stay shared), but not the one keyed by object identity."""
        state = super().__getstate__()
        private = state.get("__pydantic_private__") or {}
        return {**state, "__pydantic_private__": {**private, "_site_units": None}}

    @property
    def path(self) -> Path | None:
        """The file the plan was loaded from, if it came from a file."""
        return self._path

    @property
    def _lookups(self) -> _Lookups:
        """Models, forms and sites by id, each milestone's senders as a set (built once: a
        plan is immutable, and at 10,000 sites a scan per question is minutes)."""
        private = self.__pydantic_private__  # a slot: 20 times faster than self._by_id
        found: _Lookups | None = private.get("_by_id") if private else None
        if found is None:
            found = self._by_id = _Lookups(
                models={m.code: m for m in self.models},
                forms={f.id: f for f in self.forms},
                sites={s.id: s for s in self.sites},
                senders={m.id: frozenset(m.sites) for m in self.milestones if m.sites is not None},
            )
        return found

    def prepare(self) -> Plan:
        """Build every index now (the plan cache stores them with the plan): the lookups by
        id, the unit and the name of every site."""
        for site in self.sites:
            self.unit_of(site)
            self.site_name(site)
        return self

    def model_by_code(self, code: str) -> Model | None:
        """The model with ``code``, if any."""
        return self._lookups.models.get(code)

    def form_by_id(self, form_id: str) -> Form | None:
        """The form with ``form_id``, if any."""
        return self._lookups.forms.get(form_id)

    def site_by_id(self, site_id: str) -> Site | None:
        """The site with ``site_id``, if any."""
        return self._lookups.sites.get(site_id)

    def sends(self, site: Site, milestone: Milestone) -> bool:
        """Whether ``site`` must send ``milestone``."""
        senders = self._lookups.senders.get(milestone.id)
        return senders is None or site.id in senders

    def senders(self, milestone: Milestone) -> frozenset[str] | None:
        """The ids of the sites that must send ``milestone``; ``None`` for all of them."""
        return self._lookups.senders.get(milestone.id)

    def sites_of(self, milestone: Milestone) -> list[Site]:
        """The sites that must send ``milestone`` (all sites unless it names some), in the
        plan's order."""
        if milestone.sites is None:
            return list(self.sites)
        return [s for s in self.sites if self.sends(s, milestone)]

    def reminder_policy(self, milestone: Milestone) -> ReminderPolicy:
        """The milestone's own reminder policy, else the plan's."""
        return milestone.reminders or self.reminders

    @property
    def unit_index(self) -> UnitIndex:
        """The plan's units, findable by name, path or code (built once)."""
        if self._index is None:
            from flows.plan.units import UnitIndex

            self._index = UnitIndex(self.units)
        return self._index

    def unit_of(self, site: Site) -> Placed:
        """The unit ``site`` stands for (the loader has checked it is exactly one)."""
        placed = self._lookups.units.get(site.id)
        if placed is None:
            placed = self._lookups.units[site.id] = self.unit_index.lookup(site.unit).found[0]
        return placed

    def site_at(self, unit: Unit) -> Site | None:
        """The site whose unit is ``unit``, if any (one site per unit)."""
        if self._site_units is None:
            self._site_units = {id(self.unit_of(s).unit): s for s in self.sites}
        return self._site_units.get(id(unit))

    def suggest_site_unit(self, name: str) -> list[str]:
        """The unit of a site that ``name`` was probably meant to be, if any."""
        if self._lookups.site_units is None:
            from flows.names import NameFinder

            names = [self.unit_of(s).unit.name for s in self.sites]
            self._lookups.site_units = NameFinder(names)
        return self._lookups.site_units.suggest(name)

    def site_name(self, site: Site) -> str:
        """The name a site is shown under: its own, else its unit's."""
        names = self._lookups.names
        name = names.get(site.id)
        if name is None:
            name = names[site.id] = site.name or self.unit_of(site).unit.name
        return name

    def recipient(self, site: Site) -> str:
        """Who letters to ``site`` are addressed to."""
        from flows.plan.units import in_sentence

        template = site.recipient or self.site_defaults.recipient
        if template:
            return template.format(unit=in_sentence(self.unit_of(site).unit.name))
        return self.site_name(site)
