"""A parsed plan kept on disk, reused while the files it was made from are unchanged.

Loading a national plan (10,000 sites, a 10,000-row gazetteer) takes seconds, and every command
and every flow run needs the plan. A valid plan is pickled under ``<state>/cache/plans/``, in a
file named by a hash of the code that loads plans, the plan's path and the plan file's bytes.
The entry also holds the sha256 of every other file the plan was made from (its gazetteer CSV),
checked on every hit, so editing the plan or its gazetteer, or installing other code, means a
full load. A plan with problems is never stored: it is loaded in full every time, and its
messages name their lines as ever. An entry that cannot be read (truncated, from another
version) is a miss, and is written again.

Trust: unpickling runs code named in the file. The cache lives in the state folder, next to the
ledger, and is trusted as much: whoever can write there can already change what the campaign
has recorded. Never point the cache at a folder less trusted than the ledger.
"""

from __future__ import annotations

import gc
import hashlib
import io
import os
import pickle
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

import pydantic
import yaml
from pydantic import BaseModel

import flows
from flows.documents.atomic import TEMPORARY_SUFFIX, write_atomic
from flows.plan.loader import file_sha256, load_plan
from flows.plan.schema import Plan

FORMAT = 2  # bump when the entry layout changes
KEEP = 4  # entries kept per state folder (a plan or two, and their recent versions)
STALE_TEMPORARY_SECONDS = 3600  # a half-written entry older than this was left by a crash
SUFFIX = ".pickle"

Stamp = tuple[str, int, int, int]  # path, mtime (ns), size, inode
"""What ``os.stat`` says of a file: enough to notice, without reading it, that it changed."""


@dataclass(frozen=True)
class Loaded:
    """A plan, and the stamps of the files it was made from (the plan, its gazetteer).

    Each stamp was taken before the file's content was checked, so a file changed since shows
    a new stamp. ``stamps`` is ``None`` when a file changed while the plan was being loaded
    (then the plan may not be what the files hold now).
    """

    plan: Plan
    stamps: tuple[Stamp, ...] | None


def cache_folder(state: Path) -> Path:
    """Where the plans loaded for the state folder ``state`` are kept."""
    return state / "cache" / "plans"


def state_cache(state: Path | None) -> Path | None:
    """The plan cache of the state folder ``state``; ``None`` without one, or when it does not
    exist (a mistyped ``--state`` is not created just to hold a cache, and its commands go on
    saying there is no ledger there)."""
    return cache_folder(state) if state is not None and state.is_dir() else None


def load_in_state(path: str | os.PathLike[str], state: Path) -> Plan:
    """The plan at ``path``, through the plan cache of the state folder ``state``."""
    return load_tracked(path, state_cache(state)).plan


def load_cached(path: str | os.PathLike[str], cache_dir: Path) -> Plan:
    """The plan at ``path``: from ``cache_dir`` when its files are unchanged, else loaded in
    full (raising ``PlanError`` with lines, as ``load_plan``) and stored there when valid."""
    return load_tracked(path, cache_dir).plan


def load_tracked(path: str | os.PathLike[str], cache_dir: Path | None) -> Loaded:
    """The plan at ``path`` and the stamps of its files; through ``cache_dir`` unless ``None``."""
    file = Path(path)
    try:
        plan_stamp = stamp(file)
        key = entry_key(file, hashlib.sha256(file.read_bytes()).hexdigest())
    except (OSError, RuntimeError):  # RuntimeError: a symbolic link loop
        return Loaded(load_plan(file), None)  # the loader's own message (no such file, a folder)
    if cache_dir is not None:
        hit = read_entry(cache_dir / f"{key}{SUFFIX}")
        if hit is not None:
            plan, dependency_stamps = hit
            return Loaded(plan, (plan_stamp, *dependency_stamps))
    read: dict[Path, str] = {}
    plan = load_plan(file, read)  # raises PlanError, with lines, for a plan with problems
    plan_file, *others = files = [file.absolute(), *dependencies(file, plan)]
    checked = recheck(files, read)
    if checked is None:  # a file changed while the plan was loaded: it is not kept
        return Loaded(plan, None)
    hashes, stamps = checked
    if cache_dir is not None:  # under the hash of the bytes the loader parsed
        key = entry_key(file, hashes[plan_file])
        store(cache_dir / f"{key}{SUFFIX}", {str(f): hashes[f] for f in others}, plan)
    return Loaded(plan, stamps)


def dependencies(file: Path, plan: Plan) -> list[Path]:
    """The files other than the plan file ``file`` that ``plan`` was made from, absolute."""
    gazetteer = plan.units.gazetteer
    return [] if gazetteer is None else [(file.parent / gazetteer.file).absolute()]


def recheck(
    files: list[Path], read: dict[Path, str]
) -> tuple[dict[Path, str], tuple[Stamp, ...]] | None:
    """The hash and stamp of each of ``files`` when each still hashes as the loader saw it
    (``read``), else ``None``. Each stamp is taken before its hash: a change after the hash
    shows in the stamp."""
    hashes: dict[Path, str] = {}
    stamps: list[Stamp] = []
    for file in files:
        try:
            stamps.append(stamp(file))
            hashes[file] = file_sha256(file)
        except OSError:
            return None
        if read.get(file) != hashes[file]:
            return None
    return hashes, tuple(stamps)


def stamp(file: Path) -> Stamp:
    """The stamp of ``file`` now."""
    facts = file.stat()
    return (str(file), facts.st_mtime_ns, facts.st_size, facts.st_ino)


def unchanged(stamps: tuple[Stamp, ...]) -> bool:
    """Whether every file stamped in ``stamps`` still has the same stamp."""
    try:
        return all(stamp(Path(s[0])) == s for s in stamps)
    except OSError:
        return False


@cache
def code_version() -> str:
    """A hash of everything that decides what a plan file loads to: the sources of the plan
    package and the modules it uses, and the versions of Python, pydantic and PyYAML."""
    digest = hashlib.sha256(f"{FORMAT}|{flows.__version__}|{sys.version}|".encode())
    digest.update(f"{pydantic.VERSION}|{yaml.__version__}|".encode())
    package = Path(flows.__file__).parent
    sources = [
        *sorted((package / "plan").glob("*.py")),
        package / "names.py",
        package / "errors.py",
    ]
    for source in sources:
        digest.update(source.name.encode() + b"\0" + source.read_bytes() + b"\0")
    return digest.hexdigest()


def entry_key(file: Path, plan_hash: str) -> str:
    """The name of the entry for the plan file ``file`` holding bytes of hash ``plan_hash``.

    The path is part of it: the gazetteer is found next to the plan, and the plan remembers
    where it came from."""
    where = f"{file.absolute()}\0{file.resolve()}"
    return hashlib.sha256(f"{code_version()}\0{where}\0{plan_hash}".encode()).hexdigest()


def read_entry(entry: Path) -> tuple[Plan, tuple[Stamp, ...]] | None:
    """The plan in ``entry`` and the stamps of its other files, when every one of them still
    hashes as when it was stored; ``None`` otherwise (a miss)."""
    try:
        stream = io.BytesIO(entry.read_bytes())
    except OSError:
        return None
    try:
        header = pickle.load(stream)
        hashes = header["dependencies"] if header.get("format") == FORMAT else None
        if not isinstance(hashes, dict):
            return None
        stamps = []
        for name, digest in hashes.items():
            stamps.append(stamp(Path(name)))
            if file_sha256(Path(name)) != digest:
                return None
        with collection_paused():
            plan = pickle.load(stream)
    except Exception:  # a damaged or outdated entry (any error unpickling) is only a miss
        return None
    if not isinstance(plan, Plan):
        return None
    with suppress(OSError):  # the entries used last are the ones kept
        os.utime(entry)
    return plan, tuple(stamps)


@contextmanager
def collection_paused() -> Iterator[None]:
    """No cyclic garbage collection inside: unpickling 20,000 models otherwise triggers it
    again and again, for nothing (half the time of a cached load)."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


def store(entry: Path, dependencies: dict[str, str], plan: Plan) -> None:
    """Keep ``plan`` in ``entry`` with the hashes of its other files; a cache that cannot be
    written (a read-only or full disk) is only a cache that does not help."""
    header = {"format": FORMAT, "dependencies": dependencies}
    try:
        stream = io.BytesIO()
        pickle.dump(header, stream, pickle.HIGHEST_PROTOCOL)
        ModelPickler(stream, pickle.HIGHEST_PROTOCOL).dump(plan.prepare())
        write_atomic(entry, stream.getvalue())
        prune(entry.parent)
    except (OSError, pickle.PicklingError):
        pass


class ModelPickler(pickle.Pickler):
    """Pickles each plain pydantic model (no private or extra attributes: all but ``Plan``) as
    one call of ``rebuild_model``, not pydantic's ``__setstate__`` with a state dict: a cached
    national plan loads in 60 % of the time. The layout is pydantic's own (its ``__getstate__``);
    pydantic's version is part of ``code_version``, so no other version reads these entries."""

    def reducer_override(self, obj: Any) -> Any:
        if (
            isinstance(obj, BaseModel)
            and obj.__pydantic_private__ is None
            and obj.__pydantic_extra__ is None
        ):
            return rebuild_model, (type(obj), obj.__dict__, obj.__pydantic_fields_set__)
        return NotImplemented


_new = object.__new__
_set = object.__setattr__


def rebuild_model(kind: type[BaseModel], values: dict[str, Any], fields_set: set[str]) -> Any:
    """The model of class ``kind`` with field ``values``, as pickled by ``ModelPickler``."""
    model = _new(kind)
    _set(model, "__dict__", values)
    _set(model, "__pydantic_fields_set__", fields_set)
    _set(model, "__pydantic_extra__", None)
    _set(model, "__pydantic_private__", None)
    return model


def prune(folder: Path) -> None:
    """Keep the ``KEEP`` entries used last in ``folder``, and no temporary file left by a
    crash."""
    entries: list[tuple[float, Path]] = []
    now = time.time()
    for path in folder.iterdir():
        with suppress(OSError):  # another process pruning at the same time
            if path.name.endswith(SUFFIX):
                entries.append((path.stat().st_mtime, path))
            elif (
                path.name.endswith(TEMPORARY_SUFFIX)
                and now - path.stat().st_mtime > STALE_TEMPORARY_SECONDS
            ):
                path.unlink()
    entries.sort(reverse=True)
    for _, path in entries[KEEP:]:
        with suppress(OSError):
            path.unlink()
