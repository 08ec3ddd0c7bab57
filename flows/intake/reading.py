"""Reading a sender's file, always through the parser process, under a time limit.

The engine never looks inside a sender's file itself: :meth:`Parser.examine` has the parser
process (``flows.intake.worker``) check and read it, and turns a timeout, a crash or a memory
error there into the file's outcome, so one file can neither hang nor stop intake.
"""

from __future__ import annotations

import os
import select
import subprocess
import sys
import time
from collections import deque
from collections.abc import Iterator, Sequence
from pathlib import Path
from types import TracebackType
from typing import IO, Any

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

    def _stdout(self) -> IO[bytes]:
        assert self._process is not None and self._process.stdout is not None
        return self._process.stdout

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
        sent = self._send(operation, path)
        if sent is not None:
            return sent
        assert self._process is not None and self._process.stdout is not None
        ready, _, _ = select.select([self._process.stdout], [], [], self.limits.parse_seconds)
        return self._reply() if ready else self._timed_out()

    def _send(self, operation: str, path: Path) -> Issue | None:
        """Hand the worker a request; the issue when it died on the way."""
        process = self._start()
        assert process.stdin is not None
        try:
            worker.send(process.stdin, (operation, str(path), self.limits))
        except (BrokenPipeError, OSError):
            return self._crashed()
        return None

    def _reply(self) -> tuple[Any, ...] | Issue:
        """The reply the worker has started writing, or the issue when it died."""
        assert self._process is not None and self._process.stdout is not None
        try:
            reply: tuple[Any, ...] = worker.receive(self._process.stdout)
        except (EOFError, OSError):
            return self._crashed()
        return reply

    def _timed_out(self) -> Issue:
        self._kill()
        return error(
            "parser_timeout",
            f"Đọc tệp quá {self.limits.parse_seconds:.0f} giây mà chưa xong: tệp quá lớn hoặc "
            "có cấu trúc bất thường. Xin mở trên máy, lưu lại dạng .xlsx rồi gửi lại.",
        )

    def _crashed(self) -> Issue:
        self._kill()
        return error(
            "parser_crashed",
            "Tệp có cấu trúc bất thường làm trình đọc bảng tính dừng đột ngột; tệp không đọc "
            "được. Xin mở trên máy, lưu lại rồi gửi lại.",
        )

    def examine(self, path: Path) -> Examined:
        """What ``path`` is and holds (see :class:`Examined`), whatever its bytes do."""
        return _examined(self._ask("examine", path))

    def parse(self, path: Path) -> Read:
        """The visible worksheets of an xlsx, xls or ods file, or the issue that stopped it."""
        reply = self._ask("parse", path)
        if isinstance(reply, Issue):
            return reply
        if reply[0] == "error":
            return _failed(reply)
        return worker.answer(reply, self.limits)


class ParserPool:
    """Several parser processes examining files ahead of the engine (use as a context
    manager): while the engine checks one file's table, the next files are being read, on
    the other cores. Each file still has its own time limit and its own outcome."""

    def __init__(self, limits: Limits = DEFAULT_LIMITS, size: int = 0) -> None:
        self.limits = limits
        count = size or max(1, min(os.cpu_count() or 1, 4))
        self.parsers = [Parser(limits) for _ in range(count)]

    def __enter__(self) -> ParserPool:
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        value: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        for parser in self.parsers:
            parser.close()

    def examine_each(self, paths: Sequence[Path | None]) -> Iterator[Examined | None]:
        """:meth:`Parser.examine` of each path, in order (``None`` for ``None``): each file
        is handed to an idle parser as soon as there is one, up to a few files ahead."""
        waiting = deque((n, p) for n, p in enumerate(paths) if p is not None)
        busy: dict[int, tuple[int, float]] = {}  # parser number -> (file number, deadline)
        done: dict[int, Examined] = {}
        try:
            for number, path in enumerate(paths):
                if path is None:
                    yield None
                    continue
                while number not in done:
                    for slot, parser in enumerate(self.parsers):
                        if slot not in busy and waiting:
                            item, ahead = waiting.popleft()
                            sent = parser._send("examine", ahead)
                            if sent is None:
                                busy[slot] = (item, time.monotonic() + self.limits.parse_seconds)
                            else:
                                done[item] = Examined(None, [sent])
                    if number not in done:
                        self._collect(busy, done)
                yield done.pop(number)
        finally:  # left early: a reply still coming must not answer the next request
            for slot in busy:
                self.parsers[slot]._kill()

    def _collect(self, busy: dict[int, tuple[int, float]], done: dict[int, Examined]) -> None:
        """Wait for the first reply or the first deadline; answer what it brings."""
        streams = {self.parsers[slot]._stdout(): slot for slot in busy}
        wait = max(0.0, min(deadline for _, deadline in busy.values()) - time.monotonic())
        ready, _, _ = select.select(list(streams), [], [], wait)
        for stream in ready:
            slot = streams[stream]
            item, _ = busy.pop(slot)
            done[item] = _examined(self.parsers[slot]._reply())
        now = time.monotonic()
        for slot, (item, deadline) in list(busy.items()):
            if deadline <= now:
                del busy[slot]
                done[item] = Examined(None, [self.parsers[slot]._timed_out()])


def _examined(reply: tuple[Any, ...] | Issue) -> Examined:
    if isinstance(reply, Issue):
        return Examined(None, [reply])
    if reply[0] == "examined":
        examined: Examined = reply[1]
        return examined
    return Examined(None, [_failed(reply)])


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
