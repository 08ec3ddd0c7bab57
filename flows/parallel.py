"""Spreading many independent documents over the machine's cores.

Rendering a letter or building a blank form is pure work on data the process already holds
(the plan, a compiled template). A day with thousands of letters spreads them over worker
processes, one per core, each set up once by ``start``; a few are made in this process, where
starting workers would cost more than it saves.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import ProcessPoolExecutor
from typing import Any, TypeVar

PARALLEL_FROM = 40  # below this many documents, starting worker processes costs more

Item = TypeVar("Item")
Made = TypeVar("Made")


def spread(
    here: Callable[[Item], Made],
    items: Sequence[Item],
    work: Callable[[Item], Made],
    start: Callable[..., None],
    start_args: tuple[Any, ...],
    processes: int | None = None,
) -> Iterator[Made]:
    """``here`` of each item in order, or ``work`` of each in ``processes`` workers (default:
    one per core) each set up by ``start(*start_args)``: the same results, in the same order.
    ``work`` must be a module-level function (the workers look it up by name)."""
    processes = processes or os.cpu_count() or 1
    if processes == 1 or len(items) < PARALLEL_FROM:
        yield from map(here, items)
        return
    chunk = max(1, len(items) // (processes * 8))
    with ProcessPoolExecutor(processes, initializer=start, initargs=start_args) as pool:
        yield from pool.map(work, items, chunksize=chunk)
