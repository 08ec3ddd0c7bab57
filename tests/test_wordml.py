"""The table XML inserted into the report: escaping, line breaks, widths, header, round trip."""

from __future__ import annotations

import io
import xml.etree.ElementTree as ET

import docx
import pytest
from docx.oxml import parse_xml
from markupsafe import Markup

from flows.documents.wordml import TWIPS_PER_CM, looks_like_number, table_xml

W_URI = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"
W = f"{{{W_URI}}}"
XMLNS = f'xmlns:w="{W_URI}"'


def parse(table: str) -> ET.Element:
    """The table element, parsed inside a w:document that declares the w namespace."""
    root = ET.fromstring(f"<w:document {XMLNS}><w:body>{table}</w:body></w:document>")
    found = root.find(f"{W}body/{W}tbl")
    assert found is not None
    return found


def cell_texts(table: ET.Element) -> list[list[str]]:
    return [
        ["".join(t.text or "" for t in tc.iter(f"{W}t")) for tc in tr.findall(f"{W}tc")]
        for tr in table.findall(f"{W}tr")
    ]


def test_is_markup_and_a_single_table_element() -> None:
    out = table_xml(["A", "B"], [["1", "2"]])
    assert isinstance(out, Markup)
    assert out.startswith("<w:tbl>") and out.endswith("</w:tbl>")
    assert "xmlns" not in out
    assert cell_texts(parse(out)) == [["A", "B"], ["1", "2"]]


def test_escapes_markup_and_keeps_jinja_braces_as_text() -> None:
    text = "A & B <c> {{ x }} {% if y %}"
    out = table_xml([text], [[text]])
    assert "&amp;" in out and "&lt;c&gt;" in out
    assert "<c>" not in out
    assert cell_texts(parse(out)) == [[text], [text]]


def test_newline_becomes_a_line_break() -> None:
    out = table_xml(["H"], [["dòng 1\ndòng 2\r\ndòng 3"]])
    cell = parse(out).findall(f"{W}tr")[1].find(f"{W}tc")
    assert cell is not None
    assert len(list(cell.iter(f"{W}br"))) == 2
    assert [t.text for t in cell.iter(f"{W}t")] == ["dòng 1", "dòng 2", "dòng 3"]
    assert "\n" not in out and "\r" not in out


def test_invalid_control_characters_are_removed() -> None:
    out = table_xml(["H"], [["a\x00b\x07c\x1bd\ufffee\ud800f"]])
    assert cell_texts(parse(out))[1] == ["abcdef"]


def test_widths_in_twips_and_default_split() -> None:
    table = parse(table_xml(["A", "B", "C"], [["x"]], widths_cm=[1, 2.5, 10]))
    grid = [int(col.attrib[f"{W}w"]) for col in table.iter(f"{W}gridCol")]
    assert grid == [567, round(2.5 * TWIPS_PER_CM), 5670]
    first_row_widths = [int(w.attrib[f"{W}w"]) for w in table.iter(f"{W}tcW")][:3]
    assert first_row_widths == grid
    tbl_w = table.find(f"{W}tblPr/{W}tblW")
    assert tbl_w is not None and int(tbl_w.attrib[f"{W}w"]) == sum(grid)
    layout = table.find(f"{W}tblPr/{W}tblLayout")
    assert layout is not None and layout.attrib[f"{W}type"] == "fixed"

    even = parse(table_xml(["A", "B", "C", "D"], []))
    assert [int(c.attrib[f"{W}w"]) for c in even.iter(f"{W}gridCol")] == [2268] * 4


def test_header_row_is_repeated_bold_and_centred() -> None:
    rows = parse(table_xml(["STT", "Tên"], [["1", "Xã A"]])).findall(f"{W}tr")
    assert rows[0].find(f"{W}trPr/{W}tblHeader") is not None
    assert rows[1].find(f"{W}trPr/{W}tblHeader") is None
    assert rows[0].find(f".//{W}rPr/{W}b") is not None
    assert rows[1].find(f".//{W}rPr/{W}b") is None
    assert {jc.attrib[f"{W}val"] for jc in rows[0].iter(f"{W}jc")} == {"center"}


def test_numbers_right_aligned_total_rows_bold() -> None:
    rows = parse(
        table_xml(
            ["Đơn vị", "Số"],
            [["Xã A", "1.234"], ["Xã B", "5"], ["Tổng cộng", "1.239"]],
            total_rows=1,
        )
    ).findall(f"{W}tr")
    aligns = [[jc.attrib[f"{W}val"] for jc in tr.iter(f"{W}jc")] for tr in rows[1:]]
    assert aligns == [["left", "right"]] * 3
    bold = [tr.find(f".//{W}r/{W}rPr/{W}b") is not None for tr in rows[1:]]
    assert bold == [False, False, True]


def test_cells_have_no_indent_and_no_spacing_after() -> None:
    table = parse(table_xml(["A"], [["x"]]))
    for ind in table.iter(f"{W}ind"):
        assert ind.attrib[f"{W}firstLine"] == "0"
    for spacing in table.iter(f"{W}spacing"):
        assert spacing.attrib[f"{W}after"] == "0"
    fonts = {f.attrib[f"{W}ascii"] for f in table.iter(f"{W}rFonts")}
    assert fonts == {"Times New Roman"}


def test_short_rows_are_padded_and_bad_input_refused() -> None:
    assert cell_texts(parse(table_xml(["A", "B"], [["x"]])))[1] == ["x", ""]
    with pytest.raises(ValueError):
        table_xml([], [])
    with pytest.raises(ValueError):
        table_xml(["A"], [["x", "y"]])
    with pytest.raises(ValueError):
        table_xml(["A"], [["x"]], widths_cm=[1, 2])
    with pytest.raises(ValueError):
        table_xml(["A"], [["x"]], total_rows=2)


@pytest.mark.parametrize(
    ("text", "number"),
    [
        ("12", True),
        ("1.234.567", True),
        ("-3,5", True),
        ("87,5%", True),
        (" 7 ", True),
        ("12/10/2025", False),
        ("Xã 5", False),
        ("", False),
        ("1.2.3", False),
    ],
)
def test_looks_like_number(text: str, number: bool) -> None:
    assert looks_like_number(text) is number


def test_round_trip_through_python_docx() -> None:
    text = "Xã Cẩm Điền & <Hội> {{ x }}"
    document = docx.Document()
    table = table_xml(["Đơn vị", "Ghi chú"], [[text, "a\nb"]])
    after = document.add_paragraph("sau bảng")
    after._p.addprevious(parse_xml(str(table).replace("<w:tbl>", f"<w:tbl {XMLNS}>", 1)))
    buffer = io.BytesIO()
    document.save(buffer)
    reopened = docx.Document(io.BytesIO(buffer.getvalue()))
    assert reopened.tables[0].cell(1, 0).text == text
    assert reopened.tables[0].cell(1, 1).text == "a\nb"
    assert reopened.tables[0].cell(0, 0).text == "Đơn vị"
