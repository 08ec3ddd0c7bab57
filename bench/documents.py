"""Rendering reminder letters: compiled once and spread over the cores, against a naive loop
that builds a new ``DocxTemplate`` per letter, same letters, same run.

    .venv/bin/python bench/documents.py [--letters 3000] [--naive 3000] [--processes N]

The letters are the shipped plan's real reminder letters (every site owing every milestone,
two weeks after the last due date), repeated with a numbered addressee until there are
``--letters`` of them. Both paths produce bytes in memory (no disk), so the figures compare
rendering only. ``--naive`` may be smaller than ``--letters`` to save time; the naive figure is
then scaled per letter, which the output says.
"""

from __future__ import annotations

import argparse
import io
import os
import time
from datetime import timedelta
from pathlib import Path
from typing import Any

import jinja2
from docxtpl import DocxTemplate

from flows.documents.letters import build_letters
from flows.documents.render import CompiledTemplate, clean_text, render_many
from flows.documents.service import TEMPLATE_FILES, TEMPLATES
from flows.documents.status import Evidence, build_matrix, reminders_due
from flows.plan import load_plan

ROOT = Path(__file__).resolve().parent.parent


def letter_contexts(count: int) -> list[dict[str, Any]]:
    """``count`` real letter contexts from the default plan."""
    plan = load_plan(ROOT / "config" / "plan.yaml")
    day = max(m.due for m in plan.milestones) + timedelta(days=14)
    matrix = build_matrix(plan, Evidence(), day)
    letters = build_letters(plan, matrix, reminders_due(plan, matrix, set()))
    contexts = []
    for n in range(count):
        context = dict(letters[n % len(letters)].context)
        context["addressee"] = f"{context['addressee']} (bản {n + 1})"
        contexts.append(context)
    return contexts


def naive(path: Path, contexts: list[dict[str, Any]]) -> float:
    """A new DocxTemplate per letter, rendered strictly with autoescape, saved to memory."""
    start = time.perf_counter()
    for context in contexts:
        environment = jinja2.Environment(
            undefined=jinja2.StrictUndefined, autoescape=True, finalize=clean_text
        )
        template = DocxTemplate(str(path))
        template.render(context, jinja_env=environment, autoescape=True)
        template.save(io.BytesIO())
    return time.perf_counter() - start


def compiled(path: Path, contexts: list[dict[str, Any]], processes: int) -> tuple[float, int]:
    """Compile once, render in ``processes`` processes; seconds and total bytes."""
    start = time.perf_counter()
    template = CompiledTemplate(path)
    size = sum(len(data) for data in render_many(template, contexts, processes))
    return time.perf_counter() - start, size


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--letters", type=int, default=3000)
    parser.add_argument("--naive", type=int, default=None, help="letters for the naive loop")
    parser.add_argument("--processes", type=int, default=os.cpu_count() or 1)
    args = parser.parse_args()
    path = TEMPLATES / TEMPLATE_FILES["reminder"]
    contexts = letter_contexts(args.letters)
    naive_count = args.naive or args.letters

    one, _ = compiled(path, contexts, 1)
    many, size = compiled(path, contexts, args.processes)
    slow = naive(path, contexts[:naive_count])
    slow_scaled = slow * args.letters / naive_count

    print(f"{args.letters} reminder letters, {os.cpu_count()} cores")
    print(f"  naive, new DocxTemplate per letter : {slow_scaled:8.2f} s", end="")
    print(
        f"  ({slow / naive_count * 1000:.1f} ms/letter"
        + (f", measured on {naive_count} and scaled)" if naive_count != args.letters else ")")
    )
    print(
        f"  compiled once, 1 process          : {one:8.2f} s"
        f"  ({one / args.letters * 1000:.2f} ms/letter)"
    )
    print(
        f"  compiled once, {args.processes} processes        : {many:8.2f} s"
        f"  ({many / args.letters * 1000:.2f} ms/letter, {size / args.letters / 1024:.1f} KiB each)"
    )
    print(f"  ratio compiled/naive               : {many / slow_scaled:8.3f}  (target <= 0.5)")


if __name__ == "__main__":
    main()
