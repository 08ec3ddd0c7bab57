"""CSV files as one sheet, in linear time whatever the bytes.

CSV arrives in whatever encoding the sender's Excel chose: UTF-8 with or without BOM, UTF-16
("Unicode text", tab-separated) or Windows-1258. Every text ends up in NFC. The delimiter is
found by counting, not by ``csv.Sniffer``, whose regular expressions take minutes on a crafted
line (``,"a`` repeated); the reader is the C ``csv`` module, linear in the input.
"""

from __future__ import annotations

import codecs
import csv
import io
import unicodedata
from collections import Counter

from flows.intake.issues import Issue, error
from flows.intake.limits import DEFAULT_LIMITS, Limits
from flows.intake.preflight import too_large
from flows.intake.sheet import CellValue, Sheet

DELIMITERS = ",;\t"
SNIFF_LINES = 30
SNIFF_CHARACTERS = 64 * 1024
FIELD_CHARACTERS = 32 * 1024  # far above any cell of a form; Excel's own limit is 32,767

Read = list[Sheet] | Issue


def decode_text(data: bytes) -> str | None:
    """Text of a CSV file in any of the encodings Vietnamese offices save, or ``None``."""
    if data.startswith(codecs.BOM_UTF8):
        candidates = ["utf-8-sig"]
    elif data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        candidates = ["utf-16"]
    elif len(data) > 1 and data[1::2].count(0) > len(data) // 4:
        candidates = ["utf-16-le"]
    elif len(data) > 1 and data[0::2].count(0) > len(data) // 4:
        candidates = ["utf-16-be"]
    else:
        candidates = ["utf-8", "cp1258"]
    for encoding in candidates:
        try:
            return unicodedata.normalize("NFC", data.decode(encoding))
        except UnicodeDecodeError:
            continue
    return None


def _counts_outside_quotes(line: str) -> Counter[str]:
    counts: Counter[str] = Counter()
    quoted = False
    for character in line:
        if character == '"':
            quoted = not quoted
        elif not quoted and character in DELIMITERS:
            counts[character] += 1
    return counts


def sniff_delimiter(text: str) -> str:
    """The delimiter of the first lines: the one found the same number of times (outside
    quotes) on most lines, then the most frequent; a comma when none is found."""
    lines = text[:SNIFF_CHARACTERS].splitlines()[:SNIFF_LINES]
    per_line = [_counts_outside_quotes(line) for line in lines if line.strip()]

    def score(delimiter: str) -> tuple[int, int]:
        seen = [counts[delimiter] for counts in per_line if counts[delimiter]]
        if not seen:
            return (0, 0)
        usual = Counter(seen).most_common(1)[0][0]
        return (sum(1 for n in seen if n == usual), sum(seen))

    best = max(DELIMITERS, key=score)
    return best if score(best) > (0, 0) else ","


def read_csv(data: bytes, limits: Limits = DEFAULT_LIMITS) -> Read:
    """One sheet from CSV bytes (the sheet has no name)."""
    text = decode_text(data)
    if text is None:
        return error(
            "encoding",
            "Không đọc được chữ trong tệp CSV (không phải UTF-8, UTF-16 hay Windows-1258). "
            "Xin lưu lại bằng Excel: Lưu thành > CSV UTF-8.",
        )
    rows: list[list[CellValue]] = []
    previous = csv.field_size_limit(FIELD_CHARACTERS)
    try:
        lines = csv.reader(
            io.StringIO(text, newline=""), delimiter=sniff_delimiter(text), strict=True
        )
        for line in lines:
            if len(rows) >= limits.rows or len(line) > limits.columns:
                return too_large("", len(rows) + 1, len(line), limits)
            rows.append([cell if cell.strip() else None for cell in line])
    except csv.Error as failure:
        return _broken(failure, len(rows) + 1)
    finally:
        csv.field_size_limit(previous)
    return [Sheet("", rows)]


def _broken(failure: csv.Error, row: int) -> Issue:
    if "field larger than field limit" in str(failure):
        limit = f"{FIELD_CHARACTERS:,}".replace(",", ".")
        return error(
            "too_large",
            f"Tệp CSV có một ô ở dòng {row} dài hơn {limit} ký tự, quá giới hạn của một ô bảng "
            "tính: không phải nội dung của một biểu mẫu. Xin mở bằng Excel, xem lại dòng này, "
            "lưu lại rồi gửi lại.",
            row=row,
        )
    return error(
        "corrupt_file",
        f'Tệp CSV sai cấu trúc từ dòng {row}: có dấu ngoặc kép (") không đóng. '
        "Xin mở bằng Excel, lưu lại rồi gửi lại.",
        row=row,
    )
