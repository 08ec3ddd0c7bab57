"""The spreadsheet parser's own process.

python-calamine is fast but, on a crafted file, can abort the whole process. So it runs here,
in a child process with a memory limit, serving one request at a time over stdin/stdout; the
engine (``flows.intake.parser``) restarts it when it dies and reports the file that killed it.

A request is ``(path, limits)``; the reply is ``("ok", [sheet...])``, ``("too_large", name,
height, width)`` or ``("error", kind, text)``. Messages are length-prefixed pickles.
"""

from __future__ import annotations

import pickle
import resource
import sys
from typing import IO, Any

from flows.intake.limits import Limits
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


def serve(memory: int) -> None:
    """Answer requests until stdin closes."""
    resource.setrlimit(resource.RLIMIT_AS, (memory, memory))
    stdin, stdout = sys.stdin.buffer, sys.stdout.buffer
    while True:
        try:
            path, limits = receive(stdin)
        except EOFError:
            return
        try:
            reply = parse_workbook(path, limits)
        except MemoryError:
            reply = ("error", "memory", "")
        except Exception as failure:  # any parser failure is an answer about this file
            reply = ("error", type(failure).__name__, str(failure)[:500])
        send(stdout, reply)


if __name__ == "__main__":
    serve(int(sys.argv[1]))
