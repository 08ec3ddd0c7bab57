"""How big and how slow a submitted file may be before it is refused unread."""

from __future__ import annotations

from dataclasses import dataclass

MB = 1024 * 1024


@dataclass(frozen=True)
class Limits:
    """Bounds for one file; the defaults are far above any real form."""

    file_bytes: int = 50 * MB
    unpacked_bytes: int = 300 * MB
    ratio: int = 200
    zip_entries: int = 5_000
    rows: int = 50_000
    columns: int = 1_000
    parse_seconds: float = 60.0
    parser_memory: int = 2048 * MB
    header_rows: int = 40


DEFAULT_LIMITS = Limits()
