"""The shipped templates are what templates/build.py writes, and pass the tag lint."""

from __future__ import annotations

import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

from flows.documents.render import CompiledTemplate, split_tags
from flows.documents.service import TEMPLATE_FILES, TEMPLATES
from tests.conftest import ROOT

XML_PART = (".xml", ".rels")


def xml_parts(path: Path) -> dict[str, bytes]:
    with zipfile.ZipFile(path) as package:
        return {n: package.read(n) for n in package.namelist() if n.endswith(XML_PART)}


def test_build_reproduces_the_shipped_templates(tmp_path: Path) -> None:
    subprocess.run(
        [sys.executable, str(ROOT / "templates" / "build.py"), str(tmp_path)],
        check=True,
        capture_output=True,
        cwd=ROOT,
    )
    for name in TEMPLATE_FILES.values():
        assert xml_parts(tmp_path / name) == xml_parts(TEMPLATES / name), (
            f"{name} differs from templates/build.py's output: rebuild it or update build.py"
        )


@pytest.mark.parametrize("name", sorted(TEMPLATE_FILES.values()))
def test_shipped_templates_pass_the_lint(name: str) -> None:
    for part, data in xml_parts(TEMPLATES / name).items():
        if part.startswith("word/") and part.endswith(".xml") and b"<w:" in data:
            assert split_tags(data) == [], (name, part)
    assert CompiledTemplate(TEMPLATES / name).variables


def test_the_lint_finds_a_paragraph_tag_sharing_its_paragraph() -> None:
    xml = (
        '<w:document xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main">'
        "<w:body><w:p><w:r><w:t>Chữ {%p if x %}</w:t></w:r></w:p>"
        "<w:p><w:r><w:t>{{ a </w:t></w:r><w:r><w:t>}}</w:t></w:r></w:p></w:body></w:document>"
    )
    problems = split_tags(xml)
    assert any("phải đứng một mình" in p for p in problems)
    assert any("đoạn văn 2: {{ a }}" in p for p in problems)
