"""Intake cost per file against a bare python-calamine read of the same files, same run.

    .venv/bin/python bench/intake.py [--files 60] [--repeat 3]

Prints the median milliseconds per file for: a bare read (open the workbook, read every
sheet, in this process), and intake's per-file work (claim, hash, preflight, parse in the
parser process, find the table, validate, commit to SQLite, move), plus the whole run
including the parser process start and the ledger opening. Files are ordinary submissions:
registrations like the ones in samples/, written by openpyxl.
"""

from __future__ import annotations

import argparse
import shutil
import statistics
import tempfile
import time
from datetime import date
from pathlib import Path

import openpyxl
from python_calamine import CalamineWorkbook

from flows.intake import engine
from flows.intake.engine import IntakeOptions, run_intake
from flows.plan import Plan, load_plan

ROOT = Path(__file__).resolve().parent.parent


def write_files(folder: Path, plan: Plan, count: int) -> list[Path]:
    """``count`` realistic registrations: title block, header, one data row, footer."""
    form = plan.form_by_id(next(m.form for m in plan.milestones if m.registration))
    assert form is not None
    paths = []
    for n in range(count):
        site = plan.sites[n % len(plan.sites)]
        district = plan.unit_of(site).unit
        commune = district.children[n % len(district.children)].name if district.children else ""
        values = {
            "unit": district.name,
            "model": site.model or "",
            "integer": 10 + n,
            "phone": "0912345678",
            "text": "Nguyễn Văn A",
        }
        row = [
            commune if c.type == "unit" and c.within else values.get(c.type, "Có")
            for c in form.columns
        ]
        book = openpyxl.Workbook()
        sheet = book.active
        for line in (["ỦY BAN MTTQ VIỆT NAM"], [form.title], [], [c.label for c in form.columns],
                     row, [], ["Người lập biểu"]):  # fmt: skip
            sheet.append(line)
        path = folder / f"{n:04d} {site.id}.xlsx"
        book.save(path)
        paths.append(path)
    return paths


def sample_files() -> list[Path]:
    """The shipped samples that python-calamine can read (the encrypted one it cannot)."""
    found = []
    for path in sorted((ROOT / "samples").glob("*/*")):
        if path.suffix in (".xlsx", ".xls", ".ods"):
            try:
                CalamineWorkbook.from_path(str(path))
            except Exception:
                continue
            found.append(path)
    return found


def bare_read(paths: list[Path]) -> list[float]:
    """Milliseconds per file to open and read every sheet with python-calamine."""
    times = []
    for path in paths:
        started = time.perf_counter()
        workbook = CalamineWorkbook.from_path(str(path))
        for name in workbook.sheet_names:
            workbook.get_sheet_by_name(name).to_python()
        times.append((time.perf_counter() - started) * 1000)
    return times


def intake(paths: list[Path], plan: Plan, work: Path) -> tuple[list[float], float]:
    """(ms per file of intake's per-file work, ms of the whole run)."""
    inbox = work / "inbox"
    inbox.mkdir(parents=True)
    for path in paths:
        shutil.copy2(path, inbox / path.name)
    times: list[float] = []
    one = engine.Batch.judge

    def timed(*args, **kwargs):  # type: ignore[no-untyped-def]
        started = time.perf_counter()
        try:
            return one(*args, **kwargs)
        finally:
            times.append((time.perf_counter() - started) * 1000)

    engine.Batch.judge = timed  # type: ignore[assignment]
    try:
        started = time.perf_counter()
        outcomes = run_intake(
            plan, inbox, work / "state", date(2017, 3, 18), IntakeOptions(settle=0, min_age=0)
        )
        total = (time.perf_counter() - started) * 1000
    finally:
        engine.Batch.judge = one  # type: ignore[assignment]
    assert len(outcomes) == len(paths), outcomes
    return times, total


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--files", type=int, default=60)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--plan", type=Path, default=ROOT / "config" / "plan.yaml")
    args = parser.parse_args()
    plan = load_plan(args.plan)
    with tempfile.TemporaryDirectory() as scratch:
        base = Path(scratch)
        source = base / "files"
        source.mkdir()
        sets = {
            f"{args.files} generated registrations (openpyxl)": write_files(
                source, plan, args.files
            ),
            "shipped samples (.xlsx/.xls/.ods, openpyxl and LibreOffice)": sample_files(),
        }
        print(f"plan {plan.campaign.id}, {args.repeat} runs per set, median ms per file")
        for label, paths in sets.items():
            bare: list[float] = []
            per_file: list[float] = []
            totals: list[float] = []
            for attempt in range(args.repeat):
                bare += bare_read(paths)
                times, total = intake(paths, plan, base / f"{len(totals)}-{attempt}-{len(paths)}")
                per_file += times
                totals.append(total / len(paths))
            bare_ms, work_ms = statistics.median(bare), statistics.median(per_file)
            run_ms = statistics.median(totals)
            print(f"{label}: {len(paths)} files")
            print(f"  bare python-calamine read          {bare_ms:7.2f}")
            print(
                f"  intake judging a file              {work_ms:7.2f}   {work_ms / bare_ms:5.1f}x"
            )
            print(f"  intake whole run / number of files {run_ms:7.2f}   {run_ms / bare_ms:5.1f}x")


if __name__ == "__main__":
    main()
