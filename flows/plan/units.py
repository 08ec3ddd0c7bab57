"""Finding administrative units in a plan's unit tree by name, path or code."""

from __future__ import annotations

from dataclasses import dataclass

from flows.names import UNIT_PREFIXES, NameFinder, name_key, nfc, unit_kind
from flows.plan.schema import Unit, Units


@dataclass(frozen=True)
class Placed:
    """A unit with its chain of parents (root first)."""

    unit: Unit
    parents: tuple[Unit, ...]
    kind: str | None = None

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
        self.placed = [Placed(unit, parents, unit_kind(unit.name)) for parents, unit in root.walk()]
        self._by_key: dict[str, list[Placed]] = {}
        self._by_code: dict[str, Placed] = {}
        self._finders: dict[int, NameFinder] = {}
        for placed in self.placed:
            self._by_key.setdefault(name_key(placed.unit.name), []).append(placed)
            if placed.unit.code:
                self._by_code.setdefault(placed.unit.code, placed)

    def lookup(self, reference: str, within: Unit | None = None) -> Lookup:
        """Find ``reference`` (a code, a name or ``Parent/Child``), optionally inside ``within``.

        A prefix in the name ("H.", "Xã") must agree with the unit's own.
        """
        reference = nfc(reference)
        *ancestors, last = (part.strip() for part in reference.split("/"))
        named = [p for p in self._by_key.get(name_key(last), []) if _inside(p, within)]
        kind = unit_kind(last)
        keys = [name_key(a) for a in ancestors]
        found = [
            p
            for p in named
            if kind in (None, p.kind) or p.kind is None
            if _ends_with(p.parents, keys)
        ]
        coded = self._by_code.get(reference)
        if not found and coded is not None and _inside(coded, within):
            found = [coded]
        if found:
            return Lookup(found, [])
        if named:  # right name, but another parent or another kind of unit
            return Lookup([], [p.path for p in named[:3]])
        return Lookup([], self.suggest(last, within))

    def suggest(self, name: str, within: Unit | None = None) -> list[str]:
        """The unit (inside ``within``) that ``name`` was probably meant to be, if any."""
        finder = self._finders.get(id(within))
        if finder is None:
            names = [p.unit.name for p in self.placed if _inside(p, within)]
            finder = self._finders[id(within)] = NameFinder(names)
        return finder.suggest(name)


def _inside(placed: Placed, within: Unit | None) -> bool:
    return within is None or any(parent is within for parent in placed.parents)


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
