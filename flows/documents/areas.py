"""Where a campaign's sites sit: the units above them, level by level, and the level that
groups them best for a summary (the provinces of 10,000 communes). Light to import: ``mohinh
status`` uses it too."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass

from flows.documents.status import SiteRow
from flows.names import unit_kind
from flows.plan import Plan
from flows.plan.schema import Unit

DETAIL_SITES = 60
"""The most sites a .docx shows one by one (their status row, figures, late and missing
reports, readiness and own words). Above it the .docx shows tables per model and per unit
above the sites, and the companion workbook keeps every site's rows."""

AREA_ROWS = 100
"""The most rows wanted in a table per unit above the sites: such tables use the deepest
level above the sites that has at most this many units (the top level if none has)."""


@dataclass(frozen=True)
class Grouping:
    """Sites put in groups for a summary table: by model, or by the unit above them."""

    label: str
    """The groups in running text: ``mô hình``, ``tỉnh, thành phố``."""
    header: str
    """The first column's header."""
    names: list[str]
    """The groups, in the plan's order."""
    of_row: list[int | None]
    """The group of each row of the matrix (``None``: in none)."""


@dataclass(frozen=True)
class Areas:
    """The units between the plan's root and the sites, level by level (the top level first)."""

    headers: list[str]
    """A column header per level, from the kinds of its units: ``Tỉnh, thành phố``."""
    names: list[list[str]]
    """For each row of the matrix, its unit at each level (empty where it has none)."""
    grouping: Grouping | None
    """The sites by their unit at the level the .docx groups by (``None``: the sites sit
    right below the root)."""


def _kinds(units: list[Unit], level: int, levels: int) -> tuple[str, str]:
    """The label and header of a level: its units' kinds, the most common first."""
    distinct = Counter(id(u) for u in units)
    by_id = {id(u): u for u in units}
    counted: Counter[str] = Counter()
    for key, times in distinct.items():
        kind = unit_kind(by_id[key].name)
        if kind is not None:
            counted[kind] += times
    label = ", ".join(kind for kind, _ in counted.most_common())
    if not label:
        label = "địa bàn" if levels == 1 else f"địa bàn cấp {level + 1}"
    return label, label[0].upper() + label[1:]


def site_areas(plan: Plan, rows: list[SiteRow]) -> Areas:
    """Where the sites of ``rows`` sit in the plan's unit tree, and which level above them
    groups them best: the deepest with at most :data:`AREA_ROWS` units."""
    chains, labels = _chains(plan, rows)
    names = [
        [c[level].name if level < len(c) - 1 else "" for level in range(len(labels))]
        for c in chains
    ]
    return Areas([header for _, header in labels], names, _grouping(plan, chains, labels))


def site_grouping(plan: Plan, rows: list[SiteRow]) -> Grouping | None:
    """The grouping of :func:`site_areas` alone (``mohinh status`` needs no more)."""
    return _grouping(plan, *_chains(plan, rows))


Chain = tuple[Unit, ...]


def _chains(plan: Plan, rows: list[SiteRow]) -> tuple[list[Chain], list[tuple[str, str]]]:
    """Each row's units from the top level down to its own, and each level's label and
    header."""
    chains = []
    for row in rows:
        placed = plan.unit_of(row.site)
        chains.append((*placed.parents[1:], placed.unit))
    levels = max((len(chain) - 1 for chain in chains), default=0)
    labels = [
        _kinds([c[level] for c in chains if level < len(c) - 1], level, levels)
        for level in range(levels)
    ]
    return chains, labels


def _grouping(plan: Plan, chains: list[Chain], labels: list[tuple[str, str]]) -> Grouping | None:
    """The sites by their unit at the deepest level with at most :data:`AREA_ROWS` units."""
    order = {id(p.unit): n for n, p in enumerate(plan.unit_index.placed)}
    for level in reversed(range(len(labels))):
        # A site sitting higher than the others is its own group at deeper levels.
        at = [min(level, len(c) - 1) for c in chains]
        units = [c[k] for c, k in zip(chains, at, strict=True)]
        distinct = {id(u): u for u in units}
        if len(distinct) <= AREA_ROWS or level == 0:
            parents = {id(c[k]): c[k - 1].name for c, k in zip(chains, at, strict=True) if k}
            ordered = sorted(distinct.values(), key=lambda u: order.get(id(u), 0))
            index = {id(u): n for n, u in enumerate(ordered)}
            label, header = labels[level]
            return Grouping(
                label, header, _distinct_names(ordered, parents), [index[id(u)] for u in units]
            )
    return None


def _distinct_names(units: list[Unit], parents: dict[int, str]) -> list[str]:
    """The units' names, each name shared by several followed by its parent's:
    ``Huyện Châu Thành (Tỉnh Tiền Giang)``."""
    counted = Counter(u.name for u in units)
    return [
        f"{u.name} ({parents[id(u)]})" if counted[u.name] > 1 and id(u) in parents else u.name
        for u in units
    ]
