"""What a PDF looks like on paper, read with poppler's tools (``pdfinfo``, ``pdftotext``)."""

from __future__ import annotations

import re
import statistics
import subprocess
from pathlib import Path

_PAGE_SIZE = re.compile(r"^Page\s+\d+\s+size:\s+([\d.]+) x ([\d.]+) pts", re.MULTILINE)
_WORD = re.compile(r'<word xMin="[\d.]+" yMin="([\d.]+)" xMax="[\d.]+" yMax="([\d.]+)">')


def page_sizes(pdf: Path) -> list[tuple[float, float]]:
    """Width and height (points) of each page."""
    shown = subprocess.run(
        ["pdfinfo", "-f", "1", "-l", "100000", str(pdf)],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    return [(float(w), float(h)) for w, h in _PAGE_SIZE.findall(shown)]


def page_text(pdf: Path, page: int) -> str:
    """The text of one page (counted from 1), laid out as on paper."""
    return subprocess.run(
        ["pdftotext", "-layout", "-f", str(page), "-l", str(page), str(pdf), "-"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout


def text_height(pdf: Path, page: int) -> float:
    """The median height (points) of the words of one page: about the size text prints at
    (a 12 pt face printed at 60 % measures some 7 points)."""
    boxes = subprocess.run(
        ["pdftotext", "-bbox", "-f", str(page), "-l", str(page), str(pdf), "-"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    heights = [float(bottom) - float(top) for top, bottom in _WORD.findall(boxes)]
    assert heights, f"no text on page {page} of {pdf}"
    return statistics.median(heights)
