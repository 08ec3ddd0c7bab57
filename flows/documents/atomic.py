"""Writing a file so that a reader sees the old one, the new one whole, or none: write to a
temporary name in the same folder, then rename. The temporary file is created with the
process umask (not 0600 like ``tempfile.mkstemp``), so staff sharing the outbox can open it."""

from __future__ import annotations

import os
import secrets
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from pathlib import Path

TEMPORARY_SUFFIX = ".tmp"


@contextmanager
def atomic_target(target: Path, durable: bool = True) -> Iterator[Path]:
    """A temporary path next to ``target`` to write to; renamed onto ``target`` when the block
    succeeds, removed when it raises. ``durable``: flushed to the disk before the rename (a
    file that is made again on every run, like a status page, may skip it: a reader still
    never sees half of it)."""
    target.parent.mkdir(parents=True, exist_ok=True)
    while True:
        temporary = target.with_name(
            f".{target.name[:100]}.{secrets.token_hex(6)}{TEMPORARY_SUFFIX}"
        )
        try:
            os.close(os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o666))
            break
        except FileExistsError:
            continue
    try:
        yield temporary
        if durable:
            with temporary.open("rb+") as stream:
                os.fsync(stream.fileno())
        os.replace(temporary, target)
    except BaseException:
        with suppress(OSError):
            temporary.unlink()
        raise


def write_atomic(path: Path, data: bytes, durable: bool = True) -> None:
    """Write ``data`` to ``path`` atomically (``durable``: see :func:`atomic_target`)."""
    with atomic_target(path, durable) as temporary:
        temporary.write_bytes(data)
