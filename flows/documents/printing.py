"""How the engine's spreadsheets print: A4, the orientation their width asks for, as many pages
across as keep the text legible, the header rows (and the columns naming each row) repeated on
every page, margins, and "Trang 1 / 3" at the foot of each page.

Widths are Excel's: a column ``w`` characters wide takes about ``7 w + 5`` pixels, 3/4 of a
point each. A sheet wider than a portrait page prints in landscape; one wider than a
landscape page is shrunk to fit it (``fitToWidth``), but never below :data:`MIN_SCALE`:
beyond that it prints on several pages across, the first columns repeated on each.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from xml.sax.saxutils import escape

from openpyxl.utils import get_column_letter  # type: ignore[import-untyped]
from openpyxl.worksheet.worksheet import Worksheet  # type: ignore[import-untyped]

A4 = 9  # the paperSize code of A4
A4_POINTS = (595.3, 841.9)  # width and height, portrait
MARGINS = {"left": 0.7, "right": 0.4, "top": 0.6, "bottom": 0.6, "header": 0.3, "footer": 0.3}
"""Inches: a binding edge on the left, a footer line at the bottom."""
FOOTER = "Trang &P / &N"
"""Page number and page count (Excel's codes), centred at the foot of each page."""
FOOTER_FONT = ("Times New Roman", 10)
MIN_SCALE = 0.65
"""The smallest print scale a sheet is shrunk to: 11-12 pt text still reads at 7-8 pt."""


def column_points(width: float) -> float:
    """The points a column of Excel ``width`` takes on paper at 100 %."""
    return (7 * width + 5) * 0.75


def sheet_points(widths: Sequence[float]) -> float:
    """The points the columns of ``widths`` take on paper at 100 %."""
    return sum(column_points(w) for w in widths)


def printable_points(landscape: bool) -> float:
    """The width between the margins of an A4 page."""
    paper = A4_POINTS[1] if landscape else A4_POINTS[0]
    return paper - (MARGINS["left"] + MARGINS["right"]) * 72


@dataclass(frozen=True)
class PageLayout:
    """How one sheet prints."""

    landscape: bool
    pages_across: int
    """``fitToWidth``: the sheet is shrunk to this many pages across (down: as many as it
    takes, ``fitToHeight`` 0)."""

    @property
    def orientation(self) -> str:
        """``landscape`` or ``portrait``, as page setups spell it."""
        return "landscape" if self.landscape else "portrait"

    def scale(self, widths: Sequence[float]) -> float:
        """The print scale fitting ``widths`` to the pages across (at most 100 %)."""
        room = printable_points(self.landscape) * self.pages_across
        return min(1.0, room / max(sheet_points(widths), 1.0))


def page_layout(widths: Sequence[float], landscape: bool | None = None) -> PageLayout:
    """Portrait when the columns fit a portrait page at full size, else landscape (or as
    ``landscape`` says); one page across unless that would print below :data:`MIN_SCALE`."""
    needed = sheet_points(widths)
    if landscape is None:
        landscape = needed > printable_points(False)
    across = math.ceil(needed * MIN_SCALE / printable_points(landscape))
    return PageLayout(landscape, max(1, across))


# --------------------------------------------------------------------------- openpyxl sheets


def set_page_layout(
    sheet: Worksheet,
    layout: PageLayout,
    title_rows: tuple[int, int] | None = None,
    title_columns: int = 0,
) -> None:
    """Give an openpyxl ``sheet`` its page setup: A4, ``layout``'s orientation and pages
    across, ``title_rows`` (first, last) and the first ``title_columns`` on every page."""
    setup = sheet.page_setup
    setup.paperSize = A4
    setup.orientation = layout.orientation
    setup.fitToWidth = layout.pages_across
    setup.fitToHeight = 0
    sheet.sheet_properties.pageSetUpPr.fitToPage = True
    for side, inches in MARGINS.items():
        setattr(sheet.page_margins, side, inches)
    sheet.print_options.horizontalCentered = layout.pages_across == 1
    footer = sheet.oddFooter.center
    footer.text = FOOTER
    footer.font = f"{FOOTER_FONT[0]},Regular"
    footer.size = FOOTER_FONT[1]
    if title_rows is not None:
        sheet.print_title_rows = f"{title_rows[0]}:{title_rows[1]}"
    if title_columns and layout.pages_across > 1:
        sheet.print_title_cols = f"A:{get_column_letter(title_columns)}"


# --------------------------------------------------------------------------- streamed sheets


def sheet_pr_xml() -> str:
    """The ``<sheetPr>`` a fitted page setup needs (the first child of ``<worksheet>``)."""
    return '<sheetPr><pageSetUpPr fitToPage="1"/></sheetPr>'


def page_setup_xml(layout: PageLayout) -> str:
    """``<printOptions>``, ``<pageMargins>``, ``<pageSetup>`` and ``<headerFooter>`` of a
    worksheet, in the order the schema wants them (after ``<mergeCells>``)."""
    margins = " ".join(f'{side}="{inches:g}"' for side, inches in MARGINS.items())
    centred = '<printOptions horizontalCentered="1"/>' if layout.pages_across == 1 else ""
    font, size = FOOTER_FONT
    footer = escape(f'&C&"{font},Regular"&{size}{FOOTER}')
    return (
        f"{centred}<pageMargins {margins}/>"
        f'<pageSetup paperSize="{A4}" orientation="{layout.orientation}" '
        f'fitToWidth="{layout.pages_across}" fitToHeight="0"/>'
        f"<headerFooter><oddFooter>{footer}</oddFooter></headerFooter>"
    )


def print_titles_ref(quoted_title: str, rows: tuple[int, int], columns: int) -> str:
    """The value of a sheet's ``_xlnm.Print_Titles`` defined name: its first ``columns``
    (none when 0) and its ``rows``, e.g. ``'Tình trạng'!$A:$B,'Tình trạng'!$2:$2``."""
    parts = []
    if columns:
        parts.append(f"{quoted_title}!$A:${get_column_letter(columns)}")
    parts.append(f"{quoted_title}!${rows[0]}:${rows[1]}")
    return ",".join(parts)
