"""The status chart: a deterministic 1600 x 900 PNG, cached, in a font with every Vietnamese
glyph."""

from __future__ import annotations

import io
import warnings
from pathlib import Path

import matplotlib
import pytest
from matplotlib.ft2font import FT2Font
from PIL import Image

from flows.documents import chart
from flows.documents.chart import VIETNAMESE, chart_font, status_chart

LEGEND = [
    ("submitted", "Đúng hạn", "#2e7d32"),
    ("late", "Muộn", "#f9a825"),
    ("overdue", "Quá hạn", "#c62828"),
    ("rejected", "Bị trả lại", "#6a1b9a"),
    ("due_soon", "Sắp đến hạn", "#1565c0"),
    ("not_due", "Chưa đến hạn", "#bdbdbd"),
]
ROWS = [
    ("Đăng ký xây dựng, nhân rộng mô hình", {"submitted": 7, "late": 1, "overdue": 2}),
    ("Báo cáo sơ kết 6 tháng", {"submitted": 4, "late": 2, "rejected": 1, "due_soon": 3}),
    ("Báo cáo kết quả thực hiện mô hình ở khu dân cư", {"due_soon": 3, "not_due": 7}),
    ("Đề nghị công nhận", {"not_due": 10}),
]
TITLE = "Tình hình nộp biểu mẫu tính đến ngày 05/9/2017"
PNG_MAGIC = b"\x89PNG\r\n\x1a\n"
VIETNAMESE_LINE = "".join(sorted(set(chart.VIETNAMESE_UPPER)))


def test_png_of_the_right_size() -> None:
    png = status_chart(ROWS, LEGEND, TITLE)
    assert png.startswith(PNG_MAGIC)
    with Image.open(io.BytesIO(png)) as image:
        assert image.size == (1600, 900)
        assert image.format == "PNG"


def test_deterministic() -> None:
    assert status_chart(ROWS, LEGEND, TITLE) == status_chart(ROWS, LEGEND, TITLE)
    assert status_chart(ROWS, LEGEND, TITLE) != status_chart(ROWS[:3], LEGEND, TITLE)


def test_cache_hit_draws_nothing(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    cache = tmp_path / "charts"
    first = status_chart(ROWS, LEGEND, TITLE, cache)
    stored = list(cache.iterdir())
    assert len(stored) == 1 and stored[0].suffix == ".png" and len(stored[0].stem) == 64
    assert stored[0].read_bytes() == first

    def no_drawing(*args: object) -> bytes:
        raise AssertionError("drew a cached chart")

    monkeypatch.setattr(chart, "draw_chart", no_drawing)
    assert status_chart(ROWS, LEGEND, TITLE, cache) == first
    with pytest.raises(AssertionError, match="drew a cached chart"):
        status_chart(ROWS, LEGEND, TITLE + " (2)", cache)  # other inputs, other key
    assert list(cache.iterdir()) == stored


def test_cache_key_covers_every_input() -> None:
    font = chart_font()
    key = chart.chart_key(ROWS, LEGEND, TITLE, font)
    assert key == chart.chart_key(list(ROWS), list(LEGEND), TITLE, font)
    changed_rows = [(ROWS[0][0], {**ROWS[0][1], "late": 2}), *ROWS[1:]]
    changed_legend = [(LEGEND[0][0], LEGEND[0][1], "#000000"), *LEGEND[1:]]
    others = {
        chart.chart_key(changed_rows, LEGEND, TITLE, font),
        chart.chart_key(ROWS, changed_legend, TITLE, font),
        chart.chart_key(ROWS, LEGEND, TITLE + ".", font),
    }
    assert key not in others and len(others) == 3


def test_font_has_every_vietnamese_glyph() -> None:
    font = chart_font()
    assert font.family in ("Liberation Sans", "DejaVu Sans")
    assert len(set(VIETNAMESE)) == 134
    for path in (font.regular, font.bold):
        face = FT2Font(str(path))
        missing = [c for c in VIETNAMESE if face.get_char_index(ord(c)) == 0]
        assert missing == [], path


def test_drawing_vietnamese_warns_of_no_missing_glyph() -> None:
    rows = [(VIETNAMESE_LINE, {"submitted": 1}), (VIETNAMESE_LINE.lower(), {"late": 2})]
    legend = [(key, VIETNAMESE_LINE[:20], colour) for key, _, colour in LEGEND]
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        png = chart.draw_chart(rows, legend, VIETNAMESE, chart_font())
    assert png.startswith(PNG_MAGIC)
    assert [str(w.message) for w in caught if "missing" in str(w.message)] == []


def test_a_font_without_vietnamese_would_be_caught() -> None:
    """The check above can fail: a font lacking the glyphs makes matplotlib warn."""
    data = Path(matplotlib.get_data_path()) / "fonts" / "ttf"
    latin = chart.ChartFont("cmr10", data / "cmr10.ttf", data / "cmr10.ttf")
    assert not chart.covers_vietnamese(latin.regular)
    with pytest.warns(UserWarning, match="Glyph .* missing"):
        chart.draw_chart([("Đơn vị", {"late": 1})], LEGEND, "Tình hình", latin)


def test_empty_and_odd_inputs() -> None:
    for rows in ([], [("", {})], [("Không có số", {"unknown": 5, "late": -1})]):
        assert status_chart(rows, LEGEND, TITLE).startswith(PNG_MAGIC)
    assert status_chart(ROWS, [], "").startswith(PNG_MAGIC)
