"""The status chart of reports: one horizontal stacked bar per milestone, as a PNG.

Drawn with matplotlib's Agg canvas on a :class:`~matplotlib.figure.Figure` of its own (no
pyplot, no change to matplotlib's global settings), in a font that has every Vietnamese
glyph, so the same inputs always give the same bytes. Charts can be cached on disk by a hash
of everything that shapes them.
"""

from __future__ import annotations

import hashlib
import io
import json
import textwrap
import unicodedata
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import matplotlib
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.colors import to_rgb
from matplotlib.figure import Figure
from matplotlib.font_manager import FontProperties, findfont
from matplotlib.ft2font import FT2Font
from matplotlib.patches import Patch
from matplotlib.ticker import MaxNLocator

from flows.documents.atomic import write_atomic

# Every letter Vietnamese adds to ASCII, upper and lower case.
VIETNAMESE_UPPER = "ẠẢÃÀÁÂẦẤẬẨẪĂẰẮẶẲẴĐƠỜỚỢỞỠƯỪỨỰỬỮẸẺẼÈÉÊỀẾỆỂỄỊỈĨÌÍỌỎÕÒÓÔỒỐỘỔỖỤỦŨÙÚỴỶỸỲÝ"
VIETNAMESE = VIETNAMESE_UPPER + VIETNAMESE_UPPER.lower()

FAMILIES = ("Liberation Sans", "DejaVu Sans")
"""Fonts tried in order: Liberation Sans (fonts-liberation2) when installed, else DejaVu Sans,
which ships with matplotlib. Both cover Vietnamese."""

WIDTH, HEIGHT, DPI = 16, 9, 100  # 1600 x 900 pixels
LABEL_WIDTH = 28  # characters of a milestone name per line
X_LABEL = "Số đơn vị"
DRAWING_VERSION = 1  # bump when the drawing changes, so cached charts are redrawn

StatusRow = tuple[str, dict[str, int]]
"""A milestone's name and its count of units in each state."""
LegendEntry = tuple[str, str, str]
"""A state's key, its Vietnamese label and its colour (any matplotlib colour)."""


@dataclass(frozen=True)
class ChartFont:
    """The font of the charts: its family name and the files of the regular and bold faces."""

    family: str
    regular: Path
    bold: Path

    def properties(self, *, bold: bool = False, size: float = 12) -> FontProperties:
        """Properties that name the file itself, so nothing falls back to another font."""
        return FontProperties(fname=self.bold if bold else self.regular, size=size)


def covers_vietnamese(path: Path) -> bool:
    """Whether the font file at ``path`` has a glyph for every Vietnamese letter."""
    try:
        font = FT2Font(str(path))
    except (OSError, RuntimeError, ValueError):
        return False
    return all(font.get_char_index(ord(c)) != 0 for c in VIETNAMESE)


@lru_cache(maxsize=1)
def chart_font() -> ChartFont:
    """The first of :data:`FAMILIES` found whose regular and bold faces cover Vietnamese."""
    for family in FAMILIES:
        try:
            regular = Path(findfont(FontProperties(family=family), fallback_to_default=False))
            bold = Path(
                findfont(FontProperties(family=family, weight="bold"), fallback_to_default=False)
            )
        except ValueError:
            continue
        if covers_vietnamese(regular) and covers_vietnamese(bold):
            return ChartFont(family, regular, bold)
    # matplotlib always ships DejaVu Sans, which covers Vietnamese.
    data = Path(matplotlib.get_data_path()) / "fonts" / "ttf"
    return ChartFont("DejaVu Sans", data / "DejaVuSans.ttf", data / "DejaVuSans-Bold.ttf")


def status_chart(
    rows: list[tuple[str, dict[str, int]]],
    legend: list[tuple[str, str, str]],
    title: str,
    cache: Path | None = None,
) -> bytes:
    """A 1600 x 900 PNG: for each of ``rows`` (top to bottom) a bar of its counts stacked in
    the order of ``legend``, each count written in its segment, the legend below.

    With ``cache``, the PNG is kept as ``cache/<sha256>.png`` and reused for the same inputs.
    """
    font = chart_font()
    if cache is None:
        return draw_chart(rows, legend, title, font)
    stored = cache / f"{chart_key(rows, legend, title, font)}.png"
    if stored.is_file():
        return stored.read_bytes()
    png = draw_chart(rows, legend, title, font)
    write_atomic(stored, png)
    return png


def chart_key(rows: list[StatusRow], legend: list[LegendEntry], title: str, font: ChartFont) -> str:
    """The hash of everything that shapes a chart."""
    shape = {
        "rows": [[label, sorted(counts.items())] for label, counts in rows],
        "legend": [list(entry) for entry in legend],
        "title": title,
        "matplotlib": matplotlib.__version__,
        "font": [str(font.regular), str(font.bold)],
        "drawing": DRAWING_VERSION,
    }
    text = json.dumps(shape, ensure_ascii=False, sort_keys=True)
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def _nfc(text: str) -> str:
    return unicodedata.normalize("NFC", text)


def _wrapped(label: str) -> str:
    return "\n".join(textwrap.wrap(_nfc(label), LABEL_WIDTH)) or " "


def _text_colour(colour: str) -> str:
    """Black or white, whichever reads better on ``colour``."""
    red, green, blue = to_rgb(colour)
    return "black" if 0.299 * red + 0.587 * green + 0.114 * blue > 0.55 else "white"


def draw_chart(
    rows: list[StatusRow], legend: list[LegendEntry], title: str, font: ChartFont
) -> bytes:
    """Draw the chart of :func:`status_chart` (no cache) and return the PNG bytes."""
    figure = Figure(figsize=(WIDTH, HEIGHT), dpi=DPI, layout="constrained")
    FigureCanvasAgg(figure)
    axes = figure.add_subplot()
    regular = font.properties(size=13)
    positions = list(range(len(rows)))
    left = [0] * len(rows)
    for key, label, colour in legend:
        counts = [max(0, int(counts.get(key, 0))) for _, counts in rows]
        bars = axes.barh(positions, counts, left=left, color=colour, label=_nfc(label), height=0.6)
        axes.bar_label(
            bars,
            labels=[str(n) if n > 0 else "" for n in counts],
            label_type="center",
            color=_text_colour(colour),
            fontproperties=font.properties(bold=True, size=13),
        )
        left = [a + b for a, b in zip(left, counts, strict=True)]
    axes.set_yticks(positions, [_wrapped(label) for label, _ in rows], fontproperties=regular)
    axes.set_ylim(max(len(rows), 1) - 0.5, -0.5)  # the first row on top
    total = max(left, default=0)
    ticks = [t for t in MaxNLocator(nbins=10, integer=True).tick_values(0, max(total, 1))]
    ticks = [t for t in ticks if 0 <= t <= max(total, 1)]
    axes.set_xticks(ticks, [str(int(t)) for t in ticks], fontproperties=regular)
    axes.set_xlim(0, max(total, 1) * 1.02)
    axes.set_xlabel(X_LABEL, fontproperties=font.properties(size=14))
    axes.set_title(_nfc(title), fontproperties=font.properties(bold=True, size=18), pad=14)
    axes.spines[["top", "right"]].set_visible(False)
    axes.grid(axis="x", color="#dddddd", linewidth=0.8)
    axes.set_axisbelow(True)
    if legend:
        handles = [Patch(facecolor=colour, label=_nfc(label)) for _, label, colour in legend]
        figure.legend(
            handles=handles,
            loc="outside lower center",
            ncols=min(len(legend), 6),
            prop=font.properties(size=13),
            frameon=False,
        )
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png", dpi=DPI, metadata={"Software": None})
    return buffer.getvalue()
