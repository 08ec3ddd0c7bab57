"""The parser's own process: everything that reads a sender's bytes runs here.

A sender's file is attacker-controlled work: the pre-parse checks (zip, XML, OLE), the CSV
reader, python-calamine (which can abort the whole process on a crafted file) and the custom
properties of a blank form. So all of it runs here, in a child process with a memory limit,
serving one request at a time over stdin/stdout, while the engine (``flows.intake.reading``)
waits with a time limit, kills it when it overruns, restarts it when it dies and makes that
the file's outcome.

A request is ``(operation, path, limits)``: ``"examine"`` answers ``("examined",
Examined)``; ``"parse"`` (a workbook already checked) answers ``("ok", [sheet...])``,
``("too_large", name, height, width)`` or ``("error", kind, text)``. Messages are
length-prefixed pickles.
"""

from __future__ import annotations

import pickle
import resource
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any

from flows import marker as markers
from flows.intake.csvfile import read_csv
from flows.intake.issues import Issue, error
from flows.intake.limits import Limits
from flows.intake.preflight import FormulaCells, Kind, preflight_file, too_large
from flows.intake.sheet import Sheet
from flows.marker import SHEET as MARKER_SHEET

HEADER_BYTES = 8


def send(stream: IO[bytes], message: Any) -> None:
    """Write one length-prefixed message."""
    data = pickle.dumps(message, protocol=pickle.HIGHEST_PROTOCOL)
    stream.write(len(data).to_bytes(HEADER_BYTES, "big") + data)
    stream.flush()


def receive(stream: IO[bytes]) -> Any:
    """Read one length-prefixed message; ``EOFError`` when the other side is gone."""
    header = stream.read(HEADER_BYTES)
    if len(header) < HEADER_BYTES:
        raise EOFError
    size = int.from_bytes(header, "big")
    data = stream.read(size)
    if len(data) < size:
        raise EOFError
    return pickle.loads(data)


def parse_workbook(path: str, limits: Limits) -> tuple[Any, ...]:
    """Every visible worksheet of ``path`` (and a form's hidden marker sheet) as a
    :class:`Sheet`, or why not."""
    from python_calamine import CalamineWorkbook, SheetTypeEnum, SheetVisibleEnum

    if path.isprintable() and not any("\udc80" <= c <= "\udcff" for c in path):
        workbook = CalamineWorkbook.from_path(path)
    else:  # a name that is not UTF-8 (surrogate escapes) goes through a file object
        with open(path, "rb") as stream:
            workbook = CalamineWorkbook.from_filelike(stream)
    sheets = []
    for index, meta in enumerate(workbook.sheets_metadata):
        if meta.typ != SheetTypeEnum.WorkSheet:
            continue
        if meta.visible != SheetVisibleEnum.Visible and meta.name != MARKER_SHEET:
            continue  # hidden sheets are not read, but for a blank form's marker
        sheet = workbook.get_sheet_by_index(index)
        if sheet.height > limits.rows or sheet.width > limits.columns:
            if meta.name == MARKER_SHEET:
                continue  # a marker is 5 rows: this one is not ours, the header decides
            return ("too_large", sheet.name, sheet.height, sheet.width)
        start = sheet.start or (0, 0)
        merged = [
            (r1 + 1, c1 + 1, r2 + 1, c2 + 1)
            for (r1, c1), (r2, c2) in (sheet.merged_cell_ranges or [])
        ]
        rows = [[None if v == "" else v for v in row] for row in sheet.to_python()]
        sheets.append(Sheet(sheet.name, rows, start[0] + 1, start[1] + 1, merged))
    return ("ok", sheets)


@dataclass
class Examined:
    """What a file is and holds: its kind, the issues that stop it (when ``sheets`` is
    ``None``), formula cells saved without a value, and a blank form's custom-property
    marker."""

    kind: Kind | None
    issues: list[Issue] = field(default_factory=list)
    formulas: FormulaCells = field(default_factory=dict)
    sheets: list[Sheet] | None = None
    marker: markers.Marker | None = None


def examine(path: str, limits: Limits) -> Examined:
    """Check ``path`` and read it into sheets, or say why not."""
    checked = preflight_file(Path(path), limits)
    found = Examined(checked.kind, checked.issues, checked.formulas)
    if not checked.readable:
        return found
    if checked.kind == "csv":
        with open(path, "rb") as stream:
            read = read_csv(stream.read(), limits)
    else:
        read = answer(parse_workbook(path, limits), limits)
    if isinstance(read, Issue):
        found.issues = [read]
        return found
    found.sheets = read
    if checked.kind == "xlsx" and not any(s.name == MARKER_SHEET for s in read):
        found.marker = markers.from_custom_properties(Path(path))
    return found


def answer(reply: tuple[Any, ...], limits: Limits) -> list[Sheet] | Issue:
    if reply[0] == "ok":
        sheets: list[Sheet] = reply[1]
        return sheets
    if reply[0] == "too_large":
        _, name, height, width = reply
        return too_large(name, height, width, limits)
    return corrupt()


def corrupt() -> Issue:
    """A file the parser could not read (what it said is English, for no sender)."""
    return error(
        "corrupt_file",
        "Tệp bị hỏng hoặc không đúng định dạng bảng tính nên không đọc được. Xin mở trên "
        "máy, lưu lại rồi gửi lại.",
    )


def handle(operation: str, path: str, limits: Limits) -> tuple[Any, ...]:
    """One request's reply; a failure on the file is an answer about the file."""
    try:
        if operation == "examine":
            return ("examined", examine(path, limits))
        return parse_workbook(path, limits)
    except MemoryError:
        return ("error", "memory", "")
    except Exception as failure:  # any parser failure is an answer about this file
        return ("error", type(failure).__name__, str(failure)[:500])


def serve(memory: int) -> None:
    """Answer requests until stdin closes."""
    resource.setrlimit(resource.RLIMIT_AS, (memory, memory))
    stdin, stdout = sys.stdin.buffer, sys.stdout.buffer
    while True:
        try:
            operation, path, limits = receive(stdin)
        except EOFError:
            return
        send(stdout, handle(operation, path, limits))


if __name__ == "__main__":  # run as its package module, so replies pickle under its name
    from flows.intake.worker import serve as serve_here

    serve_here(int(sys.argv[1]))
