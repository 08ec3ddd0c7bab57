"""Reading files: the parser process survives what kills it; CSV in every office encoding."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import pytest

from flows.intake.csvfile import decode_text, read_csv, sniff_delimiter
from flows.intake.issues import Issue
from flows.intake.limits import Limits
from flows.intake.reading import Parser, ParserPool
from flows.intake.sheet import Sheet
from tests import intake_files as build


def test_a_file_that_aborts_the_parser_is_an_issue_and_the_parser_restarts(
    tmp_path: Path,
) -> None:
    corner = build.write_sparse_corner(tmp_path / "corner.xlsx")  # skipping preflight on purpose
    clean = build.write_registration(tmp_path / "clean.xlsx")
    with Parser() as parser:
        crashed = parser.parse(corner)
        assert isinstance(crashed, Issue) and crashed.code == "parser_crashed"
        sheets = parser.parse(clean)
    assert isinstance(sheets, list) and sheets[0].value(6, 1) == "Huyện Cẩm Giàng"


def test_a_slow_parse_is_stopped(tmp_path: Path) -> None:
    big = build.write_million_rows(tmp_path / "million.xlsx")
    limits = dataclasses.replace(Limits(), parse_seconds=0.05)
    with Parser(limits) as parser:
        result = parser.parse(big)
    assert isinstance(result, Issue) and result.code == "parser_timeout"


def _pool_files(folder: Path) -> list[Path | None]:
    folder.mkdir()
    return [
        build.write_registration(folder / "dk.xlsx"),
        build.write_encrypted(folder / "locked.xlsx"),
        None,
        build.write_empty(folder / "empty.xlsx"),
        build.write_csv(folder / "dk.csv", build.registration_rows()),
        build.write_registration(folder / "other.xlsx", huyen="Huyện Gia Lộc"),
    ]


def _outcome(examined: object) -> str | None:
    """What a pool answered for one file: the first row's unit, or the issue's code."""
    if examined is None:
        return None
    assert hasattr(examined, "sheets") and hasattr(examined, "issues")
    if examined.sheets is None:
        return str(examined.issues[0].code)
    return str(examined.sheets[0].value(6, 1))


def test_a_parser_pool_answers_every_file_in_order(tmp_path: Path) -> None:
    paths = _pool_files(tmp_path / "in")
    with ParserPool(size=3) as pool:
        answers = [_outcome(e) for e in pool.examine_each(paths)]
    assert answers == [
        "Huyện Cẩm Giàng",
        "encrypted",
        None,
        "empty_file",
        "Huyện Cẩm Giàng",
        "Huyện Gia Lộc",
    ]


def test_a_parser_pool_left_midway_answers_the_next_files_right(tmp_path: Path) -> None:
    paths = _pool_files(tmp_path / "in")
    with ParserPool(size=2) as pool:
        examined = pool.examine_each(paths)
        assert _outcome(next(examined)) == "Huyện Cẩm Giàng"  # the next ones are being read
        examined.close()
        assert [_outcome(e) for e in pool.examine_each(paths[5:])] == ["Huyện Gia Lộc"]


def test_every_file_of_a_pool_has_its_own_time_limit(tmp_path: Path) -> None:
    paths = _pool_files(tmp_path / "in")
    with ParserPool(Limits(parse_seconds=0.001), size=2) as pool:
        answers = [_outcome(e) for e in pool.examine_each(paths)]
    assert answers == ["parser_timeout"] * 2 + [None] + ["parser_timeout"] * 3
    with ParserPool(size=2) as pool:  # and the processes killed for it are started again
        assert _outcome(next(pool.examine_each(paths[:1]))) == "Huyện Cẩm Giàng"


def test_an_unreadable_workbook_is_corrupt(tmp_path: Path) -> None:
    encrypted = build.write_encrypted(tmp_path / "locked.xlsx")
    with Parser() as parser:
        result = parser.parse(encrypted)
    assert isinstance(result, Issue) and result.code == "corrupt_file"


def test_workbook_positions_are_excel_positions(tmp_path: Path) -> None:
    path = build.write_xlsx(tmp_path / "far.xlsx", [[None, None], [None, None, "x"]])
    with Parser() as parser:
        (sheet,) = parser.parse(path)  # type: ignore[misc]
    assert (sheet.first_row, sheet.first_column, sheet.value(2, 3)) == (2, 3, "x")


TEXT = "Huyện,Số hộ\r\nThị trấn Lai Cách,1.234\r\n"


@pytest.mark.parametrize(
    "data",
    [
        TEXT.encode("utf-8"),
        b"\xef\xbb\xbf" + TEXT.encode("utf-8"),
        b"\xff\xfe" + TEXT.encode("utf-16-le"),
        TEXT.encode("utf-16-le"),
        build._cp1258(TEXT).encode("cp1258"),
    ],
    ids=["utf-8", "utf-8-bom", "utf-16-bom", "utf-16-no-bom", "windows-1258"],
)
def test_csv_encodings_all_give_nfc_text(data: bytes) -> None:
    assert decode_text(data) == TEXT
    (sheet,) = read_csv(data)  # type: ignore[misc]
    assert isinstance(sheet, Sheet) and sheet.value(2, 1) == "Thị trấn Lai Cách"


@pytest.mark.parametrize("delimiter", [",", ";", "\t"])
def test_delimiter_is_sniffed(delimiter: str) -> None:
    assert sniff_delimiter(f"a{delimiter}b{delimiter}c\n1{delimiter}2{delimiter}3\n") == delimiter


def test_csv_row_limit() -> None:
    too_long = read_csv(b"a\n" * 20, dataclasses.replace(Limits(), rows=10))
    assert isinstance(too_long, Issue) and too_long.code == "sheet_too_large"
