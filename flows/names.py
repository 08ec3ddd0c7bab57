"""Vietnamese names: normalising, folding and comparing unit names.

Exact comparison (NFC, case-, whitespace- and prefix-insensitive) is safe to accept.
Accent folding loses information (Huyện Yên Lạc vs Thị trấn Yên Lac), so a folded or
fuzzy match is only ever offered as a suggestion.
"""

from __future__ import annotations

import difflib
import re
import unicodedata
from collections.abc import Iterable

# Administrative prefixes and the kind of unit each names, longest first so that
# "thị trấn" wins over "thị xã"'s shorter cousins and "tp." over "t.".
UNIT_PREFIXES: dict[str, str] = {
    "thành phố": "thành phố",
    "thị trấn": "thị trấn",
    "thị xã": "thị xã",
    "đặc khu": "đặc khu",
    "phường": "phường",
    "huyện": "huyện",
    "quận": "quận",
    "tỉnh": "tỉnh",
    "xã": "xã",
    "tp.": "thành phố",
    "tp": "thành phố",
    "tt": "thị trấn",
    "tx": "thị xã",
    "tt.": "thị trấn",
    "tx.": "thị xã",
    "h.": "huyện",
    "q.": "quận",
    "p.": "phường",
    "x.": "xã",
    "t.": "tỉnh",
}

_SPACE = re.compile(r"\s+")
# A prefix at the start of a case-folded name: a word followed by a space, or an abbreviation
# ending with a dot; in the order of UNIT_PREFIXES (longest first).
_PREFIX = re.compile(
    "|".join(re.escape(p) + ("" if p.endswith(".") else r"(?=\s)") for p in UNIT_PREFIXES)
)


def nfc(text: str) -> str:
    """Text in NFC with runs of whitespace collapsed to one space and trimmed."""
    return _SPACE.sub(" ", unicodedata.normalize("NFC", text)).strip()


def split_prefix(text: str) -> tuple[str | None, str]:
    """``"TT. Hợp Hòa"`` -> ``("thị trấn", "Hợp Hòa")``; no known prefix -> ``(None, text)``."""
    found = _PREFIX.match(text.casefold())
    if found is not None:
        rest = text[found.end() :].strip()
        if rest:
            return UNIT_PREFIXES[found[0]], rest
    return None, text


def strip_prefix(text: str) -> str:
    """Remove one leading administrative prefix ("Huyện", "TT.", "P."...), if any."""
    return split_prefix(text)[1]


def unit_kind(text: str) -> str | None:
    """The kind of unit a name's prefix says (``"huyện"``, ``"xã"``...), if it has one."""
    return split_prefix(nfc(text))[0]


def name_key(text: str) -> str:
    """The key under which two spellings of one name are the same name."""
    return strip_prefix(nfc(text)).casefold()


def fold_accents(text: str) -> str:
    """Remove Vietnamese diacritics; đ/Đ, which do not decompose, become d/D."""
    decomposed = unicodedata.normalize("NFD", text)
    bare = "".join(c for c in decomposed if not unicodedata.combining(c))
    return bare.replace("đ", "d").replace("Đ", "D")


_FOLDED_PREFIXES: dict[str, str] = {  # folded prefix -> the kind it says, longest first
    folded: UNIT_PREFIXES[prefix]
    for folded, prefix in sorted(
        ((fold_accents(p), p) for p in UNIT_PREFIXES), key=lambda pair: -len(pair[0])
    )
}


def folded_key(text: str) -> str:
    """A looser key for suggestions only: accents folded, then a prefix removed (written with
    or without accents: "Thi tran"), case folded."""
    return _folded_split(text)[1]


def folded_kind(text: str) -> str | None:
    """The kind of unit a name's prefix says, written with or without accents: ``"Xa Dong
    Loc"`` -> ``"xã"``."""
    return _folded_split(text)[0]


def _folded_split(text: str) -> tuple[str | None, str]:
    folded = fold_accents(nfc(text)).casefold()
    for prefix, kind in _FOLDED_PREFIXES.items():
        rest = folded[len(prefix) :]
        spaced = prefix.endswith(".") or rest[:1].isspace()
        if folded.startswith(prefix) and spaced and rest.strip():
            return kind, rest.strip()
    return None, folded


def suggest(text: str, candidates: Iterable[str], limit: int = 1) -> list[str]:
    """Candidates that ``text`` was probably meant to be, best first (never exact matches).
    For many candidates asked about often, build a :class:`NameFinder` once."""
    return NameFinder(candidates).suggest(text, limit)


class NameFinder:
    """Suggestions among a fixed list of names: a name that differs only in accents (or
    prefix) first, else the closest by ``difflib`` ratio (at least 0.75) of the folded keys.

    Above :data:`SHORTLIST` names, only the names sharing the most letter trigrams with the
    text are compared (a misspelled commune among 10,000 units in about a millisecond,
    instead of half a second for ``difflib`` over them all)."""

    SHORTLIST = 60

    def __init__(self, candidates: Iterable[str]) -> None:
        self._by_folded: dict[str, list[str]] = {}
        for name in dict.fromkeys(candidates):
            self._by_folded.setdefault(folded_key(name), []).append(name)
        self._keys = list(self._by_folded)
        self._grams: dict[str, list[int]] | None = None
        if len(self._keys) > self.SHORTLIST:
            self._grams = {}
            for number, key in enumerate(self._keys):
                for gram in _trigrams(key):
                    self._grams.setdefault(gram, []).append(number)

    def suggest(self, text: str, limit: int = 1) -> list[str]:
        """Names ``text`` was probably meant to be, best first (never an exact match)."""
        key, folded = name_key(text), folded_key(text)
        same_folded = [n for n in self._by_folded.get(folded, []) if name_key(n) != key]
        if same_folded:
            # "Xa Dong Loc": the commune "Xã Đồng Lộc" before the town "Thị xã Đồng Lộc".
            kind = folded_kind(text)
            same_folded.sort(key=lambda name: kind is not None and folded_kind(name) != kind)
            return same_folded[:limit]
        keys = [k for k in self._shortlist(folded) if k != folded]
        close = difflib.get_close_matches(folded, keys, n=limit, cutoff=0.75)
        return [self._by_folded[k][0] for k in close]

    def _shortlist(self, folded: str) -> list[str]:
        if self._grams is None:
            return self._keys
        shared: dict[int, int] = {}
        for gram in _trigrams(folded):
            for number in self._grams.get(gram, ()):
                shared[number] = shared.get(number, 0) + 1
        best = sorted(shared, key=shared.__getitem__, reverse=True)[: self.SHORTLIST]
        return [self._keys[n] for n in best]


def _trigrams(key: str) -> set[str]:
    padded = f"  {key} "
    return {padded[i : i + 3] for i in range(len(padded) - 2)}


def safe_name(text: str, limit: int = 80) -> str:
    """An ASCII file name part: 'Thị trấn Ví Dụ' -> 'thi-tran-vi-du'."""
    folded = unicodedata.normalize("NFKD", text.replace("đ", "d").replace("Đ", "D"))
    ascii_text = folded.encode("ascii", "ignore").decode("ascii").lower()
    slug = re.sub(r"[^a-z0-9]+", "-", ascii_text).strip("-")
    return slug[:limit].rstrip("-") or "tep"
