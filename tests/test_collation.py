"""Vietnamese alphabetical order: ă, â, đ, ê, ô, ơ, ư are letters of their own, and the tones
order a syllable after its letters (none, huyền, hỏi, ngã, sắc, nặng)."""

from __future__ import annotations

import random
import unicodedata

import pytest

from flows.collation import unit_order_key, vietnamese_key


def shuffled(words: list[str], seed: int = 14) -> list[str]:
    copy = list(words)
    random.Random(seed).shuffle(copy)
    return copy


@pytest.mark.parametrize(
    "ordered",
    [
        ["An", "Ân", "Bình", "Dương", "Đông"],  # Đ after D, whatever follows
        ["An", "Anh", "Ăn", "Âm", "Ân"],  # ă and â after every a-word: not a with a mark
        ["ma", "mà", "mả", "mã", "má", "mạ"],  # the tones in dictionary order
        ["Ấm", "Ậm", "Ân", "Ấn"],  # the tone of â counts after the letters
        ["E", "Em", "Ê", "Ếch"],
        ["On", "Ông", "Ơn", "Phương"],
        ["Uyên", "Ưng", "Vân", "Xuân", "Yên"],
        ["Đà", "Đà Nẵng", "Đắk Lắk", "Điện Biên"],  # a space before any letter
    ],
)
def test_vietnamese_order(ordered: list[str]) -> None:
    assert sorted(shuffled(ordered), key=vietnamese_key) == ordered


def test_code_points_and_the_plain_unicode_order_are_not_vietnamese() -> None:
    """What the key is for: Python's order puts Ân and Đông after Bình; the default Unicode
    collation (untailored) puts Đông before Dương and Ân before Anh."""
    import pyuca  # type: ignore[import-untyped]

    words = ["Đông", "Dương", "Ân", "An", "Bình", "Anh"]
    assert sorted(words) == ["An", "Anh", "Bình", "Dương", "Ân", "Đông"]
    assert sorted(words, key=pyuca.Collator().sort_key) == [
        "An",
        "Ân",
        "Anh",
        "Bình",
        "Đông",
        "Dương",
    ]
    assert sorted(words, key=vietnamese_key) == ["An", "Anh", "Ân", "Bình", "Dương", "Đông"]


def test_decomposed_text_sorts_as_composed() -> None:
    """Names typed on a Mac arrive decomposed (NFD): the same order, the same keys."""
    words = ["Đông", "Dương", "Ân", "An", "Bình", "Ấm", "Ậm"]
    decomposed = [unicodedata.normalize("NFD", w) for w in words]
    assert [vietnamese_key(w) for w in decomposed] == [vietnamese_key(w) for w in words]


def test_case_does_not_separate_a_name_from_its_neighbours() -> None:
    assert sorted(["bình", "An", "ân", "Bình"], key=vietnamese_key) == ["An", "ân", "bình", "Bình"]


def test_units_sort_by_their_name_after_the_prefix_and_numbers_by_value() -> None:
    units = [
        "Thị trấn Lai Cách",
        "Xã Cẩm Vũ",
        "Xã Cao An",
        "Phường 10",
        "Phường 2",
        "Xã Đông Lễ",
        "Xã Dương Quang",
        "Phường An Bình",
        "Xã An Bình",
    ]
    assert sorted(shuffled(units), key=unit_order_key) == [
        "Phường 2",
        "Phường 10",
        "Phường An Bình",
        "Xã An Bình",
        "Xã Cao An",
        "Xã Cẩm Vũ",
        "Xã Dương Quang",
        "Xã Đông Lễ",
        "Thị trấn Lai Cách",
    ]
