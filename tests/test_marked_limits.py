"""The marked copy of a sender's workbook is bounded: a few kilobytes asking openpyxl for
billions of cells, or a marking that runs too long or too big, cost the engine nothing, and the
sender still gets the feedback letter listing every issue."""

from __future__ import annotations

import resource
import time
import zipfile
from datetime import date
from pathlib import Path

import pytest
from openpyxl import load_workbook

from flows.documents import service
from flows.documents.workbooks import (
    MAX_COLUMN,
    MAX_ROW,
    mark_workbook,
    mark_workbook_apart,
    spanned_cells,
)
from flows.intake.engine import IntakeOptions, run_intake
from flows.intake.issues import Issue
from flows.intake.limits import MB, Limits
from flows.plan import Plan
from tests import intake_files as build
from tests.test_documents import docx_text

BAD_CELL = Issue("not_integer", "error", "Không phải số.", sheet="Sheet1", row=6, column=7)
SHEET = "xl/worksheets/sheet1.xml"


def add_to_sheet(path: Path, xml: str) -> Path:
    """Put ``xml`` right after the sheet data of the first worksheet of ``path``."""
    with zipfile.ZipFile(path) as archive:
        parts = {info.filename: archive.read(info) for info in archive.infolist()}
    parts[SHEET] = parts[SHEET].replace(b"</sheetData>", b"</sheetData>" + xml.encode())
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in parts.items():
            archive.writestr(name, data)
    return path


def write_absurd_merge(path: Path) -> Path:
    """A registration whose G6 holds a word (one error there) and one merge over K1:XFD1048576:
    5 KB for which openpyxl builds 17 billion cells (7 GB in 64 s before a MemoryError)."""
    build.write_registration(path, so_ho="nhiều")
    return add_to_sheet(path, '<mergeCells count="1"><mergeCell ref="K1:XFD1048576"/></mergeCells>')


def peak_mb() -> int:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss // 1024


def test_an_absurd_merge_is_refused_before_openpyxl_builds_it(tmp_path: Path) -> None:
    source = write_absurd_merge(tmp_path / "dk.xlsx")
    assert source.stat().st_size < 10_000
    assert spanned_cells(source) == (MAX_COLUMN - 10) * MAX_ROW
    before, started = peak_mb(), time.monotonic()
    assert not mark_workbook(source, "xlsx", [BAD_CELL], tmp_path / "out" / "dk.xlsx")
    assert time.monotonic() - started < 5
    assert peak_mb() - before < 100
    assert not (tmp_path / "out").exists()


def test_the_feedback_letter_still_lists_the_issue(tmp_path: Path, hai_duong: Plan) -> None:
    inbox, state, outbox = tmp_path / "inbox", tmp_path / "state", tmp_path / "outbox"
    inbox.mkdir()
    write_absurd_merge(inbox / "DangKy.xlsx")
    day = date(2017, 3, 15)
    [outcome] = run_intake(hai_duong, inbox, state, day, IntakeOptions(settle=0, min_age=0))
    assert outcome.status == "rejected"
    assert [(i.cell, i.code) for i in outcome.issues] == [("G6", "not_integer")]
    before, started = peak_mb(), time.monotonic()
    run = service.feedback(hai_duong, inbox, state, outbox, day, service.DocumentOptions(pdf=False))
    assert time.monotonic() - started < 30
    assert peak_mb() - before < 200
    assert [w.kind for w in run.written] == ["feedback"]  # no marked copy, the letter all the same
    text = docx_text(outbox / run.written[0].path)
    assert "ô G6" in text and "'nhiều' không phải là số nguyên." in text


def test_a_title_merged_across_the_whole_row_is_still_marked(tmp_path: Path) -> None:
    source = build.write_registration(tmp_path / "dk.xlsx", so_ho="nhiều")
    add_to_sheet(source, '<mergeCells count="1"><mergeCell ref="A1:XFD1"/></mergeCells>')
    assert spanned_cells(source) == MAX_COLUMN
    target = tmp_path / "out.xlsx"
    assert mark_workbook_apart(source, "xlsx", [BAD_CELL], target)
    data = load_workbook(target)["Sheet1"]
    assert [r.coord for r in data.merged_cells.ranges] == ["A1:XFD1"]
    assert data["G6"].comment.text.startswith("Lỗi: Không phải số.")


@pytest.mark.parametrize(
    "xml",
    [
        '<x:mergeCells xmlns:x="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
        '<x:mergeCell ref="XFD1048576:K1"/></x:mergeCells>',
        '<hyperlinks><hyperlink ref="A1:XFD1048576" display="a&gt;b"/></hyperlinks>',
        '<mergeCells><mergeCell ref="&#75;:&#75;"/></mergeCells>',
        '<mergeCells><mergeCell ref="A1:B2 C3:D4"/></mergeCells>',
    ],
    ids=["prefixed-reversed", "ranged-hyperlink", "whole-column-as-entities", "two-ranges"],
)
def test_every_spelling_of_a_huge_range_is_counted(tmp_path: Path, xml: str) -> None:
    source = add_to_sheet(build.write_registration(tmp_path / "dk.xlsx"), xml)
    assert spanned_cells(source) >= (MAX_COLUMN - 10) * MAX_ROW
    assert not mark_workbook(source, "xlsx", [BAD_CELL], tmp_path / "out.xlsx")


@pytest.mark.parametrize(
    "limits",
    [Limits(parse_seconds=0.05), Limits(parser_memory=32 * MB)],
    ids=["time", "memory"],
)
def test_marking_apart_stops_at_its_limits(tmp_path: Path, limits: Limits) -> None:
    source = build.write_registration(tmp_path / "dk.xlsx", so_ho="nhiều")
    add_to_sheet(source, '<mergeCells count="1"><mergeCell ref="K1:T9000"/></mergeCells>')
    assert spanned_cells(source) == 90_000  # allowed, but 50 MB and half a second of openpyxl
    out = tmp_path / "out"
    started = time.monotonic()
    assert not mark_workbook_apart(source, "xlsx", [BAD_CELL], out / "dk.xlsx", limits=limits)
    assert time.monotonic() - started < 10
    assert not out.exists() or list(out.iterdir()) == []
    assert mark_workbook_apart(source, "xlsx", [BAD_CELL], out / "dk.xlsx")  # default limits
