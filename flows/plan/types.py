"""Field types of the plan, each with a Vietnamese error message staff can act on."""

from __future__ import annotations

import calendar
import re
import unicodedata
from datetime import MAXYEAR, MINYEAR, date
from typing import Annotated, Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import AfterValidator, BeforeValidator
from pydantic_core import PydanticCustomError

ERROR_TYPE = "mohinh"
"""The pydantic error type of every message written here (shown as is)."""

_ID = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]*$")
_KEY = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")
_ISO_DATE = re.compile(r"^(\d{4})-(\d{2})-(\d{2})$")
_DMY_DATE = re.compile(r"^(\d{1,2})[/.-](\d{1,2})[/.-](\d{4})$")


def fail(message: str, **context: Any) -> PydanticCustomError:
    """A validation error whose message is shown to staff unchanged."""
    return PydanticCustomError(ERROR_TYPE, message, context or None)


_BLANKS = re.compile(r"[ \t]+")


def _text(value: Any) -> Any:
    if isinstance(value, str):
        value = _BLANKS.sub(" ", unicodedata.normalize("NFC", value)).strip()
        if not value:
            raise fail("không được để trống")
    return value


def _identifier(value: str) -> str:
    if not _ID.match(value):
        raise fail(
            "mã '{value}' chỉ được gồm chữ cái không dấu, chữ số, '-', '_' hoặc '.', "
            "không có dấu cách",
            value=value,
        )
    return value


def _key(value: str) -> str:
    if not _KEY.match(value):
        raise fail(
            "khóa cột '{value}' chỉ được gồm chữ cái không dấu, chữ số và '_', "
            "không bắt đầu bằng chữ số",
            value=value,
        )
    return value


def why_not_a_day(year: int, month: int, day: int) -> str | None:
    """What makes ``day/month/year`` no day of the calendar, as staff read it ("tháng 4 chỉ
    có 30 ngày"); ``None`` when it is one."""
    if not MINYEAR <= year <= MAXYEAR:
        return f"không có năm {year}"
    if not 1 <= month <= 12:
        return f"không có tháng {month} (tháng từ 1 đến 12)"
    last = calendar.monthrange(year, month)[1]
    if 1 <= day <= last:
        return None
    if day < 1:
        return "ngày phải từ 1 trở lên"
    return (
        f"tháng 2 năm {year} chỉ có {last} ngày"
        if month == 2
        else (f"tháng {month} chỉ có {last} ngày")
    )


def parse_plan_date(value: Any) -> Any:
    """``YYYY-MM-DD`` to a date; anything else gets a message with the expected form, and a
    day that does not exist (``2030-04-31``, ``31/04/2030``) what is wrong with it."""
    if isinstance(value, date) or value is None:
        return value
    text = str(value).strip()
    iso = _ISO_DATE.match(text)
    if iso:
        reason = why_not_a_day(int(iso[1]), int(iso[2]), int(iso[3]))
        if reason is None:
            return date(int(iso[1]), int(iso[2]), int(iso[3]))
        raise fail("'{value}' không phải ngày hợp lệ: {reason}", value=text, reason=reason)
    dmy = _DMY_DATE.match(text)
    if dmy:
        reason = why_not_a_day(int(dmy[3]), int(dmy[2]), int(dmy[1]))
        if reason is not None:
            raise fail(
                "'{value}' không phải ngày hợp lệ: {reason} (ngày viết dạng YYYY-MM-DD)",
                value=text,
                reason=reason,
            )
        hint = date(int(dmy[3]), int(dmy[2]), int(dmy[1])).isoformat()
        raise fail("'{value}' phải viết dạng YYYY-MM-DD, ở đây là {hint}", value=text, hint=hint)
    raise fail("'{value}' không phải ngày hợp lệ (cần dạng YYYY-MM-DD)", value=text)


def _timezone(value: str) -> str:
    try:
        ZoneInfo(value)
    except (ZoneInfoNotFoundError, ValueError):
        raise fail(
            "múi giờ '{value}' không tồn tại (ví dụ đúng: Asia/Ho_Chi_Minh)", value=value
        ) from None
    return value


def as_list(value: Any) -> Any:
    """A single text where a list is expected becomes a one-item list."""
    return [value] if isinstance(value, str) else value


Text = Annotated[str, BeforeValidator(_text)]
"""Non-empty text, NFC, inner runs of spaces collapsed."""

Id = Annotated[str, BeforeValidator(_text), AfterValidator(_identifier)]
"""An identifier used in references and file names: ASCII letters, digits, '-', '_', '.'."""

Key = Annotated[str, BeforeValidator(_text), AfterValidator(_key)]
"""A column key, usable in rules: ASCII letters, digits and '_'."""

PlanDate = Annotated[date, BeforeValidator(parse_plan_date)]
"""A calendar day written YYYY-MM-DD."""

TimeZone = Annotated[str, BeforeValidator(_text), AfterValidator(_timezone)]
"""An IANA time zone name such as Asia/Ho_Chi_Minh."""

Lines = Annotated[list[Text], BeforeValidator(as_list)]
"""One text or a list of texts (one per printed line)."""
