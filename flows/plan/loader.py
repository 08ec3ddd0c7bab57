"""Loading a plan file: YAML with line numbers, gazetteer, schema, cross checks.

Every problem is collected and raised together in one ``PlanError``; nothing raises a
traceback at staff.
"""

from __future__ import annotations

import hashlib
import os
from contextlib import suppress
from pathlib import Path
from typing import Any, get_args, get_origin

from pydantic import TypeAdapter, ValidationError

from flows.errors import PlanError, PlanProblem
from flows.plan.checks import Parts, check_parts, ids_in
from flows.plan.gazetteer import read_gazetteer
from flows.plan.messages import translate, unknown_key
from flows.plan.schema import Gazetteer, Plan
from flows.plan.source import Path as KeyPath
from flows.plan.source import Source, format_path, parse_yaml

ID_KEYS = {"models": "code", "sites": "id", "milestones": "id", "forms": "id"}


def shown_path(path: Path) -> str:
    """``path`` as staff see it: relative to the working folder when it is inside it."""
    try:
        relative = os.path.relpath(path)
    except ValueError:  # another drive on Windows
        return str(path)
    return str(path) if relative.startswith("..") else relative


def load_plan(path: str | os.PathLike[str], read: dict[Path, str] | None = None) -> Plan:
    """Load and check the plan at ``path``; raise ``PlanError`` with every problem found.

    ``read``, when given, receives the sha256 of every file the plan is made of (the plan, its
    gazetteer) under its absolute path, as it was before being read: the plan cache stores a
    plan only when its files still hash the same after loading.
    """
    file = Path(path)
    shown = shown_path(file)
    try:
        data = file.read_bytes()
        if read is not None:
            read[file.absolute()] = hashlib.sha256(data).hexdigest()
        text = data.decode("utf-8-sig")
    except FileNotFoundError:
        raise PlanError([PlanProblem(shown, None, "", "không tìm thấy tệp kế hoạch")]) from None
    except IsADirectoryError:
        raise PlanError([PlanProblem(shown, None, "", "đây là thư mục, không phải tệp")]) from None
    except UnicodeDecodeError as error:
        line = text_line(error)
        raise PlanError(
            [PlanProblem(shown, line, "", "tệp không phải văn bản UTF-8; hãy lưu lại dạng UTF-8")]
        ) from None
    plan = load_plan_text(text, shown, file.parent, read)
    plan._path = file.resolve()
    return plan


def text_line(error: UnicodeDecodeError) -> int:
    """The 1-based line where a decoding error happened."""
    return error.object[: error.start].count(b"\n") + 1


def load_plan_text(text: str, shown: str, base: Path, read: dict[Path, str] | None = None) -> Plan:
    """Load a plan from ``text``; ``shown`` names it in messages, ``base`` resolves its files
    (``read`` as in ``load_plan``)."""
    source, problems = parse_yaml(text, shown)
    if source is None:
        raise PlanError(problems)
    if not isinstance(source.data, dict):
        raise PlanError(
            [
                PlanProblem(
                    shown,
                    1,
                    "",
                    "kế hoạch phải gồm các phần 'khóa: giá trị' "
                    "(campaign:, issuer:, units:, sites:...)",
                )
            ]
        )
    units = source.data.get("units")
    inline = units.get("children") if isinstance(units, dict) else None
    inline_units = len(inline) if isinstance(inline, list) else 0
    gazetteer_problems, units_complete = merge_gazetteer(source, base, read)
    problems += gazetteer_problems
    parts, section_problems = validate_sections(source)
    parts.units_complete = units_complete
    parts.inline_units = inline_units
    problems += section_problems
    problems += check_parts(source, parts)
    if problems:
        raise PlanError(sort_problems(problems))
    try:
        plan = Plan.model_validate(source.data)
    except ValidationError as error:  # pragma: no cover - sections validated above
        raise PlanError(pydantic_problems(source, error, ())) from None
    return plan


def merge_gazetteer(
    source: Source, base: Path, read: dict[Path, str] | None = None
) -> tuple[list[PlanProblem], bool]:
    """Add the units of the gazetteer CSV named under ``units.gazetteer`` to ``units.children``.

    Returns the problems found and whether the unit list is complete (the CSV was read).
    """
    units = source.data.get("units")
    if not isinstance(units, dict) or units.get("gazetteer") is None:
        return [], True
    try:
        gazetteer = Gazetteer.model_validate(units["gazetteer"])
    except ValidationError as error:
        return pydantic_problems(source, error, ("units", "gazetteer")), False
    shown = shown_path(base / gazetteer.file)
    if read is not None:  # hashed before reading: a change while reading shows in the cache
        with suppress(OSError):
            read[(base / gazetteer.file).absolute()] = file_sha256(base / gazetteer.file)
    children, problems = read_gazetteer(gazetteer, base, shown)
    if problems and not children:
        line = source.line_of(("units", "gazetteer", "file"))
        problems = [
            PlanProblem(source.file, line, "units.gazetteer.file", f"{shown}: {p.message}")
            if p.line is None
            else p
            for p in problems
        ]
    inline = units.get("children")
    units["children"] = (inline if isinstance(inline, list) else []) + children
    return problems, bool(children)


def file_sha256(path: Path) -> str:
    """The sha256 of the file at ``path``, in hex."""
    with path.open("rb") as stream:
        return hashlib.file_digest(stream, "sha256").hexdigest()


def validate_sections(source: Source) -> tuple[Parts, list[PlanProblem]]:
    """Validate each top-level section, and each item of a list section, on its own."""
    data: dict[str, Any] = source.data
    problems: list[PlanProblem] = []
    parts = Parts(
        raw_ids={s: set(ids_in(data.get(s), k)) for s, k in ID_KEYS.items()},
        raw_counts={s: len(v) for s, v in data.items() if isinstance(v, list)},
    )
    for key in data:
        if key not in Plan.model_fields:
            problems.append(
                PlanProblem(source.file, source.line_of((key,)), key, unknown_key(key, Plan))
            )
    for name, info in Plan.model_fields.items():
        if data.get(name) is None and not info.is_required():
            continue
        if name not in data:
            if info.is_required():
                problems.append(
                    PlanProblem(source.file, None, name, f"thiếu phần bắt buộc '{name}'")
                )
            continue
        raw = data[name]
        annotation: Any = info.annotation
        if get_origin(annotation) is list and isinstance(raw, list):
            adapter = TypeAdapter(get_args(annotation)[0])
            items = []
            for i, item in enumerate(raw):
                try:
                    items.append((i, adapter.validate_python(item)))
                except ValidationError as error:
                    problems += pydantic_problems(source, error, (name, i))
            minimum = next((m.min_length for m in info.metadata if hasattr(m, "min_length")), 0)
            if len(raw) < minimum:
                problems.append(
                    PlanProblem(
                        source.file,
                        source.line_of((name,)),
                        name,
                        f"danh sách cần ít nhất {minimum} mục",
                    )
                )
            setattr(parts, name, items)
            continue
        try:
            value = TypeAdapter(annotation).validate_python(raw)
        except ValidationError as error:
            problems += pydantic_problems(source, error, (name,))
            continue
        if hasattr(parts, name):
            setattr(parts, name, value)
    return parts, problems


def pydantic_problems(source: Source, error: ValidationError, prefix: KeyPath) -> list[PlanProblem]:
    """One plan problem per pydantic error, at the line of its key path."""
    found = []
    for detail in error.errors(include_url=False):
        loc: KeyPath = (*prefix, *(p for p in detail["loc"] if p != "[key]"))
        found.append(
            PlanProblem(
                source.file, source.line_of(loc), format_path(loc), translate(detail, Plan, loc)
            )
        )
    return found


def sort_problems(problems: list[PlanProblem]) -> list[PlanProblem]:
    """Problems without duplicates, in file order (those without a line first)."""
    unique = list(dict.fromkeys(problems))
    return sorted(unique, key=lambda p: (p.file, p.line or 0))
