"""Reading a checked file into sheets: spreadsheets through the parser process, CSV here.

CSV arrives in whatever encoding the sender's Excel chose: UTF-8 with or without BOM, UTF-16
("Unicode text", tab-separated) or Windows-1258. Every text ends up in NFC.
"""

from __future__ import annotations

import codecs
import csv
import io
import select
import subprocess
import sys
import unicodedata
from pathlib import Path
from types import TracebackType

from flows.intake import worker
from flows.intake.issues import Issue, error
from flows.intake.limits import DEFAULT_LIMITS, Limits
from flows.intake.preflight import Kind, too_large
from flows.intake.sheet import CellValue, Sheet

DELIMITERS = ",;\t"

Read = list[Sheet] | Issue


class Parser:
    """A parser process that survives the files that crash it (use as a context manager)."""

    def __init__(self, limits: Limits = DEFAULT_LIMITS) -> None:
        self.limits = limits
        self._process: subprocess.Popen[bytes] | None = None

    def __enter__(self) -> Parser:
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        value: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()

    def close(self) -> None:
        """Stop the parser process."""
        process, self._process = self._process, None
        if process is not None:
            if process.stdin:
                process.stdin.close()
            try:
                process.wait(timeout=5)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()
            if process.stdout:
                process.stdout.close()

    def _start(self) -> subprocess.Popen[bytes]:
        if self._process is None or self._process.poll() is not None:
            self._process = subprocess.Popen(
                [sys.executable, "-m", worker.__name__, str(self.limits.parser_memory)],
                stdin=subprocess.PIPE,
                stdout=subprocess.PIPE,
                stderr=subprocess.DEVNULL,
            )
        return self._process

    def _kill(self) -> int | None:
        process, self._process = self._process, None
        if process is None:
            return None
        process.kill()
        code = process.wait()
        for stream in (process.stdin, process.stdout):
            if stream:
                stream.close()
        return code

    def parse(self, path: Path) -> Read:
        """The visible worksheets of an xlsx, xls or ods file, or the issue that stopped it."""
        process = self._start()
        assert process.stdin is not None and process.stdout is not None
        try:
            worker.send(process.stdin, (str(path), self.limits))
            ready, _, _ = select.select([process.stdout], [], [], self.limits.parse_seconds)
            if not ready:
                self._kill()
                return error(
                    "parser_timeout",
                    f"Đọc tệp quá {self.limits.parse_seconds:.0f} giây mà chưa xong: tệp quá "
                    "lớn hoặc có cấu trúc bất thường.",
                )
            reply = worker.receive(process.stdout)
        except (EOFError, BrokenPipeError, OSError):
            self._kill()
            return error(
                "parser_crashed",
                "Tệp có cấu trúc bất thường làm trình đọc bảng tính dừng đột ngột; tệp không "
                "đọc được. Xin mở trên máy, lưu lại dạng .xlsx rồi gửi lại.",
            )
        if reply[0] == "ok":
            sheets: list[Sheet] = reply[1]
            return sheets
        if reply[0] == "too_large":
            _, name, height, width = reply
            return too_large(name, height, width, self.limits)
        return error(
            "corrupt_file",
            "Tệp bị hỏng hoặc không đúng định dạng bảng tính nên không đọc được. Xin mở trên "
            "máy, lưu lại rồi gửi lại.",
            value=str(reply[2])[:200] or None,
        )


def read_file(path: Path, kind: Kind, parser: Parser) -> Read:
    """The sheets of a file whose ``kind`` preflight established."""
    if kind == "csv":
        return read_csv(path.read_bytes(), parser.limits)
    return parser.parse(path)


# --- CSV ----------------------------------------------------------------------------------


def decode_text(data: bytes) -> str | None:
    """Text of a CSV file in any of the encodings Vietnamese offices save, or ``None``."""
    if data.startswith(codecs.BOM_UTF8):
        candidates = ["utf-8-sig"]
    elif data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        candidates = ["utf-16"]
    elif len(data) > 1 and data[1::2].count(0) > len(data) // 4:
        candidates = ["utf-16-le"]
    elif len(data) > 1 and data[0::2].count(0) > len(data) // 4:
        candidates = ["utf-16-be"]
    else:
        candidates = ["utf-8", "cp1258"]
    for encoding in candidates:
        try:
            return unicodedata.normalize("NFC", data.decode(encoding))
        except UnicodeDecodeError:
            continue
    return None


def sniff_delimiter(text: str) -> str:
    """The delimiter of the first lines: the one that splits them most evenly."""
    sample = "\n".join(text.splitlines()[:30])
    try:
        return csv.Sniffer().sniff(sample, delimiters=DELIMITERS).delimiter
    except csv.Error:
        counts = {d: sample.count(d) for d in DELIMITERS}
        return max(counts, key=lambda d: counts[d])


def read_csv(data: bytes, limits: Limits = DEFAULT_LIMITS) -> Read:
    """One sheet from CSV bytes (the sheet has no name)."""
    text = decode_text(data)
    if text is None:
        return error(
            "encoding",
            "Không đọc được chữ trong tệp CSV (không phải UTF-8, UTF-16 hay Windows-1258). "
            "Xin lưu lại bằng Excel: Lưu thành > CSV UTF-8.",
        )
    rows: list[list[CellValue]] = []
    try:
        lines = csv.reader(
            io.StringIO(text, newline=""), delimiter=sniff_delimiter(text), strict=True
        )
        for line in lines:
            if len(rows) >= limits.rows or len(line) > limits.columns:
                return too_large("", len(rows) + 1, len(line), limits)
            rows.append([cell if cell.strip() else None for cell in line])
    except csv.Error:
        return error(
            "corrupt_file",
            f'Tệp CSV sai cấu trúc từ dòng {len(rows) + 1}: có dấu ngoặc kép (") không đóng. '
            "Xin mở bằng Excel, lưu lại rồi gửi lại.",
            row=len(rows) + 1,
        )
    return [Sheet("", rows)]
