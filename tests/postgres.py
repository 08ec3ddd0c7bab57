"""A PostgreSQL cluster of the tests' own: initdb in a temporary folder, a free port on
loopback, stopped at the end. As root the server runs as the ``postgres`` user (initdb refuses
root)."""

from __future__ import annotations

import os
import pwd
import shutil
import subprocess
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from flows.serving import free_port

USER = "mohinh"


def programs() -> Path | None:
    """The folder of ``pg_ctl`` and ``initdb``, if PostgreSQL is installed."""
    found = shutil.which("pg_ctl")
    if found:
        return Path(found).resolve().parent
    versions = sorted(Path("/usr/lib/postgresql").glob("*/bin/pg_ctl"))
    return versions[-1].parent if versions else None


@contextmanager
def cluster() -> Iterator[str]:
    """A running server; its URL without a database (``postgresql+psycopg://…:port``)."""
    folder = programs()
    assert folder is not None, "PostgreSQL is not installed"
    root = Path(tempfile.mkdtemp(prefix="mohinh-pg-"))  # not under pytest's 0700 folders
    data = root / "data"
    prefix: list[str] = []
    if os.geteuid() == 0:
        owner = pwd.getpwnam("postgres")
        os.chown(root, owner.pw_uid, owner.pw_gid)
        prefix = ["runuser", "-u", "postgres", "--"]
    port = free_port()
    options = f"-p {port} -k {root} -c listen_addresses=127.0.0.1 -c fsync=off"

    def run(*command: str) -> None:
        subprocess.run([*prefix, *command], check=True, capture_output=True, timeout=120)

    try:
        run(str(folder / "initdb"), "-D", str(data), "-A", "trust", "-U", USER, "-E", "UTF8")
        run(str(folder / "pg_ctl"), "-D", str(data), "-l", str(root / "log"), "-o", options,
            "-w", "start")  # fmt: skip
        yield f"postgresql+psycopg://{USER}@127.0.0.1:{port}"
    finally:
        if (data / "postmaster.pid").exists():
            run(str(folder / "pg_ctl"), "-D", str(data), "-m", "immediate", "stop")
        shutil.rmtree(root, ignore_errors=True)


def create_database(server: str, name: str) -> str:
    """A new empty database on ``server``; its SQLAlchemy URL."""
    import psycopg

    with psycopg.connect(server.replace("+psycopg", ""), dbname="postgres", autocommit=True) as db:
        db.execute(f'CREATE DATABASE "{name}"')
    return f"{server}/{name}"
