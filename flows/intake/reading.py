"""Reading a sender's file, always through the parser process, under a time limit.

The engine never looks inside a sender's file itself: :meth:`Parser.examine` has the parser
process (``flows.intake.worker``) check and read it, and turns a timeout, a crash or a memory
error there into the file's outcome, so one file can neither hang nor stop intake.
"""

from __future__ import annotations

import select
import subprocess
import sys
from pathlib import Path
from types import TracebackType
from typing import Any

from flows.intake import worker
from flows.intake.csvfile import Read
from flows.intake.issues import Issue, error
from flows.intake.limits import DEFAULT_LIMITS, Limits
from flows.intake.worker import Examined


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

    def _ask(self, operation: str, path: Path) -> tuple[Any, ...] | Issue:
        """The worker's reply, or the issue when it overran its time or died."""
        process = self._start()
        assert process.stdin is not None and process.stdout is not None
        try:
            worker.send(process.stdin, (operation, str(path), self.limits))
            ready, _, _ = select.select([process.stdout], [], [], self.limits.parse_seconds)
            if not ready:
                self._kill()
                return error(
                    "parser_timeout",
                    f"Đọc tệp quá {self.limits.parse_seconds:.0f} giây mà chưa xong: tệp quá "
                    "lớn hoặc có cấu trúc bất thường. Xin mở trên máy, lưu lại dạng .xlsx "
                    "rồi gửi lại.",
                )
            reply: tuple[Any, ...] = worker.receive(process.stdout)
        except (EOFError, BrokenPipeError, OSError):
            self._kill()
            return error(
                "parser_crashed",
                "Tệp có cấu trúc bất thường làm trình đọc bảng tính dừng đột ngột; tệp không "
                "đọc được. Xin mở trên máy, lưu lại rồi gửi lại.",
            )
        return reply

    def examine(self, path: Path) -> Examined:
        """What ``path`` is and holds (see :class:`Examined`), whatever its bytes do."""
        reply = self._ask("examine", path)
        if isinstance(reply, Issue):
            return Examined(None, [reply])
        if reply[0] == "examined":
            examined: Examined = reply[1]
            return examined
        return Examined(None, [_failed(reply)])

    def parse(self, path: Path) -> Read:
        """The visible worksheets of an xlsx, xls or ods file, or the issue that stopped it."""
        reply = self._ask("parse", path)
        if isinstance(reply, Issue):
            return reply
        if reply[0] == "error":
            return _failed(reply)
        return worker.answer(reply, self.limits)


def _failed(reply: tuple[Any, ...]) -> Issue:
    if reply[1] == "memory":
        return error(
            "too_large",
            "Đọc tệp cần quá nhiều bộ nhớ: không phải một biểu mẫu bình thường. Xin xóa các "
            "dòng, cột, trang thừa rồi gửi lại.",
        )
    return worker.corrupt()


def read_file(path: Path, parser: Parser) -> Read:
    """The sheets of ``path``, checked and read in the parser process."""
    examined = parser.examine(path)
    if examined.sheets is None:
        return examined.issues[0] if examined.issues else worker.corrupt()
    return examined.sheets
