"""flows.words: `mohinh` speaks Vietnamese in typer's and click's own words too."""

from __future__ import annotations

import ast
import gettext
import os
import subprocess
import sys
from pathlib import Path

import click
import pytest
import typer

from flows import words
from tests.conftest import ROOT

COMMANDS = [
    [],
    ["plan"],
    ["plan", "check"],
    ["plan", "show"],
    ["intake"],
    ["status"],
    ["remind"],
    ["report"],
    ["forms"],
    ["run"],
    ["serve"],
    ["deploy"],
    ["simulate"],
]
ENGLISH = ["Usage", "Options", "Commands", "Arguments", "Show this", "[default", "[required"]


def mohinh(*arguments: str) -> subprocess.CompletedProcess[str]:
    """The command line as staff run it (its entry point, in a process of its own)."""
    environment = os.environ | {"COLUMNS": "200", "LANGUAGE": "en"}
    return subprocess.run(
        [str(Path(sys.executable).with_name("mohinh")), *arguments],
        capture_output=True,
        text=True,
        cwd=ROOT,
        env=environment,
        timeout=120,
    )


def asked_for() -> set[str | tuple[str, str]]:
    """Every word typer and click ask gettext for (``_("…")`` and ``ngettext("…", "…")``)."""
    found: set[str | tuple[str, str]] = set()
    for package in (click, typer):
        for source in Path(package.__file__).parent.rglob("*.py"):
            for node in ast.walk(ast.parse(source.read_text(encoding="utf-8"))):
                if not (isinstance(node, ast.Call) and isinstance(node.func, ast.Name)):
                    continue
                texts = [
                    a.value
                    for a in node.args
                    if isinstance(a, ast.Constant) and isinstance(a.value, str)
                ]
                if node.func.id == "_" and texts:
                    found.add(texts[0])
                elif node.func.id == "ngettext" and len(texts) >= 2:
                    found.add((texts[0], texts[1]))
    return found


def test_the_catalogue_is_built_from_the_words() -> None:
    assert words.CATALOGUE.read_bytes() == words.catalogue(), "run: python -m flows.words"


def test_every_word_is_one_typer_or_click_asks_for() -> None:
    asked = asked_for()
    assert "Usage:" in asked and "Options" in asked  # typer and click still ask gettext
    assert set(words.WORDS) - asked == set()
    assert set(words.PLURAL_WORDS) - asked == set()


def test_the_catalogue_reads_back_through_gettext() -> None:
    vietnamese = gettext.translation(words.DOMAIN, words.LOCALE, languages=["vi"])
    assert vietnamese.gettext("Usage:") == "Cách dùng:"
    one, many = "Did you mean {possibility}?", "(Did you mean one of: {possibilities}?)"
    assert vietnamese.ngettext(one, many, 3) == "Có phải {possibility}?"
    for english, said in words.WORDS.items():
        assert vietnamese.gettext(english) == said
        assert said.count("{") == english.count("{") or "number_type" in english


@pytest.mark.parametrize("command", COMMANDS, ids=lambda c: " ".join(c) or "mohinh")
def test_help_is_in_vietnamese(command: list[str]) -> None:
    shown = mohinh(*command, "--help")
    assert shown.returncode == 0, shown.stderr
    text = shown.stdout
    assert f"Cách dùng: mohinh {' '.join(command)}".replace("  ", " ").strip() in text
    assert "Tùy chọn" in text and "Xem hướng dẫn này rồi thoát." in text
    assert [word for word in ENGLISH if word in text] == []
    if command in ([], ["plan"]):
        assert "Lệnh" in text and "LỆNH [ĐỐI_SỐ]..." in text
    if command == ["plan", "show"]:
        assert "Đối số" in text and "[mặc định: config/plan.yaml]" in text


@pytest.mark.parametrize(
    ("arguments", "said"),
    [
        (["deploy"], "Thiếu tùy chọn '--pool'."),
        (["plan", "shw"], "Không có lệnh 'shw'. Có phải 'show'?"),
        (["intake", "--settle", "abc"], "Giá trị của '--settle' không hợp lệ: 'abc' không phải số"),
        (["status", "--as-of", "31/04/2017"], "'31/04/2017' không phải ngày: tháng 4 chỉ có 30"),
        (["plan", "show", "a", "b"], "Có đối số thừa (b)"),
        (["status", "--khong-co"], "Không có tùy chọn '--khong-co'."),
    ],
)
def test_mistakes_on_the_command_line_are_told_in_vietnamese(
    arguments: list[str], said: str
) -> None:
    shown = mohinh(*arguments)
    assert shown.returncode == 2
    assert said in shown.stderr, shown.stderr
    assert "Cách dùng:" in shown.stderr and "Xem hướng dẫn: 'mohinh" in shown.stderr
    assert "Lỗi" in shown.stderr and "Error" not in shown.stderr
