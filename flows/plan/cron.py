"""Checking five-field cron strings (minute hour day-of-month month day-of-week)."""

from __future__ import annotations

import re

_MONTHS = ("jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec")
_DAYS = ("sun", "mon", "tue", "wed", "thu", "fri", "sat")
_FIELDS: tuple[tuple[str, int, int, dict[str, int]], ...] = (
    ("phút", 0, 59, {}),
    ("giờ", 0, 23, {}),
    ("ngày trong tháng", 1, 31, {}),
    (
        "tháng",
        1,
        12,
        {m: i + 1 for i, m in enumerate(_MONTHS)},
    ),
    (
        "thứ trong tuần",
        0,
        7,
        {d: i for i, d in enumerate(_DAYS)},
    ),
)
_PART = re.compile(r"^(\*|[0-9a-z]+(?:-[0-9a-z]+)?)(?:/([0-9]+))?$")


def cron_problem(expression: str) -> str | None:
    """``None`` if ``expression`` is a valid cron string, else what is wrong, in Vietnamese."""
    fields = expression.split()
    if len(fields) != 5:
        return (
            f"lịch '{expression}' cần đúng 5 phần cách nhau bằng dấu cách "
            "(phút giờ ngày tháng thứ), ví dụ '30 7 * * 1-5'"
        )
    for text, (name, low, high, names) in zip(fields, _FIELDS, strict=True):
        for part in text.lower().split(","):
            match = _PART.match(part)
            if not match:
                return f"lịch '{expression}': phần {name} '{text}' không hợp lệ"
            span, step = match[1], match[2]
            if step is not None and int(step) == 0:
                return f"lịch '{expression}': bước '/0' ở phần {name} không hợp lệ"
            if span == "*":
                continue
            bounds = []
            for token in span.split("-"):
                value = names.get(token, int(token) if token.isdigit() else None)
                if value is None or not low <= value <= high:
                    return f"lịch '{expression}': phần {name} '{token}' phải từ {low} đến {high}"
                bounds.append(value)
            if len(bounds) == 2 and bounds[0] > bounds[1]:
                return f"lịch '{expression}': khoảng '{span}' ở phần {name} bị ngược"
    return None
