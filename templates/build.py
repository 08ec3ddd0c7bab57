"""Build the docxtpl templates of the letters and the report.

    .venv/bin/python templates/build.py [OUTDIR]

writes ``reminder.docx`` (công văn đôn đốc), ``feedback.docx`` (phiếu phản hồi) and
``report.docx`` (báo cáo tổng hợp) into OUTDIR (default: this folder). The layout follows
Nghị định 30/2020/NĐ-CP, Phụ lục I: A4, margins 2/2/3/1.5 cm, Times New Roman, the two-column
letterhead with the short lines under the issuer and under the motto, page numbers at the top
from page 2 on, "Nơi nhận" and the signature block at the end, on the page of the body's
last paragraph (never alone on a page).

The output is deterministic: fixed core properties, no dates or random ids, so building twice
gives the same XML in every part. After saving, every file is reopened and checked: each
Jinja tag must sit inside one run of text (docxtpl cannot read a tag split over runs), and a
paragraph or row tag (``{%p``, ``{{p``, ``{%tr``) must be alone in its paragraph or row.

Staff may edit the .docx files in Word afterwards; the renderer checks split tags again.
The report holds one picture, ``word/media/image1.png`` (16:9, 16 cm wide): a placeholder
whose bytes the renderer replaces with the real chart.
"""

from __future__ import annotations

import datetime as dt
import io
import re
import sys
import zipfile
from collections.abc import Callable
from pathlib import Path

from docx import Document
from docx.document import Document as DocumentObject
from docx.enum.section import WD_ORIENT
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.oxml import parse_xml
from docx.oxml.ns import nsdecls, qn
from docx.shared import Cm, Pt, RGBColor
from docx.table import Table, _Cell
from docx.text.paragraph import Paragraph
from PIL import Image, ImageDraw

from flows.documents.render import split_tags

FONT = "Times New Roman"
BODY_PT = 14
TEXT_WIDTH_CM = 21.0 - 3.0 - 1.5
FIXED_TIME = dt.datetime(2017, 1, 1, 0, 0, 0)
CHART_MEDIA = "word/media/image1.png"
CHART_PX = (1600, 900)
CHART_WIDTH_CM = 16.0

# The letterhead: left column (issuer) and right column (national title), in cm.
HEAD_LEFT_CM = 6.5
HEAD_RIGHT_CM = TEXT_WIDTH_CM - HEAD_LEFT_CM
CELL_MARGIN_CM = 0.1
ISSUER_LINE_CM = 2.2  # the short line under the issuer's name: about a third of the column
MOTTO_LINE_CM = 5.7  # "Độc lập - Tự do - Hạnh phúc" in 13 pt bold is 5.6 cm wide
TITLE_LINE_CM = 3.0  # under the report's title
RULE_GAP_PT = 0.0  # space before the rule's paragraph
RULE_HEIGHT_PT = 6.0  # the rule's own empty paragraph (exact height): the gap above the line

# Signature block: "Nơi nhận" on the left, the signer on the right.
SIGN_LEFT_CM = 7.0
SIGN_RIGHT_CM = TEXT_WIDTH_CM - SIGN_LEFT_CM

ISSUER = "{{ issuer_in_text }}"

# Children of w:pPr that come after w:pBdr, in schema order (Word refuses another order).
AFTER_PBDR = [
    "w:shd",
    "w:tabs",
    "w:suppressAutoHyphens",
    "w:kinsoku",
    "w:wordWrap",
    "w:overflowPunct",
    "w:topLinePunct",
    "w:autoSpaceDE",
    "w:autoSpaceDN",
    "w:bidi",
    "w:adjustRightInd",
    "w:snapToGrid",
    "w:spacing",
    "w:ind",
    "w:contextualSpacing",
    "w:mirrorIndents",
    "w:suppressOverlap",
    "w:jc",
    "w:textDirection",
    "w:textAlignment",
    "w:textboxTightWrap",
    "w:outlineLvl",
    "w:divId",
    "w:cnfStyle",
    "w:rPr",
    "w:sectPr",
    "w:pPrChange",
]

Container = DocumentObject | _Cell


# --------------------------------------------------------------------------- primitives


def paragraph(
    container: Container,
    *runs: tuple[str, dict[str, object]] | str,
    size: float = BODY_PT,
    align: WD_ALIGN_PARAGRAPH | None = None,
    indent: bool = True,
    before: float = 0,
    after: float = 6,
    keep_next: bool = False,
    keep_lines: bool = False,
    first: bool = False,
) -> Paragraph:
    """A paragraph of ``runs``; each run is text or (text, formatting). Each run is one
    ``add_run`` call, so a Jinja tag written inside one run's text stays in one ``w:t``.

    ``first`` reuses the empty paragraph a new table cell starts with.
    """
    if first and isinstance(container, _Cell):
        par = container.paragraphs[0]
    else:
        par = container.add_paragraph()
    fmt = par.paragraph_format
    if align is not None:
        par.alignment = align
    if not indent:
        fmt.first_line_indent = Cm(0)
    fmt.space_before = Pt(before)
    fmt.space_after = Pt(after)
    if keep_next:
        fmt.keep_with_next = True
    if keep_lines:
        fmt.keep_together = True
    mark_size(par, size)
    for item in runs:
        text, style = (item, {}) if isinstance(item, str) else item
        run = par.add_run(text)
        run.font.size = Pt(float(style.get("size", size)))  # type: ignore[arg-type]
        run.font.bold = bool(style.get("bold")) or None
        run.font.italic = bool(style.get("italic")) or None
        if style.get("caps"):
            run.font.all_caps = True
    return par


def tag(container: Container, text: str) -> Paragraph:
    """A paragraph holding only a docxtpl paragraph tag (``{%p … %}``, ``{{p … }}``)."""
    return paragraph(container, text, indent=False, after=0)


def mark_size(par: Paragraph, size: float) -> None:
    """Give the paragraph mark the font size, so an empty paragraph is as tall as its text."""
    ppr = par._p.get_or_add_pPr()
    rpr = ppr.find(qn("w:rPr"))
    if rpr is None:
        rpr = parse_xml(f"<w:rPr {nsdecls('w')}/>")
        ppr.append(rpr)
    for name in ("w:sz", "w:szCs"):
        old = rpr.find(qn(name))
        if old is not None:
            rpr.remove(old)
        rpr.append(parse_xml(f'<{name} {nsdecls("w")} w:val="{round(size * 2)}"/>'))


def rule(
    container: Container, width_cm: float, length_cm: float, before: float = RULE_GAP_PT
) -> Paragraph:
    """A solid horizontal line ``length_cm`` long, centred in ``width_cm`` (a cell's width
    or the text width): an empty, low paragraph with a bottom border and indents on both
    sides, so the line sits just under the text above it."""
    par = paragraph(container, size=1, align=WD_ALIGN_PARAGRAPH.CENTER, indent=False, after=0)
    margins = 2 * CELL_MARGIN_CM if isinstance(container, _Cell) else 0
    side = max((width_cm - margins - length_cm) / 2, 0)
    fmt = par.paragraph_format
    fmt.left_indent = Cm(side)
    fmt.right_indent = Cm(side)
    fmt.space_before = Pt(before)
    fmt.line_spacing = Pt(RULE_HEIGHT_PT)
    border = parse_xml(
        f'<w:pBdr {nsdecls("w")}><w:bottom w:val="single" w:sz="6" w:space="0" '
        'w:color="000000"/></w:pBdr>'
    )
    par._p.get_or_add_pPr().insert_element_before(border, *AFTER_PBDR)
    return par


def set_table(table: Table, widths_cm: list[float], borders: bool, header_rows: int = 0) -> None:
    """Fixed layout, exact column widths, borders (single black) or none."""
    twips = [round(w * 567) for w in widths_cm]
    kind = 'w:val="single" w:sz="4" w:space="0" w:color="000000"' if borders else 'w:val="nil"'
    edges = "".join(
        f"<w:{side} {kind}/>" for side in ("top", "left", "bottom", "right", "insideH", "insideV")
    )
    margin = round(CELL_MARGIN_CM * 567) if not borders else 85
    tbl_pr = parse_xml(
        f"<w:tblPr {nsdecls('w')}>"
        f'<w:tblW w:w="{sum(twips)}" w:type="dxa"/><w:jc w:val="center"/>'
        f"<w:tblBorders>{edges}</w:tblBorders>"
        '<w:tblLayout w:type="fixed"/>'
        f'<w:tblCellMar><w:top w:w="0" w:type="dxa"/><w:left w:w="{margin}" w:type="dxa"/>'
        f'<w:bottom w:w="0" w:type="dxa"/><w:right w:w="{margin}" w:type="dxa"/></w:tblCellMar>'
        '<w:tblLook w:val="04A0" w:firstRow="1" w:lastRow="0" w:firstColumn="0" '
        'w:lastColumn="0" w:noHBand="0" w:noVBand="1"/></w:tblPr>'
    )
    tbl = table._tbl
    tbl.remove(tbl.tblPr)
    tbl.insert(0, tbl_pr)
    for col, width in zip(tbl.tblGrid.findall(qn("w:gridCol")), twips, strict=True):
        col.set(qn("w:w"), str(width))
    for number, row in enumerate(table.rows):
        tr_pr = row._tr.get_or_add_trPr()
        tr_pr.append(parse_xml(f"<w:cantSplit {nsdecls('w')}/>"))
        if number < header_rows:
            tr_pr.append(parse_xml(f"<w:tblHeader {nsdecls('w')}/>"))
        for cell, width in zip(row.cells, widths_cm, strict=True):
            cell.width = Cm(width)


# --------------------------------------------------------------------------- document


def new_document(title: str) -> DocumentObject:
    """An empty A4 document with the Normal style, page numbers and fixed properties."""
    doc = Document()
    section = doc.sections[0]
    section.orientation = WD_ORIENT.PORTRAIT
    section.page_width = Cm(21)
    section.page_height = Cm(29.7)
    section.top_margin = Cm(2)
    section.bottom_margin = Cm(2)
    section.left_margin = Cm(3)
    section.right_margin = Cm(1.5)
    section.header_distance = Cm(1)
    section.footer_distance = Cm(1)

    styles = doc.styles.element
    defaults = styles.find(qn("w:docDefaults"))
    styles.remove(defaults)
    styles.insert(
        0,
        parse_xml(
            f"<w:docDefaults {nsdecls('w')}><w:rPrDefault><w:rPr>"
            f'<w:rFonts w:ascii="{FONT}" w:hAnsi="{FONT}" w:cs="{FONT}" w:eastAsia="{FONT}"/>'
            f'<w:sz w:val="{BODY_PT * 2}"/><w:szCs w:val="{BODY_PT * 2}"/>'
            '<w:lang w:val="vi-VN" w:eastAsia="en-US" w:bidi="ar-SA"/>'
            "</w:rPr></w:rPrDefault><w:pPrDefault><w:pPr>"
            '<w:spacing w:after="120" w:line="240" w:lineRule="auto"/>'
            "</w:pPr></w:pPrDefault></w:docDefaults>"
        ),
    )
    normal = doc.styles["Normal"]
    normal.font.name = FONT
    normal.font.size = Pt(BODY_PT)
    normal.font.color.rgb = RGBColor(0, 0, 0)
    fonts = normal.element.get_or_add_rPr().get_or_add_rFonts()
    for attribute in ("w:ascii", "w:hAnsi", "w:cs", "w:eastAsia"):
        fonts.set(qn(attribute), FONT)
    fmt = normal.paragraph_format
    fmt.alignment = WD_ALIGN_PARAGRAPH.JUSTIFY
    fmt.first_line_indent = Cm(1.27)
    fmt.space_before = Pt(0)
    fmt.space_after = Pt(6)
    fmt.line_spacing = 1.0
    fmt.widow_control = True

    # A justified line ended by a line break (a "\n" in a value) keeps normal word spacing.
    compat = doc.settings.element.find(qn("w:compat"))
    compat.insert(0, parse_xml(f"<w:doNotExpandShiftReturn {nsdecls('w')}/>"))

    page_numbers(doc)

    props = doc.core_properties
    props.author = "mohinh"
    props.last_modified_by = "mohinh"
    props.title = title
    props.subject = ""
    props.comments = ""
    props.keywords = ""
    props.category = ""
    props.language = "vi-VN"
    props.created = FIXED_TIME
    props.modified = FIXED_TIME
    props.last_printed = FIXED_TIME
    props.revision = 1
    return doc


def page_numbers(doc: DocumentObject) -> None:
    """A centred PAGE field at the top of every page but the first (titlePg)."""
    section = doc.sections[0]
    section.different_first_page_header_footer = True
    first = section.first_page_header
    first.is_linked_to_previous = False
    first.paragraphs[0].paragraph_format.first_line_indent = Cm(0)
    header = section.header
    header.is_linked_to_previous = False
    par = header.paragraphs[0]
    par.alignment = WD_ALIGN_PARAGRAPH.CENTER
    par.paragraph_format.first_line_indent = Cm(0)
    par.paragraph_format.space_after = Pt(0)
    rpr = (
        f'<w:rPr><w:rFonts w:ascii="{FONT}" w:hAnsi="{FONT}" w:cs="{FONT}"/>'
        '<w:sz w:val="26"/></w:rPr>'
    )
    for inner in (
        '<w:fldChar w:fldCharType="begin"/>',
        '<w:instrText xml:space="preserve"> PAGE </w:instrText>',
        '<w:fldChar w:fldCharType="separate"/>',
        "<w:t>2</w:t>",
        '<w:fldChar w:fldCharType="end"/>',
    ):
        par._p.append(parse_xml(f"<w:r {nsdecls('w')}>{rpr}{inner}</w:r>"))


def letterhead(doc: DocumentObject, letter: bool, level_label: bool = False) -> None:
    """The two-column header: issuer and number (and subject) left, national title and the
    place and date right. Row 1 holds the titles, row 2 the number and the date, so the
    number and the date sit on the same line."""
    table = doc.add_table(rows=2, cols=2)
    set_table(table, [HEAD_LEFT_CM, HEAD_RIGHT_CM], borders=False)
    center = WD_ALIGN_PARAGRAPH.CENTER
    left, right = table.cell(0, 0), table.cell(0, 1)
    common = {"align": center, "indent": False, "after": 0}

    paragraph(left, ("{{ org_parent }}", {"caps": True}), size=13, first=True, **common)
    paragraph(left, ("{{ org_name }}", {"bold": True, "caps": True}), size=13, **common)
    rule(left, HEAD_LEFT_CM, ISSUER_LINE_CM)

    paragraph(
        right,
        ("CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM", {"bold": True}),
        size=12,
        first=True,
        **common,
    )
    paragraph(right, ("Độc lập - Tự do - Hạnh phúc", {"bold": True}), size=13, **common)
    rule(right, HEAD_RIGHT_CM, MOTTO_LINE_CM)

    left, right = table.cell(1, 0), table.cell(1, 1)
    paragraph(left, "{{ number }}", size=13, first=True, before=6, **common)
    if letter:
        paragraph(left, "{{ subject }}", size=12, before=2, **common)
    if level_label:
        paragraph(left, ("({{ level_label }})", {"italic": True}), size=12, **common)
    paragraph(
        right, ("{{ place_date }}", {"italic": True}), size=14, first=True, before=6, **common
    )


def addressee(doc: DocumentObject) -> None:
    """'Kính gửi: …', centred under the letterhead."""
    paragraph(
        doc,
        "Kính gửi: ",
        "{{ addressee }}",
        align=WD_ALIGN_PARAGRAPH.CENTER,
        indent=False,
        before=18,
        after=12,
    )


def body(
    doc: DocumentObject, *runs: tuple[str, dict[str, object]] | str, **kw: object
) -> Paragraph:
    """A body paragraph: 14 pt, justified, first-line indent (the Normal style)."""
    return paragraph(doc, *runs, **kw)  # type: ignore[arg-type]


def contact(doc: DocumentObject) -> None:
    """The line naming the department to contact, when there is one."""
    tag(doc, "{%p if department %}")
    body(
        doc,
        "Mọi vướng mắc trong quá trình thực hiện, đề nghị liên hệ {{ department }} "
        "để được hướng dẫn.",
    )
    tag(doc, "{%p endif %}")


def closing(doc: DocumentObject, *runs: tuple[str, dict[str, object]] | str, **kw: object) -> None:
    """The last paragraph of the body, then the signature: the paragraph is kept whole and on
    the page of the signature, so a page never holds "Nơi nhận" and the signer alone."""
    body(doc, *runs, keep_next=True, keep_lines=True, **kw)
    signature(doc)


def signature(doc: DocumentObject) -> None:
    """'Nơi nhận' and the recipients left, the signer right, in a borderless table of one row
    that cannot split (set_table), kept with the paragraphs before it (keep with next: Word and
    LibreOffice keep a paragraph with the first row of the table that follows it)."""
    paragraph(doc, "", size=8, after=0, indent=False, keep_next=True)
    table = doc.add_table(rows=1, cols=2)
    set_table(table, [SIGN_LEFT_CM, SIGN_RIGHT_CM], borders=False)
    left, right = table.cell(0, 0), table.cell(0, 1)
    flush = {"align": WD_ALIGN_PARAGRAPH.LEFT, "indent": False, "after": 0}
    paragraph(left, ("Nơi nhận:", {"bold": True, "italic": True}), size=12, first=True, **flush)
    paragraph(left, "{{ recipients }}", size=11, **flush)

    center = {"align": WD_ALIGN_PARAGRAPH.CENTER, "indent": False, "after": 0}
    paragraph(right, ("{{ signer_authority }}", {"bold": True, "caps": True}), first=True, **center)
    paragraph(right, ("{{ signer_title }}", {"bold": True, "caps": True}), **center)
    for _ in range(4):
        paragraph(right, "", **center)
    paragraph(right, ("{{ signer_name }}", {"bold": True}), **center)


CAMPAIGN = "{{ campaign_title }}{% if campaign_reference %} ({{ campaign_reference }}){% endif %}"


# --------------------------------------------------------------------------- the templates


def reminder() -> DocumentObject:
    """Công văn đôn đốc: the reports of one site that are due soon or overdue."""
    doc = new_document("Công văn đôn đốc gửi báo cáo")
    letterhead(doc, letter=True, level_label=True)
    addressee(doc)
    body(
        doc,
        f"Thực hiện {CAMPAIGN}, {ISSUER} theo dõi, tổng hợp tình hình gửi báo cáo, hồ sơ "
        "của các đơn vị có mô hình tham gia theo tiến độ đã đề ra.",
    )
    tag(doc, '{%p if stage == "before" %}')
    body(
        doc,
        "Theo tiến độ, các báo cáo, hồ sơ dưới đây của {{ site_name }} sắp đến hạn gửi. "
        f"{ISSUER} trân trọng nhắc và đề nghị đơn vị chủ động chuẩn bị, gửi đầy đủ, "
        "đúng thời hạn:",
    )
    tag(doc, '{%p elif stage == "after" %}')
    body(
        doc,
        "Tính đến ngày {{ as_of }}, " + ISSUER + " chưa nhận được hoặc chưa tiếp nhận được "
        "các báo cáo, hồ sơ dưới đây của {{ site_name }}, mặc dù đã quá thời hạn quy định. "
        "Đề nghị đơn vị khẩn trương hoàn thiện và gửi ngay:",
    )
    tag(doc, "{%p else %}")
    body(
        doc,
        "Tính đến ngày {{ as_of }}, {{ site_name }} vẫn chưa gửi đầy đủ các báo cáo, hồ sơ "
        "dưới đây{% if reminded_before %}, mặc dù "
        + ISSUER
        + " đã đôn đốc{% endif %}. Đây là lần đôn đốc cuối cùng; "
        "đề nghị đơn vị gửi ngay các báo cáo, hồ sơ còn thiếu:",
    )
    tag(doc, "{%p endif %}")

    tag(doc, "{%p for item in items %}")
    body(
        doc,
        "- {{ item.milestone }} (biểu mẫu: {{ item.form }}, điền vào tệp {{ item.form_file }} "
        "gửi kèm công văn này): hạn {{ item.due }}; "
        "{{ item.state }}"
        "{% if item.late %}, đã quá hạn {{ item.days }} ngày"
        "{% elif item.days > 0 %}, còn {{ item.days }} ngày nữa đến hạn"
        "{% else %}, đến hạn trong hôm nay{% endif %}."
        "{% if item.description %} {{ item.description }}{% endif %}",
    )
    tag(doc, "{%p endfor %}")

    tag(doc, '{%p if stage == "after" %}')
    body(
        doc,
        "Việc chậm gửi báo cáo, hồ sơ làm ảnh hưởng đến tiến độ tổng hợp, đánh giá chung. "
        "Đề nghị đơn vị khắc phục, bảo đảm gửi đầy đủ trong thời gian sớm nhất.",
    )
    tag(doc, '{%p elif stage == "final" %}')
    body(
        doc,
        (
            f"{ISSUER} lưu ý: mô hình nào không có đủ báo cáo, hồ sơ đăng ký theo quy định "
            "sẽ không được xem xét, công nhận.",
            {"bold": True},
        ),
    )
    tag(doc, "{%p endif %}")

    body(doc, "{{ drop_folder }}")
    contact(doc)
    closing(doc, f"{ISSUER} đề nghị đơn vị quan tâm, chỉ đạo thực hiện./.")
    return doc


def feedback() -> DocumentObject:
    """Phiếu phản hồi: what was found in one submitted workbook."""
    doc = new_document("Phiếu phản hồi về tệp báo cáo")
    letterhead(doc, letter=True)
    addressee(doc)
    body(
        doc,
        "Ngày {{ received }}, " + ISSUER + " nhận được tệp “{{ file_name }}”"
        "{% if form_title %} (biểu mẫu: {{ form_title }}){% endif %}"
        "{% if milestone %}, thuộc mốc “{{ milestone }}”{% endif %}"
        f", thực hiện {CAMPAIGN}. Kết quả kiểm tra: tệp {{{{ status }}}}.",
    )
    body(doc, "{{ accepted }}")
    body(
        doc,
        "{% if error_count or warning_count %}"
        "Qua kiểm tra, tệp có {{ error_count }} lỗi cần sửa và {{ warning_count }} nội dung "
        "cần lưu ý, cụ thể như sau:"
        "{% else %}Qua kiểm tra, tệp không có lỗi hoặc nội dung nào cần lưu ý.{% endif %}",
    )

    tag(doc, "{%p if issues %}")
    widths = [1.2, 3.1, 1.7, 4.4, 2.8, 3.3]
    table = doc.add_table(rows=4, cols=6)
    set_table(table, widths, borders=True, header_rows=1)
    cell_format = {"indent": False, "after": 0, "size": 11, "first": True}
    for cell, title in zip(
        table.rows[0].cells,
        ["STT", "Vị trí", "Mức độ", "Nội dung", "Giá trị trong tệp", "Gợi ý sửa"],
        strict=True,
    ):
        paragraph(cell, (title, {"bold": True}), align=WD_ALIGN_PARAGRAPH.CENTER, **cell_format)
    paragraph(table.cell(1, 0), "{%tr for i in issues %}", **cell_format)
    for cell, text, align in zip(
        table.rows[2].cells,
        [
            "{{ i.no }}",
            "{{ i.place }}",
            "{{ i.severity }}",
            "{{ i.message }}",
            "{{ i.value }}",
            "{{ i.suggestion }}",
        ],
        ["CENTER", "LEFT", "CENTER", "LEFT", "LEFT", "LEFT"],
        strict=True,
    ):
        paragraph(cell, text, align=WD_ALIGN_PARAGRAPH[align], **cell_format)
    paragraph(table.cell(3, 0), "{%tr endfor %}", **cell_format)
    for row in (1, 2, 3):
        for col in range(1, 6):
            mark_size(table.cell(row, col).paragraphs[0], 11)
            table.cell(row, col).paragraphs[0].paragraph_format.first_line_indent = Cm(0)
    tag(doc, "{%p endif %}")
    paragraph(doc, "", size=6, after=0, indent=False)

    tag(doc, "{%p if marked_copy %}")
    body(
        doc,
        "Kèm theo phiếu này là bản sao của tệp, trong đó các ô có lỗi hoặc cần lưu ý đã được "
        "đánh dấu: “{{ marked_copy }}”.",
    )
    tag(doc, "{%p endif %}")
    # What to correct where and send back: the marked copy's note says the same words
    # (flows/documents/instruction.py).
    body(doc, "{{ instruction }} {{ drop_folder }}")
    contact(doc)
    closing(doc, f"{ISSUER} thông báo để đơn vị biết, thực hiện./.")
    return doc


ROMAN = "I II III IV V VI VII VIII IX X XI XII XIII XIV XV XVI XVII XVIII XIX XX"


def placeholder_chart() -> bytes:
    """A neutral 1600x900 grey bar chart, replaced by the real chart when rendering."""
    width, height = CHART_PX
    image = Image.new("RGB", (width, height), "white")
    draw = ImageDraw.Draw(image)
    draw.rectangle([0, 0, width - 1, height - 1], outline=(190, 190, 190), width=4)
    base, left = height - 120, 140
    draw.line([left, 80, left, base], fill=(90, 90, 90), width=4)
    draw.line([left, base, width - 80, base], fill=(90, 90, 90), width=4)
    for index, share in enumerate((0.55, 0.8, 0.35, 0.65, 0.9, 0.45)):
        x = left + 60 + index * 230
        draw.rectangle([x, base - int(share * (base - 100)), x + 150, base], fill=(170, 170, 170))
    out = io.BytesIO()
    image.save(out, format="PNG", optimize=False)
    return out.getvalue()


def listing(doc: DocumentObject, name: str, line: str) -> None:
    """'- item' paragraphs for each item of ``name``, or 'Không có.' when it is empty."""
    tag(doc, f"{{%p for x in {name} %}}")
    body(doc, line)
    tag(doc, "{%p endfor %}")
    tag(doc, f"{{%p if not {name} %}}")
    body(doc, "Không có.")
    tag(doc, "{%p endif %}")


def report() -> DocumentObject:
    """Báo cáo tổng hợp: the campaign's figures, the sites' own words and who reported."""
    doc = new_document("Báo cáo tổng hợp")
    letterhead(doc, letter=False)
    center = {"align": WD_ALIGN_PARAGRAPH.CENTER, "indent": False}
    paragraph(doc, ("BÁO CÁO", {"bold": True}), before=18, after=0, **center)
    paragraph(doc, ("{{ summary_title }}", {"bold": True}), after=0, **center)
    rule(doc, TEXT_WIDTH_CM, TITLE_LINE_CM).paragraph_format.space_after = Pt(12)

    body(
        doc,
        f"Thực hiện {CAMPAIGN}, {ISSUER} báo cáo kết quả tổng hợp tình hình thực hiện, "
        "tính đến ngày {{ as_of }}, như sau:",
    )
    body(doc, "{{ overview }}")

    tag(doc, "{%p for section in sections %}")
    body(doc, ("{{ section.heading }}", {"bold": True}), before=6, keep_next=True)
    tag(doc, "{%p if section.intro %}")
    body(doc, "{{ section.intro }}")
    tag(doc, "{%p endif %}")
    tag(doc, "{%p for t in section.tables %}")
    tag(doc, "{{p t }}")
    paragraph(doc, "", size=6, after=0, indent=False)
    tag(doc, "{%p endfor %}")
    tag(doc, "{%p for e in section.entries %}")
    body(doc, ("{{ e.site }}:", {"bold": True}), " {{ e.text }}")
    tag(doc, "{%p endfor %}")
    tag(doc, "{%p endfor %}")

    body(
        doc,
        (
            f'{{{{ "{ROMAN}".split()[sections|length] if sections|length < 20 '
            "else sections|length + 1 }}. TÌNH HÌNH GỬI BÁO CÁO",
            {"bold": True},
        ),
        before=6,
        keep_next=True,
    )
    tag(doc, "{{p status_table }}")
    picture = paragraph(doc, align=WD_ALIGN_PARAGRAPH.CENTER, indent=False, before=6, after=0)
    picture.paragraph_format.keep_with_next = True
    picture.add_run().add_picture(io.BytesIO(placeholder_chart()), width=Cm(CHART_WIDTH_CM))
    paragraph(
        doc,
        ("Biểu đồ: Tình hình gửi báo cáo của các đơn vị", {"italic": True}),
        size=12,
        after=6,
        **center,
    )
    body(doc, ("1. Đơn vị gửi báo cáo chậm", {"bold": True}), keep_next=True)
    listing(doc, "late", "- {{ x }}")
    body(doc, ("2. Đơn vị chưa gửi báo cáo", {"bold": True}), keep_next=True)
    listing(doc, "missing", "- {{ x }}")
    body(doc, ("3. Đơn vị đủ điều kiện kiểm tra, công nhận", {"bold": True}), keep_next=True)
    listing(doc, "ready", "- {{ x }}")
    body(doc, ("4. Đơn vị chưa đủ điều kiện", {"bold": True}), keep_next=True)
    tag(doc, "{%p for u in not_ready %}")
    body(
        doc,
        '- {{ u.site }}: {{ u.reasons if u.reasons is string else u.reasons|join("; ") }}.',
    )
    tag(doc, "{%p endfor %}")
    tag(doc, "{%p if not not_ready %}")
    body(doc, "Không có.")
    tag(doc, "{%p endif %}")

    closing(
        doc,
        "Trên đây là báo cáo tổng hợp tình hình thực hiện {{ campaign_title }}, tính đến ngày "
        "{{ as_of }}, của " + ISSUER + "./.",
        before=6,
    )
    return doc


TEMPLATES: dict[str, Callable[[], DocumentObject]] = {
    "reminder.docx": reminder,
    "feedback.docx": feedback,
    "report.docx": report,
}


# --------------------------------------------------------------------------- checks

TEXT_PARTS = re.compile(r"word/(document|header\d*|footer\d*|footnotes|endnotes)\.xml")


def check(path: Path) -> None:
    """Fail loudly if a saved template has a tag docxtpl cannot read."""
    problems: list[str] = []
    with zipfile.ZipFile(path) as package:
        for name in package.namelist():
            if TEXT_PARTS.fullmatch(name):
                problems += [f"{path.name} {name}: {p}" for p in split_tags(package.read(name))]
        media = sorted(n for n in package.namelist() if n.startswith("word/media/"))
    expected = [CHART_MEDIA] if path.name == "report.docx" else []
    if media != expected:
        problems.append(f"{path.name}: media {media}, expected {expected}")
    if problems:
        raise SystemExit("templates/build.py: broken template\n" + "\n".join(problems))


def build(outdir: Path) -> list[Path]:
    """Build, save and check every template; return their paths."""
    outdir.mkdir(parents=True, exist_ok=True)
    written = []
    for name, make in TEMPLATES.items():
        path = outdir / name
        make().save(str(path))
        check(path)
        written.append(path)
    return written


def main(argv: list[str]) -> None:
    outdir = Path(argv[1]) if len(argv) > 1 else Path(__file__).resolve().parent
    for path in build(outdir):
        print(path)


if __name__ == "__main__":
    main(sys.argv)
