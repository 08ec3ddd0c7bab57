"""Checking the plan's cron strings exactly as Prefect will take them, with a Vietnamese reason.

A schedule becomes a Prefect ``Cron`` when served, and Prefect checks it with its own copy of
croniter (``prefect._vendor.croniter``) plus one rule of its own: no random ``R`` or hashed
``H`` fields. So ``L`` (last day of the month), ``1#2`` (second Monday), ``@daily`` and
``0 8 ? * *`` are accepted here exactly when Prefect accepts them. That croniter is loaded
from its file: importing it as ``prefect._vendor.croniter`` would import all of Prefect first
(seconds), and the plan's core never imports Prefect. When Prefect rejects a string, the
fields are looked at one by one to say which is wrong.
"""

from __future__ import annotations

import functools
import importlib.util
import re
import sys
from pathlib import Path
from typing import Any

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
_ALIASES = "@hourly, @daily, @weekly, @monthly, @yearly, @annually, @midnight"
_FORM = "(phút giờ ngày tháng thứ), ví dụ '30 7 * * 1-5'"


@functools.cache
def prefect_croniter() -> Any:
    """The ``croniter`` class Prefect validates and runs cron schedules with."""
    found = importlib.util.find_spec("prefect")
    folders = list(found.submodule_search_locations or []) if found else []
    for folder in folders:
        file = Path(folder) / "_vendor" / "croniter" / "croniter.py"
        spec = importlib.util.spec_from_file_location("flows.plan._prefect_croniter", file)
        if not file.is_file() or spec is None or spec.loader is None:
            continue
        module = importlib.util.module_from_spec(spec)
        sys.modules[spec.name] = module
        spec.loader.exec_module(module)
        return module.croniter
    from prefect._vendor.croniter import croniter  # type: ignore[attr-defined]  # pragma: no cover

    return croniter  # pragma: no cover - Prefect moved its croniter


def prefect_accepts(expression: str) -> bool:
    """Whether Prefect takes ``expression`` as a cron schedule (its ``validate_cron_string``)."""
    if not prefect_croniter().is_valid(expression):
        return False
    return not any(field.casefold() in ("r", "h") for field in expression.split())


def cron_problem(expression: str) -> str | None:
    """``None`` if Prefect accepts ``expression``, else what is wrong, in Vietnamese."""
    if prefect_accepts(expression):
        return None
    fields = expression.split()
    if any(field.casefold() in ("r", "h") for field in fields):
        return (
            f"lịch '{expression}': Prefect không nhận phần chọn ngẫu nhiên 'R' hay 'H'; "
            "hãy ghi giờ, phút cụ thể"
        )
    if expression.strip().startswith("@"):
        return f"lịch '{expression}' không hợp lệ; cách viết tắt được dùng: {_ALIASES}"
    if len(fields) != 5:
        return f"lịch '{expression}' cần đúng 5 phần cách nhau bằng dấu cách {_FORM}"
    for number, (text, (name, low, high, names)) in enumerate(zip(fields, _FIELDS, strict=True)):
        alone = ["*"] * 5
        alone[number] = text
        if prefect_accepts(" ".join(alone)):
            continue
        return _field_problem(expression, text, name, low, high, names)
    return f"lịch '{expression}' không hợp lệ {_FORM}"


def _field_problem(
    expression: str, text: str, name: str, low: int, high: int, names: dict[str, int]
) -> str:
    """Why one field that Prefect refuses is wrong: a number out of range, a step of 0,
    or something else."""
    for part in text.split(","):
        match = _PART.match(part.lower())
        if not match:
            break
        span, step = match[1], match[2]
        if step is not None and int(step) == 0:
            return f"lịch '{expression}': bước '/0' ở phần {name} không hợp lệ"
        if span == "*":
            continue
        for token in span.split("-"):
            if token.isdigit() and not low <= int(token) <= high:
                return f"lịch '{expression}': phần {name} '{token}' phải từ {low} đến {high}"
            if not token.isdigit() and token not in names:
                break
    return f"lịch '{expression}': phần {name} '{text}' không hợp lệ"
