"""Finding administrative units in a plan's unit tree by name, path or code."""

from __future__ import annotations

from dataclasses import dataclass

from flows.names import UNIT_PREFIXES, name_key, nfc, suggest, unit_kind
from flows.plan.schema import Unit, Units


@dataclass(frozen=True)
class Placed:
    """A unit with its chain of parents (root first)."""

    unit: Unit
    parents: tuple[Unit, ...]

    @property
    def path(self) -> str:
        """``Huyện Yên Lạc/Xã Tam Hồng`` (the root left out)."""
        return "/".join(u.name for u in (*self.parents[1:], self.unit))


@dataclass(frozen=True)
class Lookup:
    """The outcome of looking a reference up: one unit, several, or none with suggestions."""

    found: list[Placed]
    suggestions: list[str]


class UnitIndex:
    """Every unit below the root, findable by code, by name key or by a path of names."""

    def __init__(self, root: Units) -> None:
        self.root = root
        self.placed = [Placed(unit, parents) for parents, unit in root.walk()]
        self._by_key: dict[str, list[Placed]] = {}
        self._by_code: dict[str, Placed] = {}
        for placed in self.placed:
            self._by_key.setdefault(name_key(placed.unit.name), []).append(placed)
            if placed.unit.code:
                self._by_code.setdefault(placed.unit.code, placed)

    def lookup(self, reference: str, within: Unit | None = None) -> Lookup:
        """Find ``reference`` (a code, a name or ``Parent/Child``), optionally inside ``within``."""
        reference = nfc(reference)
        candidates = self.placed if within is None else self._inside(within)
        if "/" in reference:
            *ancestors, last = (part.strip() for part in reference.split("/"))
            found = [
                p
                for p in self._named(last, candidates)
                if _ends_with(p.parents, [name_key(a) for a in ancestors])
            ]
        else:
            found = self._named(reference, candidates)
            coded = self._by_code.get(reference)
            if not found and coded is not None and any(p.unit is coded.unit for p in candidates):
                found = [coded]
        if found:
            return Lookup(found, [])
        tail = reference.rsplit("/", 1)[-1]
        same_name = [p for p in candidates if name_key(p.unit.name) == name_key(tail)]
        if same_name:  # right name, but another parent or another kind of unit
            return Lookup([], [p.path for p in same_name[:3]])
        return Lookup([], suggest(tail, [p.unit.name for p in candidates]))

    def _named(self, name: str, candidates: list[Placed]) -> list[Placed]:
        """Units called ``name``; a prefix in ``name`` ("H.", "Xã") must agree with theirs."""
        allowed = {id(p.unit) for p in candidates}
        kind = unit_kind(name)
        return [
            p
            for p in self._by_key.get(name_key(name), [])
            if id(p.unit) in allowed and (kind is None or unit_kind(p.unit.name) in (kind, None))
        ]

    def _inside(self, unit: Unit) -> list[Placed]:
        return [p for p in self.placed if any(parent is unit for parent in p.parents)]


def _ends_with(parents: tuple[Unit, ...], keys: list[str]) -> bool:
    if len(keys) > len(parents):
        return False
    tail = parents[len(parents) - len(keys) :]
    return all(name_key(u.name) == k for u, k in zip(tail, keys, strict=True))


def in_sentence(name: str) -> str:
    """``Huyện Yên Lạc`` -> ``huyện Yên Lạc``: a unit name inside running text."""
    lowered = name.casefold()
    for prefix in UNIT_PREFIXES:
        if not prefix.endswith(".") and lowered.startswith(prefix + " "):
            return prefix + name[len(prefix) :]
    return name
