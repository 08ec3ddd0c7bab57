"""WordprocessingML table builder for the document templates.

The report template inserts pre-rendered tables with docxtpl's ``{{p t }}`` tag: the value
replaces the whole paragraph that holds the tag, so it must be one complete ``<w:tbl>``
element. :func:`table_xml` builds one as a string that uses the ``w:`` prefix without
declaring it (``word/document.xml`` declares it) and returns it as :class:`markupsafe.Markup`
so that an autoescaping Jinja environment inserts it as is.

The tables follow the administrative format of the letters: Times New Roman, black single
borders, a bold centred header row that Word and LibreOffice repeat at the top of every page,
fixed column widths, numbers right-aligned and, optionally, bold total rows at the end.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from xml.sax.saxutils import escape

from markupsafe import Markup

from flows.documents.render import guard_braces

TWIPS_PER_CM = 567
"""Twentieths of a point in one centimetre (1440 per inch / 2.54, rounded)."""

DEFAULT_TABLE_WIDTH_CM = 16.0
"""Width shared evenly by the columns when no widths are given."""

FONT = "Times New Roman"

_INVALID_XML = re.compile("[^\t\n\r\u0020-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")
"""Characters that XML 1.0 does not allow in a document."""

_NUMBER = re.compile(
    r"[+\-\u2212]?"  # sign, with the Unicode minus
    r"(?:\d{1,3}(?:[.,\u00a0 ]\d{3})+|\d+)"  # 1.234.567, 1,234, 1 234 or 1234
    r"(?:[.,]\d+)?"  # decimals
    r"\s?%?"  # a percentage
)


def clean_text(text: str) -> str:
    """Return ``text`` without the characters that XML 1.0 forbids, line ends as ``\\n``."""
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    return guard_braces(_INVALID_XML.sub("", text))


def looks_like_number(text: str) -> bool:
    """Tell whether a cell's text is a number (``12``, ``1.234``, ``-3,5``, ``87,5%``)."""
    return _NUMBER.fullmatch(text.strip()) is not None


def _run_properties(font_size: float, bold: bool) -> str:
    half_points = round(font_size * 2)
    fonts = f'<w:rFonts w:ascii="{FONT}" w:hAnsi="{FONT}" w:cs="{FONT}" w:eastAsia="{FONT}"/>'
    weight = "<w:b/><w:bCs/>" if bold else ""
    return (
        f'<w:rPr>{fonts}{weight}<w:color w:val="000000"/>'
        f'<w:sz w:val="{half_points}"/><w:szCs w:val="{half_points}"/></w:rPr>'
    )


def _text_runs(text: str, run_properties: str) -> str:
    """One run holding ``text``: line breaks become ``<w:br/>``, tabs ``<w:tab/>``."""
    parts: list[str] = []
    for number, line in enumerate(clean_text(text).split("\n")):
        if number:
            parts.append("<w:br/>")
        for index, piece in enumerate(line.split("\t")):
            if index:
                parts.append("<w:tab/>")
            if piece:
                parts.append(f'<w:t xml:space="preserve">{escape(piece)}</w:t>')
    if not parts:
        return ""
    return f"<w:r>{run_properties}{''.join(parts)}</w:r>"


def _cell(text: str, width: int, align: str, run_properties: str) -> str:
    paragraph_properties = (
        '<w:pPr><w:spacing w:before="0" w:after="0" w:line="240" w:lineRule="auto"/>'
        f'<w:ind w:left="0" w:right="0" w:firstLine="0"/><w:jc w:val="{align}"/>'
        f"{run_properties}</w:pPr>"
    )
    return (
        f'<w:tc><w:tcPr><w:tcW w:w="{width}" w:type="dxa"/><w:vAlign w:val="center"/>'
        f"</w:tcPr><w:p>{paragraph_properties}{_text_runs(text, run_properties)}</w:p></w:tc>"
    )


def _column_widths(columns: int, widths_cm: Sequence[float] | None) -> list[int]:
    if widths_cm is None:
        share = round(DEFAULT_TABLE_WIDTH_CM * TWIPS_PER_CM / columns)
        return [share] * columns
    if len(widths_cm) != columns:
        raise ValueError(f"{len(widths_cm)} widths for {columns} columns")
    if any(width <= 0 for width in widths_cm):
        raise ValueError(f"column widths must be positive: {list(widths_cm)}")
    return [round(width * TWIPS_PER_CM) for width in widths_cm]


def table_xml(
    header: list[str],
    rows: list[list[str]],
    widths_cm: list[float] | None = None,
    font_size: float = 11,
    total_rows: int = 0,
) -> Markup:
    """Build a complete ``<w:tbl>`` element for a docxtpl ``{{p … }}`` tag.

    ``header`` names the columns; each row of ``rows`` has at most as many cells (missing
    cells are left empty). ``widths_cm`` gives each column's width in centimetres (default:
    16 cm split evenly). ``font_size`` is in points. The last ``total_rows`` rows are bold
    (for "Tổng cộng" rows). Cell text is escaped, stripped of characters that XML 1.0
    forbids, and a newline in it becomes a line break. Cells whose text looks like a number
    are right-aligned, the header is centred, the rest left-aligned.

    Raises ``ValueError`` for an empty header, a row longer than the header, a width list of
    the wrong length or a ``total_rows`` outside ``0..len(rows)``.
    """
    columns = len(header)
    if columns == 0:
        raise ValueError("a table needs at least one column")
    for number, row in enumerate(rows, start=1):
        if len(row) > columns:
            raise ValueError(f"row {number} has {len(row)} cells for {columns} columns")
    if not 0 <= total_rows <= len(rows):
        raise ValueError(f"total_rows={total_rows} with {len(rows)} rows")
    widths = _column_widths(columns, widths_cm)

    borders = "".join(
        f'<w:{side} w:val="single" w:sz="4" w:space="0" w:color="000000"/>'
        for side in ("top", "left", "bottom", "right", "insideH", "insideV")
    )
    table_properties = (
        f'<w:tblPr><w:tblW w:w="{sum(widths)}" w:type="dxa"/><w:jc w:val="center"/>'
        f"<w:tblBorders>{borders}</w:tblBorders>"
        '<w:tblLayout w:type="fixed"/>'
        '<w:tblCellMar><w:top w:w="28" w:type="dxa"/><w:left w:w="85" w:type="dxa"/>'
        '<w:bottom w:w="28" w:type="dxa"/><w:right w:w="85" w:type="dxa"/></w:tblCellMar>'
        '<w:tblLook w:val="04A0" w:firstRow="1" w:lastRow="0" w:firstColumn="0"'
        ' w:lastColumn="0" w:noHBand="0" w:noVBand="1"/></w:tblPr>'
    )
    grid = "".join(f'<w:gridCol w:w="{width}"/>' for width in widths)

    plain = _run_properties(font_size, bold=False)
    bold = _run_properties(font_size, bold=True)
    header_cells = "".join(
        _cell(text, width, "center", bold) for text, width in zip(header, widths, strict=True)
    )
    parts = [
        f"<w:tbl>{table_properties}<w:tblGrid>{grid}</w:tblGrid>",
        f"<w:tr><w:trPr><w:cantSplit/><w:tblHeader/></w:trPr>{header_cells}</w:tr>",
    ]
    first_total = len(rows) - total_rows
    for index, row in enumerate(rows):
        properties = bold if index >= first_total else plain
        cells = [*row, *[""] * (columns - len(row))]
        parts.append("<w:tr><w:trPr><w:cantSplit/></w:trPr>")
        for text, width in zip(cells, widths, strict=True):
            align = "right" if looks_like_number(text) else "left"
            parts.append(_cell(text, width, align, properties))
        parts.append("</w:tr>")
    parts.append("</w:tbl>")
    return Markup("".join(parts))
