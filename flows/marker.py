"""The identity marker of a blank form (``mohinh forms``): plan, form, milestone, site and
form version, kept in a workbook twice, on a hidden sheet and as custom document properties,
so that renaming the file or re-saving it in Excel or LibreOffice keeps it. Intake reads it
first; light enough for the parser's process (no openpyxl)."""

from __future__ import annotations

import zipfile
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

SHEET = "mohinh"
PROPERTY_PREFIX = "mohinh."
KEYS = ("plan", "form", "milestone", "site", "version")
CUSTOM_PART = "docProps/custom.xml"
CUSTOM_LIMIT = 64 * 1024  # a marker is a few hundred bytes
VALUE_LIMIT = 200  # ids are short; anything longer is not ours
VERSION_LIMIT = 1_000_000


@dataclass(frozen=True)
class Marker:
    """Which form a workbook is."""

    plan: str
    form: str
    milestone: str
    site: str
    version: int

    def as_dict(self) -> dict[str, str]:
        return {key: str(getattr(self, key)) for key in KEYS}


def from_pairs(pairs: dict[str, Any]) -> Marker | None:
    """A marker from its key/value pairs, or ``None`` when one is missing or malformed."""
    values = {key: str(pairs.get(key) or "").strip() for key in KEYS}
    if not all(values.values()) or any(len(v) > VALUE_LIMIT for v in values.values()):
        return None  # not a marker we wrote: the header decides
    try:
        version = int(float(values["version"]))
    except (ValueError, OverflowError):
        return None
    if not 1 <= version <= VERSION_LIMIT:
        return None
    return Marker(values["plan"], values["form"], values["milestone"], values["site"], version)


def from_rows(rows: Sequence[Sequence[Any]]) -> Marker | None:
    """A marker from the hidden sheet's rows (``key | value``)."""
    pairs = {str(row[0]).strip(): row[1] for row in rows if len(row) >= 2 and row[0] is not None}
    return from_pairs(pairs)


def from_custom_properties(path: Path) -> Marker | None:
    """A marker from an .xlsx's custom document properties, if it has them."""
    from lxml import etree

    try:
        with zipfile.ZipFile(path) as package:
            info = package.getinfo(CUSTOM_PART)
            if info.file_size > CUSTOM_LIMIT:
                return None
            data = package.read(info)
        parser = etree.XMLParser(resolve_entities=False, no_network=True, huge_tree=False)
        root = etree.fromstring(data, parser)
    except (OSError, KeyError, zipfile.BadZipFile, etree.XMLSyntaxError):
        return None
    pairs = {}
    for item in root:
        name = str(item.get("name") or "")
        if name.startswith(PROPERTY_PREFIX) and len(item):
            pairs[name.removeprefix(PROPERTY_PREFIX)] = item[0].text
    return from_pairs(pairs)
