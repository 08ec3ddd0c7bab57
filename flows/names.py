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


def nfc(text: str) -> str:
    """Text in NFC with runs of whitespace collapsed to one space and trimmed."""
    return _SPACE.sub(" ", unicodedata.normalize("NFC", text)).strip()


def split_prefix(text: str) -> tuple[str | None, str]:
    """``"TT. Hợp Hòa"`` -> ``("thị trấn", "Hợp Hòa")``; no known prefix -> ``(None, text)``."""
    lowered = text.casefold()
    for prefix, kind in UNIT_PREFIXES.items():
        if lowered.startswith(prefix):
            rest = text[len(prefix) :]
            if prefix.endswith(".") or rest[:1].isspace():
                stripped = rest.strip()
                if stripped:
                    return kind, stripped
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


_FOLDED_PREFIXES = sorted({fold_accents(p) for p in UNIT_PREFIXES}, key=len, reverse=True)


def folded_key(text: str) -> str:
    """A looser key for suggestions only: accents folded, then a prefix removed (written with
    or without accents: "Thi tran"), case folded."""
    folded = fold_accents(nfc(text)).casefold()
    for prefix in _FOLDED_PREFIXES:
        rest = folded[len(prefix) :]
        spaced = prefix.endswith(".") or rest[:1].isspace()
        if folded.startswith(prefix) and spaced and rest.strip():
            return rest.strip()
    return folded


def suggest(text: str, candidates: Iterable[str], limit: int = 1) -> list[str]:
    """Candidates that ``text`` was probably meant to be, best first (never exact matches)."""
    key, folded = name_key(text), folded_key(text)
    options = [c for c in dict.fromkeys(candidates) if name_key(c) != key]
    same_folded = [c for c in options if folded_key(c) == folded]
    if same_folded:
        return same_folded[:limit]
    by_folded: dict[str, str] = {}
    for c in options:
        by_folded.setdefault(folded_key(c), c)
    close = difflib.get_close_matches(folded, list(by_folded), n=limit, cutoff=0.75)
    return [by_folded[c] for c in close]


def safe_name(text: str, limit: int = 80) -> str:
    """An ASCII file name part: 'Thị trấn Ví Dụ' -> 'thi-tran-vi-du'."""
    folded = unicodedata.normalize("NFKD", text.replace("đ", "d").replace("Đ", "D"))
    ascii_text = folded.encode("ascii", "ignore").decode("ascii").lower()
    slug = re.sub(r"[^a-z0-9]+", "-", ascii_text).strip("-")
    return slug[:limit].rstrip("-") or "tep"
