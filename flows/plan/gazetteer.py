"""Loading administrative units from a gazetteer CSV into the plan's unit tree."""

from __future__ import annotations

import csv
from pathlib import Path
from typing import Any

from flows.errors import PlanProblem
from flows.names import name_key, nfc
from flows.plan.schema import Gazetteer


def read_gazetteer(
    gazetteer: Gazetteer, base: Path, shown_as: str
) -> tuple[list[dict[str, Any]], list[PlanProblem]]:
    """Units of ``gazetteer`` as nested ``{"name", "code", "children"}`` dicts, and problems.

    ``base`` is the folder the plan is in; ``shown_as`` is how problems name the CSV file.
    """
    path = base / gazetteer.file
    problems: list[PlanProblem] = []
    try:
        text = path.read_bytes().decode("utf-8-sig")
    except FileNotFoundError:
        return [], [PlanProblem(shown_as, None, "", "không tìm thấy tệp danh mục đơn vị")]
    except UnicodeDecodeError:
        return [], [PlanProblem(shown_as, None, "", "tệp danh mục phải lưu dạng UTF-8")]
    lines = text.splitlines()
    try:
        dialect: Any = csv.Sniffer().sniff(lines[0] if lines else "", delimiters=",;\t")
    except csv.Error:
        dialect = csv.excel
    reader = csv.DictReader(lines, dialect=dialect)
    header = reader.fieldnames or []
    missing = [
        name
        for level in gazetteer.levels
        for name in (level.column, level.code_column)
        if name and name not in header
    ]
    if missing:
        listed = ", ".join(f"'{m}'" for m in missing)
        return [], [
            PlanProblem(shown_as, None, "", f"thiếu cột {listed} (các cột có: {', '.join(header)})")
        ]
    roots: list[dict[str, Any]] = []
    seen: dict[tuple[str, ...], int] = {}
    index: dict[tuple[str, ...], dict[str, Any]] = {}
    codes: dict[str, tuple[str, int]] = {}
    for row in reader:
        line = reader.line_num
        level_nodes = roots
        keys: tuple[str, ...] = ()
        for depth, level in enumerate(gazetteer.levels):
            name = nfc(row.get(level.column) or "")
            if not name:
                problems.append(PlanProblem(shown_as, line, "", f"cột '{level.column}' bị trống"))
                break
            keys = (*keys, name_key(name))
            node = index.get(keys)
            code = nfc(row.get(level.code_column) or "") if level.code_column else ""
            if node is None:
                node = {"name": name, "children": []}
                if code:
                    if code in codes:
                        other, first = codes[code]
                        problems.append(
                            PlanProblem(
                                shown_as,
                                line,
                                "",
                                f"mã '{code}' đã dùng cho '{other}' ở dòng {first}",
                            )
                        )
                    else:
                        node["code"] = code
                        codes[code] = (name, line)
                level_nodes.append(node)
                index[keys] = node
            elif code and node.get("code", code) != code:
                problems.append(
                    PlanProblem(
                        shown_as,
                        line,
                        "",
                        f"'{name}' có mã '{code}', khác mã '{node['code']}' ở dòng {seen[keys]}",
                    )
                )
            elif depth == len(gazetteer.levels) - 1:
                problems.append(
                    PlanProblem(
                        shown_as,
                        line,
                        "",
                        f"'{name}' bị lặp lại (đã có ở dòng {seen[keys]})",
                    )
                )
            seen.setdefault(keys, line)
            level_nodes = node["children"]
    return roots, problems
