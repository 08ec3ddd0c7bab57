"""Typed values from what people type into cells.

Vietnamese habits: "1.234" is one thousand two hundred and thirty-four, "1,5" is one and a
half; dates are day first ("15/8/2026", "15-08-2026") or real Excel dates; yes/no is "Có",
"Không", "x", "1", "0". A value that cannot be read, or could be read two ways ("1,500",
"không rõ"), becomes a :class:`Problem` naming what was expected, with a suggestion where one
is safe to make: nothing is guessed.
"""

from __future__ import annotations

import contextlib
import math
import re
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from flows.intake.sheet import CellValue
from flows.names import fold_accents, name_key, nfc
from flows.plan.types import why_not_a_day

EXCEL_EPOCH = date(1899, 12, 30)
LARGEST = 1e15  # beyond any count or sum of money a form holds; floats stay exact below it
LAST_SERIAL = 2958465  # 31/12/9999
YES_WORDS = ("có", "x", "1", "yes", "y", "đã", "rồi", "đạt", "✓", "✔", "đã có", "có rồi", "đã đạt")
NO_WORDS = ("không", "ko", "k", "0", "no", "n", "chưa", "-", "không có", "chưa có", "không đạt")
ANSWERS = {
    spelling: answer
    for words, answer in ((YES_WORDS, True), (NO_WORDS, False))
    for word in words
    for spelling in (word, fold_accents(word))
}
"""Every yes/no answer accepted, as typed (case aside), with or without accents."""
_FORMULA = re.compile(r"^=\s*[A-Za-z_][A-Za-z0-9_.]*\s*\(")
_SPACES = re.compile(r"[\s\u00a0\u202f']+")
_THOUSANDS_DOT = re.compile(r"^[+-]?[1-9]\d{0,2}(\.\d{3})+$")
_THOUSANDS_COMMA = re.compile(r"^[+-]?[1-9]\d{0,2}(,\d{3})+$")
_ONE_COMMA_THREE = re.compile(r"^[+-]?\d+,\d{3}$")
_ANSWER_NOTE = re.compile(r"^(.+?)\s*(?:[,;:(]|\s[-–]\s|\.\s)")
_PLAIN = re.compile(r"^[+-]?(\d+(\.\d*)?|\.\d+)$")
_CURRENCY = re.compile(r"(đồng|đ|vnđ|vnd)\.?$", re.IGNORECASE)
_DMY = re.compile(r"^(\d{1,2})\s*[/.\-]\s*(\d{1,2})\s*[/.\-]\s*(\d{2}|\d{4})$")
_YMD = re.compile(r"^(\d{4})-(\d{1,2})-(\d{1,2})(?:[ T].*)?$")
_WORDS = re.compile(r"^ngày\s*(\d{1,2})\s*tháng\s*(\d{1,2})\s*năm\s*(\d{4})$", re.IGNORECASE)


@dataclass(frozen=True)
class Problem:
    """Why a cell's value could not be read, before it is placed in a sheet."""

    code: str
    message: str
    suggestion: str | None = None


def shown(value: CellValue) -> str:
    """A cell's value as the sender would recognise it."""
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, datetime):
        return f"{value:%d/%m/%Y %H:%M}" if value.time() != time() else f"{value:%d/%m/%Y}"
    if isinstance(value, date):
        return f"{value:%d/%m/%Y}"
    return nfc(str(value)) if value is not None else ""


def formula_text(value: CellValue) -> bool:
    """A cell holding the text of a formula (``=HYPERLINK(...)``) instead of a value."""
    return isinstance(value, str) and bool(_FORMULA.match(value.strip()))


def parse_text(value: CellValue) -> str:
    """Any value as NFC text; line breaks the sender typed (Alt+Enter) are kept, each line
    trimmed and blank lines dropped."""
    if isinstance(value, str):
        return "\n".join(line for line in map(nfc, value.splitlines()) if line)
    return shown(value)


def _compact(value: str) -> str:
    return _CURRENCY.sub("", _SPACES.sub("", value.strip())).strip()


def parse_number(value: CellValue) -> float | Problem:
    """A number: ``1.234`` (thousands), ``1,5`` (decimal), ``1.234,5``, or a numeric cell."""
    if isinstance(value, bool) or not isinstance(value, int | float | str):
        return Problem("not_number", f"'{shown(value)}' không phải là số.")
    if not isinstance(value, str):
        return _sized(float(value), value)
    text = _compact(value)
    if _ONE_COMMA_THREE.match(text):
        return _ambiguous_comma(value, text)
    if "," in text and "." in text:
        decimal = "," if text.rfind(",") > text.rfind(".") else "."
        grouping = "." if decimal == "," else ","
        text = text.replace(grouping, "").replace(decimal, ".")
    elif _THOUSANDS_DOT.match(text):
        text = text.replace(".", "")
    elif _THOUSANDS_COMMA.match(text) and text.count(",") > 1:
        text = text.replace(",", "")
    elif text.count(",") == 1:
        text = text.replace(",", ".")
    if _PLAIN.match(text):
        return _sized(float(text), value)
    return Problem("not_number", f"'{shown(value)}' không phải là số.")


def _ambiguous_comma(value: str, text: str) -> Problem:
    """``1,500``: one and a half in Vietnamese writing, fifteen hundred in English."""
    digits = text.replace(",", "")
    grouped = f"{int(digits):,}".replace(",", ".")
    # the decimal reading without three digits after the comma: 1,5 for 1,500; 1,2340 for 1,234
    decimal = text.rstrip("0").rstrip(",") if text.endswith("0") else text + "0"
    return Problem(
        "ambiguous_number",
        f"'{shown(value)}' không rõ là số nào: dấu phẩy là dấu thập phân (1,5 là một rưỡi) nhưng "
        f"cũng hay được dùng để tách hàng nghìn. Nếu là {grouped} thì ghi {digits} hoặc "
        f"{grouped}; nếu dấu phẩy là dấu thập phân thì ghi {decimal}.",
        suggestion=digits,
    )


def _sized(number: float, value: CellValue) -> float | Problem:
    if math.isfinite(number) and abs(number) < LARGEST:
        return number
    return Problem("not_number", f"'{shown(value)}' không phải một số dùng được (quá lớn).")


def parse_integer(value: CellValue) -> int | Problem:
    """A whole number: ``120``, ``1.234``, ``1 234`` or a numeric cell holding a whole number."""
    if isinstance(value, str) and _THOUSANDS_COMMA.match(_compact(value)):
        digits = _compact(value).replace(",", "")
        grouped = f"{int(digits):,}".replace(",", ".")
        return Problem(
            "not_integer",
            f"'{shown(value)}' không rõ là số nguyên: dấu phẩy là dấu thập phân (1,5 là một "
            f"rưỡi). Nếu là {grouped} thì ghi {digits} hoặc {grouped}.",
            suggestion=digits,
        )
    number = parse_number(value)
    if isinstance(number, Problem) or not number.is_integer():
        return Problem("not_integer", f"'{shown(value)}' không phải là số nguyên.")
    return int(number)


def parse_date(value: CellValue) -> date | Problem:
    """A day: an Excel date or serial, ``15/8/2026``, ``15-08-2026``, ``2026-08-15``."""
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    if isinstance(value, int | float) and not isinstance(value, bool):
        if 1 <= value <= LAST_SERIAL:
            return EXCEL_EPOCH + timedelta(days=int(value))
        return _not_date(value)
    if not isinstance(value, str):
        return _not_date(value)
    text = nfc(value)
    match = _DMY.match(text) or _WORDS.match(text)
    if match:
        day, month, year = (int(part) for part in match.groups())
        if year < 100:
            year += 2000
        return _make_date(value, year, month, day)
    match = _YMD.match(text)
    if match:
        year, month, day = (int(part) for part in match.groups())
        return _make_date(value, year, month, day)
    return _not_date(value)


def _make_date(value: CellValue, year: int, month: int, day: int) -> date | Problem:
    try:
        return date(year, month, day)
    except ValueError:
        pass
    suggestion = None
    with contextlib.suppress(ValueError):  # month first, as an English-language Excel writes it
        suggestion = f"{date(year, day, month):%d/%m/%Y}"
    reason = why_not_a_day(year, month, day)
    return Problem(
        "not_date",
        f"'{shown(value)}' không phải ngày có thật: {reason} (ghi ngày trước, tháng sau: "
        "15/8/2026).",
        suggestion,
    )


def _not_date(value: CellValue) -> Problem:
    return Problem(
        "not_date", f"'{shown(value)}' không phải là ngày (ghi ngày/tháng/năm, ví dụ 15/8/2026)."
    )


def parse_yes_no(value: CellValue) -> bool | Problem:
    """An answer of :data:`ANSWERS` ("Có", "x", "1", "chưa có"...), alone or followed by a
    note after punctuation ("Có (15 ảnh)", "Không, chưa chụp"); anything else is refused."""
    if isinstance(value, bool):
        return value
    if isinstance(value, int | float) and value in (0, 1):
        return bool(value)
    text = nfc(str(value)).casefold().rstrip(".!")
    note = _ANSWER_NOTE.match(text)
    head = note[1] if note and not note[1].isdigit() else text
    if head in ANSWERS:
        return ANSWERS[head]
    return Problem(
        "not_yes_no",
        f"'{shown(value)}' không phải câu trả lời có/không rõ ràng: xin ghi Có hoặc Không (ghi "
        "chú thêm, nếu có, đặt sau dấu phẩy hoặc trong ngoặc, ví dụ: Có (15 ảnh)).",
    )


def parse_phone(value: CellValue) -> str | Problem:
    """A Vietnamese phone number as digits; a leading 0 that Excel dropped is put back."""
    if isinstance(value, float) and value.is_integer():
        value = str(int(value))
    text = re.sub(r"[\s.\-()\u00a0]", "", shown(value))
    if text.startswith("+84"):
        text = "0" + text[3:]
    elif text.startswith("84") and len(text) == 11:
        text = "0" + text[2:]
    if text.isdigit() and len(text) == 9 and not text.startswith("0"):
        text = "0" + text
    if text.isdigit() and text.startswith("0") and 10 <= len(text) <= 11:
        return text
    return Problem(
        "bad_phone", f"'{shown(value)}' không phải số điện thoại (10 chữ số, bắt đầu 0)."
    )


def parse_choice(value: CellValue, choices: list[str]) -> str | Problem:
    """One of ``choices``, compared like names (case and spacing ignored)."""
    key = name_key(shown(value))
    for choice in choices:
        if name_key(choice) == key:
            return choice
    folded = fold_accents(key)
    close = [c for c in choices if fold_accents(name_key(c)) == folded]
    listed = "; ".join(choices)
    return Problem(
        "not_in_choices",
        f"'{shown(value)}' không thuộc các lựa chọn: {listed}.",
        close[0] if close else None,
    )
