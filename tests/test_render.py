"""The docx renderer: split tags, missing variables, escaping, atomic writes, names."""

from __future__ import annotations

import io
import zipfile
from pathlib import Path

import docx
import pytest

from flows.documents.atomic import write_atomic
from flows.documents.render import CompiledTemplate, TemplateProblem, clean_text
from flows.names import safe_name

HOSTILE = (
    "A & B <b>x</b> > {{ name }} {% if 1 %}y{% endif %}\nline 2 =1+1 +84 -5 @x {_{ z }_} {_% %_}"
)


def template_with(tmp_path: Path, *paragraphs: list[str], name: str = "t.docx") -> Path:
    """A .docx whose paragraphs are made of the given runs."""
    document = docx.Document()
    for runs in paragraphs:
        paragraph = document.add_paragraph()
        for text in runs:
            paragraph.add_run(text)
    path = tmp_path / name
    document.save(str(path))
    return path


def texts(data: bytes) -> list[str]:
    return [p.text for p in docx.Document(io.BytesIO(data)).paragraphs]


def test_renders_user_text_literally(tmp_path: Path) -> None:
    path = template_with(tmp_path, ["Kính gửi: ", "{{ who }}"], ["{{ body }}"])
    template = CompiledTemplate(path)
    assert template.variables == {"who", "body"}
    data = template.render({"who": "Huyện Cẩm Giàng", "body": HOSTILE})
    assert texts(data)[:2] == ["Kính gửi: Huyện Cẩm Giàng", HOSTILE]


def test_bidi_overrides_are_dropped(tmp_path: Path) -> None:
    path = template_with(tmp_path, ["{{ body }} không phải số"])
    data = CompiledTemplate(path).render({"body": "12\u202e34\u2066"})
    assert texts(data)[0] == "1234 không phải số"


def test_an_unknown_filter_is_found_when_the_template_loads(tmp_path: Path) -> None:
    path = template_with(
        tmp_path, ["{%p if x %}"], ["{{ y|khong_co }}"], ["{%p endif %}"], name="loc.docx"
    )
    with pytest.raises(TemplateProblem, match=r"loc\.docx.*khong_co"):
        CompiledTemplate(path)


def test_a_template_that_is_not_xml(tmp_path: Path) -> None:
    path = template_with(tmp_path, ["x"], name="xml.docx")
    with zipfile.ZipFile(path) as source:
        parts = {i.filename: source.read(i) for i in source.infolist()}
    parts["word/document.xml"] = parts["word/document.xml"].replace(b"<w:t>x", b"<w:t>a < b", 1)
    with zipfile.ZipFile(path, "w") as target:
        for name, data in parts.items():
            target.writestr(name, data)
    with pytest.raises(TemplateProblem, match=r"xml\.docx.*XML"):
        CompiledTemplate(path)


def test_control_characters_never_reach_the_xml(tmp_path: Path) -> None:
    path = template_with(tmp_path, ["{{ body }}"])
    data = CompiledTemplate(path).render({"body": "a\x00b\x07c\x0cd\te\r\nf"})
    assert texts(data)[0] == "ab c d e\nf"
    assert clean_text("Ca\u0300m") == "Cà" + "m"


def test_a_split_tag_names_the_template_and_the_tag(tmp_path: Path) -> None:
    path = template_with(tmp_path, ["Kính gửi: {{ addr", "essee }}"], name="thu.docx")
    with pytest.raises(TemplateProblem) as caught:
        CompiledTemplate(path)
    assert "thu.docx" in str(caught.value)
    assert "{{ addressee }}" in str(caught.value)


def test_an_unclosed_tag_is_reported(tmp_path: Path) -> None:
    path = template_with(tmp_path, ["{{ name"], ["}}"])
    with pytest.raises(TemplateProblem, match="không có dấu đi cặp"):
        CompiledTemplate(path)


def test_a_missing_variable_names_the_template_and_the_variable(tmp_path: Path) -> None:
    path = template_with(tmp_path, ["{{ who }}"], ["{{ site_name }}"], name="nhac.docx")
    template = CompiledTemplate(path)
    with pytest.raises(TemplateProblem) as caught:
        template.render({"who": "x"})
    assert "nhac.docx" in str(caught.value)
    assert "'site_name'" in str(caught.value)


def test_a_missing_attribute_is_an_error_not_a_blank(tmp_path: Path) -> None:
    path = template_with(
        tmp_path, ["{%p for item in items %}"], ["{{ item.due }}"], ["{%p endfor %}"]
    )
    template = CompiledTemplate(path)
    assert texts(template.render({"items": [{"due": "20/03/2017"}]}))[0] == "20/03/2017"
    with pytest.raises(TemplateProblem, match="'due'"):
        template.render({"items": [{"milestone": "x"}]})


def test_a_syntax_error_names_the_template(tmp_path: Path) -> None:
    path = template_with(tmp_path, ["{% if x %}"], name="hong.docx")
    with pytest.raises(TemplateProblem, match=r"hong\.docx"):
        CompiledTemplate(path)


def test_not_a_docx(tmp_path: Path) -> None:
    path = tmp_path / "x.docx"
    path.write_bytes(b"not a zip")
    with pytest.raises(TemplateProblem, match=r"x\.docx"):
        CompiledTemplate(path)


def test_write_atomic_replaces_whole_and_leaves_no_temporary(tmp_path: Path) -> None:
    target = tmp_path / "a" / "b.docx"
    write_atomic(target, b"one")
    write_atomic(target, b"two")
    assert target.read_bytes() == b"two"
    assert [p.name for p in target.parent.iterdir()] == ["b.docx"]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Huyện Cẩm Giàng", "huyen-cam-giang"),
        ("Đông Hà", "dong-ha"),
        ("../../etc/passwd", "etc-passwd"),
        ("Ca\u0300m", "cam"),
        ("!!!", "tep"),
    ],
)
def test_safe_names(text: str, expected: str) -> None:
    assert safe_name(text) == expected
