"""Vietnamese alphabetical order, for the lists people read and pick from.

Python's ``sorted`` orders by code point: "Đông" after "Yên", "Ân" after "Bình". The Unicode
Collation Algorithm (``pyuca`` with its default table) is closer but not Vietnamese: it treats
ă, â, đ, ê, ô, ơ, ư as a, d, e, o, u carrying a mark, so "Đông" comes before "Dương" and "Ân"
before "Anh". In Vietnamese they are letters of their own (a < ă < â < b, d < đ < e, e < ê,
o < ô < ơ, u < ư) and the tones order a syllable after its base letters: none, huyền, hỏi,
ngã, sắc, nặng. :func:`vietnamese_key` tailors pyuca's table the way the Unicode CLDR's
Vietnamese collation does (``&a<ă<â &d<đ &e<ê &o<ô<ơ &u<ư``, ``&̀<<̉<<̃<<́<<̣``).

:func:`unit_order_key` orders names of administrative units the way a reader looks for one:
by the name after its prefix ("Xã Mỹ Lộc" under M), numbers by value ("Phường 2" before
"Phường 10").
"""

from __future__ import annotations

import re
import unicodedata
from functools import cache
from typing import Any

import pyuca  # type: ignore[import-untyped]

from flows.names import nfc, strip_prefix

Weights = tuple[int, ...]

_ROOM = 16
"""Every weight of the table is multiplied by this, leaving room for the tailored letters
right after their base letter and for the tones in their Vietnamese order."""

_LETTERS = [  # each letter after its base letter, in order
    ("a", "ă"),
    ("a", "â"),
    ("d", "đ"),
    ("e", "ê"),
    ("o", "ô"),
    ("o", "ơ"),
    ("u", "ư"),
]
_TONES = ["\u0300", "\u0309", "\u0303", "\u0301", "\u0323"]  # huyền, hỏi, ngã, sắc, nặng
_DIGITS = re.compile(r"\d+")
_NUMBER_WIDTH = 12


@cache
def _collator() -> Any:
    """pyuca's collator with its table tailored for Vietnamese (built once, some 0.3 s)."""
    collator = pyuca.Collator()
    stack = [collator.table.root]
    while stack:
        node = stack.pop()
        if node.value:
            node.value = [_scaled(element) for element in node.value]
        stack.extend((node.children or {}).values())
    implicit = collator.implicit_weight
    collator.implicit_weight = lambda code: [_scaled(e) for e in implicit(code)]

    def elements(text: str) -> list[list[int]]:
        found: list[list[int]] = collator.table.find_prefix([ord(c) for c in text])[1]
        return found

    for number, (base, letter) in enumerate(_LETTERS):
        rank = sum(1 for b, _ in _LETTERS[: number + 1] if b == base)
        for case in (str.lower, str.upper):
            primary, secondary, tertiary = elements(case(base))[0]
            decomposed = unicodedata.normalize("NFD", case(letter))  # ă is a + breve; đ is đ
            collator.table.add(
                [ord(c) for c in decomposed], [[primary + rank, secondary, tertiary]]
            )
    grave = elements(_TONES[0])[0]
    for rank, tone in enumerate(_TONES):
        collator.table.add([ord(tone)], [[0, grave[1] + rank, grave[2]]])
    return collator


def _scaled(element: list[int]) -> list[int]:
    return [weight * _ROOM for weight in element[:2]] + list(element[2:])


def vietnamese_key(text: str) -> tuple[Weights, str]:
    """The key that sorts ``text`` in Vietnamese alphabetical order (``sorted(names,
    key=vietnamese_key)``); texts that collate the same keep a fixed order by code point."""
    text = unicodedata.normalize("NFC", text)
    return _collator().sort_key(text), text


def unit_order_key(name: str) -> tuple[Weights, Weights, str]:
    """The key that sorts names of units for a reader: in Vietnamese order of the name
    without its prefix ("Thị trấn Yên Lạc" under Y, "Phường 2" before "Phường 10"), then
    of the whole name ("Phường Yên Phú" before "Xã Yên Phú")."""
    shown = nfc(name)
    collator = _collator()
    return (
        collator.sort_key(_padded(strip_prefix(shown))),
        collator.sort_key(_padded(shown)),
        shown,
    )


def _padded(text: str) -> str:
    """``text`` with every number written with leading zeros, so that numbers sort by value."""
    return _DIGITS.sub(lambda m: m[0].rjust(_NUMBER_WIDTH, "0"), text)
