"""The status chart: a real PNG, the same bytes for the same data, cached, every glyph drawn."""

from __future__ import annotations

import io
import warnings
from pathlib import Path

import pytest
from PIL import Image

from flows.documents import chart
from flows.documents.chart import VIETNAMESE, chart_font, covers_vietnamese, status_chart
from flows.documents.report import CHART_LEGEND

ROWS = [
    ("Đăng ký xây dựng, nhân rộng mô hình", {"submitted": 7, "late": 1, "overdue": 2}),
    ("Hội nghị triển khai nhân rộng mô hình", {"submitted": 3, "rejected": 1, "overdue": 6}),
    ("Báo cáo kết quả thực hiện mô hình", {"not_due": 10}),
]
TITLE = "Tình hình gửi báo cáo đến ngày 05/09/2017"


def test_a_png_of_the_agreed_size() -> None:
    png = status_chart(ROWS, CHART_LEGEND, TITLE)
    assert png[:8] == b"\x89PNG\r\n\x1a\n"
    assert Image.open(io.BytesIO(png)).size == (1600, 900)


def test_the_same_data_gives_the_same_bytes_and_other_data_others() -> None:
    first = status_chart(ROWS, CHART_LEGEND, TITLE)
    assert status_chart(ROWS, CHART_LEGEND, TITLE) == first
    changed = [(ROWS[0][0], {"submitted": 8, "overdue": 2}), *ROWS[1:]]
    assert status_chart(changed, CHART_LEGEND, TITLE) != first


def test_the_cache_is_used(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    png = status_chart(ROWS, CHART_LEGEND, TITLE, tmp_path)
    assert [p.suffix for p in tmp_path.iterdir()] == [".png"]

    def no_drawing(*_: object) -> bytes:
        raise AssertionError("drawn again despite the cache")

    monkeypatch.setattr(chart, "draw_chart", no_drawing)
    assert status_chart(ROWS, CHART_LEGEND, TITLE, tmp_path) == png
    with pytest.raises(AssertionError, match="drawn again"):
        status_chart(ROWS, CHART_LEGEND, TITLE + " (khác)", tmp_path)


def test_the_font_has_every_vietnamese_letter() -> None:
    font = chart_font()
    assert covers_vietnamese(font.regular) and covers_vietnamese(font.bold)
    assert {c for c in "ẠẢÃẦẤẬẨẪẰẮẶẲẴĐƠỜỚỢỞỠƯỪỨỰỬỮỆỄỊỌỘỔỖỤỦŨỴỶỸ"} <= set(VIETNAMESE.upper())
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # matplotlib warns "Glyph ... missing from font"
        status_chart([(VIETNAMESE, {"submitted": 1})], CHART_LEGEND, VIETNAMESE.upper())
