"""The ledger: every file seen and every record accepted, in a real database.

SQLAlchemy Core over SQLite (a file under ``state/``) by default; any SQLAlchemy URL works,
PostgreSQL included. One campaign's rows never mix with another's. Nothing is ever deleted:
a record sent again becomes a new version and the old one stays, marked not current.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

from sqlalchemy import (
    JSON,
    Boolean,
    Column,
    Date,
    DateTime,
    Engine,
    ForeignKey,
    Integer,
    MetaData,
    String,
    Table,
    UniqueConstraint,
    bindparam,
    cast,
    create_engine,
    event,
    func,
    literal,
    make_url,
    or_,
    select,
    text,
    update,
)
from sqlalchemy.engine import Connection
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.pool import NullPool
from sqlalchemy.sql import Select

from flows.errors import MohinhError
from flows.intake.issues import Issue
from flows.intake.validate import Known, Prior, Record

metadata = MetaData()
SCHEMA_LOCK = int.from_bytes(hashlib.sha256(b"mohinh-schema").digest()[:8], "big", signed=True)
"""The PostgreSQL advisory lock under which the tables are created."""
IN_CHUNK = 500  # values in one SQL IN (...), well below any database's limit


def _chunks(values: list[str]) -> list[list[str]]:
    """``values`` in pieces of at most :data:`IN_CHUNK`, for SQL ``IN (...)``."""
    return [values[start : start + IN_CHUNK] for start in range(0, len(values), IN_CHUNK)]


files = Table(
    "files",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("campaign", String(200), nullable=False, index=True),
    Column("claim", String(500), nullable=False, unique=True),
    Column("name", String(500), nullable=False),
    Column("sha256", String(64), nullable=False, index=True),
    Column("size", Integer, nullable=False),
    Column("seen_at", DateTime(timezone=True), nullable=False),
    Column("as_of", Date, nullable=False),
    Column("status", String(20), nullable=False),
    Column("form", String(200)),
    Column("milestone", String(200)),
    Column("sites", JSON, nullable=False),
    Column("issues", JSON, nullable=False),
    Column("duplicate_of", Integer, ForeignKey("files.id")),
    Column("destination", String(1000)),
    Column("placed", Boolean, nullable=False, default=False),
)

records = Table(
    "records",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("campaign", String(200), nullable=False, index=True),
    Column("file_id", Integer, ForeignKey("files.id"), nullable=False),
    Column("site", String(200), nullable=False),
    Column("milestone", String(200), nullable=False),
    Column("version", Integer, nullable=False),
    Column("row", Integer, nullable=False),
    Column("values", JSON, nullable=False),
    Column("received_at", DateTime(timezone=True), nullable=False),
    Column("as_of", Date, nullable=False),
    Column("late_days", Integer, nullable=False),
    Column("current", Boolean, nullable=False),
    UniqueConstraint("campaign", "site", "milestone", "version"),
)

# Every document written, by a key naming what it is about (a reminder is
# "reminder:<site>:<milestone>:<level>", a feedback sheet "feedback:<file id>"), so that
# each is written once and a run again the same day writes nothing new.
documents = Table(
    "documents",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("campaign", String(200), nullable=False, index=True),
    Column("kind", String(20), nullable=False),
    Column("key", String(500), nullable=False),
    Column("as_of", Date, nullable=False),
    Column("path", String(1000), nullable=False),
    Column("written_at", DateTime(timezone=True), nullable=False),
    UniqueConstraint("campaign", "key"),
)

_CURRENT = (
    select(records.c.site, records.c.milestone, records.c["values"], records.c.as_of)
    .add_columns(files.c.name)
    .join(files, files.c.id == records.c.file_id)
    .where(records.c.campaign == bindparam("campaign"), records.c.current.is_(True))
)
_CURRENT_OF_SITE = _CURRENT.where(records.c.site == bindparam("site"))
"""Statements built once: an intake asks for one site's records thousands of times."""
_FILES_WITH_HASH = select(
    files.c.id, files.c.sha256, files.c.name, files.c.status, files.c.as_of, files.c.campaign
).where(files.c.sha256.in_(bindparam("hashes", expanding=True)))


class LedgerError(MohinhError):
    """The ledger database cannot be opened or written."""


@dataclass(frozen=True)
class FileRow:
    """A file as the ledger remembers it."""

    id: int
    claim: str
    name: str
    sha256: str
    status: str
    seen_at: datetime
    sites: list[str]
    milestone: str | None
    issues: list[Issue]
    destination: str | None
    placed: bool


@dataclass(frozen=True)
class Earlier:
    """The first file seen with some content, and the intake day it came in."""

    name: str
    status: str
    day: date


@dataclass(frozen=True)
class Entry:
    """A judged file, ready to be committed."""

    claim_path: Path
    name: str
    sha256: str
    size: int
    seen_at: datetime
    as_of: date
    status: str
    form: str | None
    milestone: str | None
    sites: list[str]
    issues: list[Issue]
    destination: str
    accepted: list[Record] = field(default_factory=list)
    late_days: int = 0


@dataclass(frozen=True)
class StoredRecord:
    """An accepted record (any version) with the file and intake day it came with."""

    site: str
    milestone: str
    version: int
    day: date
    values: dict[str, Any]
    file: str
    current: bool


@dataclass(frozen=True)
class Document:
    """A document the ledger remembers writing."""

    kind: str
    key: str
    day: date
    path: str


def _driver_rows(connection: Connection, query: Select[Any]) -> list[tuple[Any, ...]]:
    """The rows of ``query`` as the database driver returns them: no row objects and no type
    processing, for the few reads that go through tens of thousands of rows. The values are
    rendered into the SQL by SQLAlchemy (quoted for the dialect)."""
    sql = query.compile(dialect=connection.dialect, compile_kwargs={"literal_binds": True})
    cursor = connection.connection.cursor()
    try:
        cursor.execute(str(sql))
        return list(cursor.fetchall())
    finally:
        cursor.close()


def _day(raw: date | str) -> date:
    """A day as the driver returns it: a date, or the ISO text SQLite keeps."""
    return raw if isinstance(raw, date) else date.fromisoformat(raw)


def database_file(state: Path) -> Path:
    """The default database file: ``state/mohinh.sqlite``."""
    return state / "mohinh.sqlite"


DATABASE_VARIABLE = "MOHINH_DATABASE_URL"


def database_url(state: Path) -> str:
    """The default database's SQLAlchemy URL: ``MOHINH_DATABASE_URL`` when set (so that a
    password need not sit in a deployment's parameters), else SQLite under ``state``."""
    return os.environ.get(DATABASE_VARIABLE) or f"sqlite:///{database_file(state).resolve()}"


def ledger_exists(state: Path, database: str | None) -> bool:
    """Whether there is a ledger to read (a database URL is taken to be one)."""
    given = database or os.environ.get(DATABASE_VARIABLE)
    return given is not None or database_file(state).exists()


@contextmanager
def intake_lock(url: str, key: str) -> Iterator[None]:
    """Hold a PostgreSQL advisory lock named by ``key`` for the block, when the ledger at
    ``url`` is PostgreSQL (with SQLite, nothing: the ``flock`` locks are all there is).

    Waits as long as another session holds it, saying nothing. The lock is held by a
    connection of its own (autocommit, so no transaction stays open) with no statement, lock
    or idle timeout that could end the wait or the session early. It is released on leaving
    the block, or by the server when the session ends (the process dies, the connection
    drops). The key is hashed to the 64-bit number PostgreSQL locks on."""
    address = make_url(url)
    if address.get_backend_name() != "postgresql":
        yield
        return
    digest = hashlib.sha256(f"mohinh-intake\0{key}".encode()).digest()
    number = int.from_bytes(digest[:8], "big", signed=True)
    engine = create_engine(address, poolclass=NullPool, isolation_level="AUTOCOMMIT")
    try:
        try:
            connection = engine.connect()
        except SQLAlchemyError as failure:
            raise _lock_error(address, failure) from None
        with connection:
            try:
                settings = ["statement_timeout", "lock_timeout"]
                if (connection.dialect.server_version_info or (0,)) >= (14,):
                    settings.append("idle_session_timeout")
                for setting in settings:
                    connection.execute(text(f"SET {setting} = 0"))
                connection.execute(select(func.pg_advisory_lock(number)))
            except SQLAlchemyError as failure:
                raise _lock_error(address, failure) from None
            try:
                yield
            finally:
                with contextlib.suppress(SQLAlchemyError):  # a session gone holds no lock
                    connection.execute(select(func.pg_advisory_unlock(number)))
    finally:
        engine.dispose()


def _lock_error(address: Any, failure: SQLAlchemyError) -> LedgerError:
    shown = address.render_as_string(hide_password=True)
    return LedgerError(f"Không khoá được thư mục nhận trên cơ sở dữ liệu {shown}: {failure}")


def _sqlite_pragmas(connection: Any, _record: Any) -> None:
    cursor = connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=FULL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.close()


def _utc(moment: datetime) -> datetime:
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


class Ledger:
    """Reads and writes one campaign's files and records."""

    def __init__(self, url: str, campaign: str) -> None:
        self.campaign = campaign
        try:
            self.engine: Engine = create_engine(url)
            if self.engine.dialect.name == "sqlite":
                event.listen(self.engine, "connect", _sqlite_pragmas)
            with self.engine.begin() as connection:
                if self.engine.dialect.name == "postgresql":  # two first runs at once
                    connection.execute(select(func.pg_advisory_xact_lock(SCHEMA_LOCK)))
                metadata.create_all(connection)
        except SQLAlchemyError as failure:
            raise LedgerError(
                f"Không mở được sổ theo dõi (cơ sở dữ liệu) {url}: {failure}"
            ) from None

    def close(self) -> None:
        """Release the database connections."""
        self.engine.dispose()

    @contextmanager
    def transaction(self) -> Iterator[Connection]:
        """One atomic unit of work."""
        with self.engine.begin() as connection:
            yield connection

    def known(self, sites: list[str] | None = None) -> Known:
        """Current records by (site, milestone), with the file each came in: of ``sites``
        only, when given."""
        known = Known()
        with self.engine.connect() as connection:
            if sites is None:
                found = connection.execute(_CURRENT, {"campaign": self.campaign}).all()
            else:
                found = [
                    row
                    for site in sites
                    for row in connection.execute(
                        _CURRENT_OF_SITE, {"campaign": self.campaign, "site": site}
                    )
                ]
        for site, milestone, values, day, name in found:
            known.records[(site, milestone)] = Prior(dict(values), day, name)
        return known

    def known_lazily(self) -> Known:
        """The current records, each site's read from the database when first asked about
        (0.3 ms a site at national size, where reading them all takes seconds)."""
        return Known(load=lambda sites: self.known(sites).records)

    def hashes(self, among: list[str]) -> dict[str, Earlier]:
        """The first accepted file with each content hash ``among`` (a rejected one is judged
        again). Found by the hash's index alone, the campaign checked here: a database without
        statistics would scan the campaign."""
        with self.engine.connect() as connection:
            rows = [
                row
                for chunk in _chunks(among)
                for row in connection.execute(_FILES_WITH_HASH, {"hashes": chunk})
            ]
        found: dict[str, Earlier] = {}
        for _, sha, name, status, day, campaign in sorted(rows, key=lambda row: row[0]):
            if status == "accepted" and campaign == self.campaign:
                found.setdefault(sha, Earlier(name, status, day))
        return found

    def unplaced(self) -> list[FileRow]:
        """Files whose outcome is committed but whose move was not recorded."""
        return self._rows(files.c.placed.is_(False))

    def file_names(self) -> dict[int, str]:
        """The name each file was sent under, by its id (feedback names the file by its id)."""
        query = select(files.c.id, files.c.name).where(files.c.campaign == self.campaign)
        with self.engine.connect() as connection:
            return {row.id: row.name for row in connection.execute(query)}

    def _rows(self, *where: Any) -> list[FileRow]:
        query = select(files).where(files.c.campaign == self.campaign, *where).order_by(files.c.id)
        with self.engine.connect() as connection:
            return [_file_row(row) for row in connection.execute(query).mappings()]

    def record_files(self, entries: list[Entry]) -> list[int]:
        """Commit the outcomes of files and their records in one transaction; their ids.

        A few statements per batch, whatever its size (each run many times over): at
        thousands of files a statement per file and per record was most of intake's time."""
        if not entries:
            return []
        with self.transaction() as connection:
            inserted = connection.execute(
                files.insert().returning(files.c.id, sort_by_parameter_order=True),
                [self._file_values(entry) for entry in entries],
            )
            ids = [int(row[0]) for row in inserted]
            self._link_duplicates(connection, entries, ids)
            self._add_records(connection, entries, ids)
        return ids

    def _file_values(self, entry: Entry) -> dict[str, Any]:
        return {
            "campaign": self.campaign,
            "claim": entry.claim_path.parent.name,
            "name": entry.name,
            "sha256": entry.sha256,
            "size": entry.size,
            "seen_at": entry.seen_at,
            "as_of": entry.as_of,
            "status": entry.status,
            "form": entry.form,
            "milestone": entry.milestone,
            "sites": entry.sites,
            "issues": [i.as_dict() for i in entry.issues],
            "duplicate_of": None,
            "destination": entry.destination,
            "placed": False,
        }

    def _link_duplicates(
        self, connection: Connection, entries: list[Entry], ids: list[int]
    ) -> None:
        """Point each duplicate at the first accepted file with its content (maybe in this
        batch)."""
        wanted = {e.sha256 for e in entries if e.status == "duplicate"}
        if not wanted:
            return
        first: dict[str, int] = dict(
            connection.execute(  # type: ignore[arg-type]
                select(files.c.sha256, func.min(files.c.id))
                .where(
                    files.c.campaign == self.campaign,
                    files.c.sha256.in_(wanted),
                    files.c.status == "accepted",
                )
                .group_by(files.c.sha256)
            ).all()
        )
        links = [
            {"file": file_id, "original": first[entry.sha256]}
            for entry, file_id in zip(entries, ids, strict=True)
            if entry.status == "duplicate" and first.get(entry.sha256) is not None
        ]
        if links:
            connection.execute(
                update(files)
                .where(files.c.id == bindparam("file"))
                .values(duplicate_of=bindparam("original")),
                links,
            )

    def _add_records(self, connection: Connection, entries: list[Entry], ids: list[int]) -> None:
        """The accepted records of the batch, each a new current version of its site and
        milestone (the earlier versions kept, no longer current)."""
        added = [
            (file_id, entry, record)
            for entry, file_id in zip(entries, ids, strict=True)
            for record in entry.accepted
        ]
        if not added:
            return
        pairs = {(record.site, record.milestone) for _, _, record in added}
        latest: dict[tuple[str, str], int] = {}
        sites = sorted({site for site, _ in pairs})
        for chunk in _chunks(sites):
            for site, milestone, version in connection.execute(
                select(records.c.site, records.c.milestone, func.max(records.c.version))
                .where(records.c.campaign == self.campaign, records.c.site.in_(chunk))
                .group_by(records.c.site, records.c.milestone)
            ):
                if (site, milestone) in pairs:
                    latest[(site, milestone)] = version
        connection.execute(
            update(records)
            .where(
                records.c.campaign == self.campaign,
                records.c.site == bindparam("pair_site"),
                records.c.milestone == bindparam("pair_milestone"),
            )
            .values(current=False),
            [{"pair_site": site, "pair_milestone": milestone} for site, milestone in pairs],
        )
        last = {(r.site, r.milestone): n for n, (_, _, r) in enumerate(added)}
        rows = []
        for position, (file_id, entry, record) in enumerate(added):
            pair = (record.site, record.milestone)
            latest[pair] = latest.get(pair, 0) + 1
            rows.append(
                {
                    "campaign": self.campaign,
                    "file_id": file_id,
                    "site": record.site,
                    "milestone": record.milestone,
                    "version": latest[pair],
                    "row": record.row,
                    "values": record.stored_values(),
                    "received_at": entry.seen_at,
                    "as_of": entry.as_of,
                    "late_days": entry.late_days,
                    "current": last[pair] == position,
                }
            )
        connection.execute(records.insert(), rows)

    def mark_placed(self, placed: list[tuple[int, str]]) -> None:
        """The originals now sit at these destinations (relative to the inbox)."""
        if not placed:
            return
        with self.transaction() as connection:
            connection.execute(
                update(files)
                .where(files.c.id == bindparam("file"))
                .values(destination=bindparam("where"), placed=True),
                [{"file": file_id, "where": destination} for file_id, destination in placed],
            )

    def accepted_records(self) -> list[StoredRecord]:
        """Every accepted record, all versions, oldest first (status and reminders read only
        :meth:`first_receipts`)."""
        query = (
            select(
                records.c.site,
                records.c.milestone,
                records.c.version,
                records.c.as_of,
                records.c["values"],
                files.c.name,
                records.c.current,
            )
            .join(files, files.c.id == records.c.file_id)
            .where(records.c.campaign == self.campaign)
            .order_by(records.c.id)
        )
        with self.engine.connect() as connection:
            return [
                StoredRecord(site, milestone, version, day, found or {}, name, bool(current))
                for site, milestone, version, day, found, name, current in connection.execute(
                    query
                ).all()
            ]

    def first_receipts(self) -> dict[tuple[str, str], date]:
        """The first intake day of an accepted record for each (site, milestone): all that
        status and reminders need of the records. Three narrow columns as the driver gives
        them (no row objects; a day kept as text, as SQLite does, parsed once per distinct
        day), the minimum taken here: at national size a third of the cost of reading the
        records through SQLAlchemy's types, and cheaper than a GROUP BY, which sorts."""
        query = select(records.c.site, records.c.milestone, records.c.as_of).where(
            records.c.campaign == self.campaign
        )
        days: dict[Any, date] = {}
        first: dict[tuple[str, str], date] = {}
        with self.engine.connect() as connection:
            for site, milestone, raw in _driver_rows(connection, query):
                day = days.get(raw) or days.setdefault(raw, _day(raw))
                key = (site, milestone)
                if key not in first or day < first[key]:
                    first[key] = day
        return first

    def rejected_files(self) -> list[tuple[list[str], str | None, date, str]]:
        """The sites, milestone, intake day and name of every rejected file, oldest first."""
        query = (
            select(files.c.sites, files.c.milestone, files.c.as_of, files.c.name)
            .where(files.c.campaign == self.campaign, files.c.status == "rejected")
            .order_by(files.c.id)
        )
        days: dict[Any, date] = {}
        with self.engine.connect() as connection:
            return [
                (
                    json.loads(sites) if isinstance(sites, str) else sites,
                    milestone,
                    days.get(day) or days.setdefault(day, _day(day)),
                    name,
                )
                for sites, milestone, day, name in _driver_rows(connection, query)
            ]

    def files_with_status(self, *statuses: str) -> list[tuple[FileRow, date]]:
        """Files judged with one of ``statuses``, each with its intake day, oldest first."""
        query = (
            select(files)
            .where(files.c.campaign == self.campaign, files.c.status.in_(statuses))
            .order_by(files.c.id)
        )
        with self.engine.connect() as connection:
            return [(_file_row(r), r["as_of"]) for r in connection.execute(query).mappings()]

    def owing_feedback(self) -> list[tuple[FileRow, date]]:
        """Placed files that need a feedback sheet (rejected, or carrying an issue) and have
        none yet, each with its intake day, oldest first. Found by the database: a run reads
        only what it owes, not the whole campaign's files."""
        answered = (
            select(documents.c.id)
            .where(
                documents.c.campaign == files.c.campaign,
                documents.c.key == literal("feedback:").concat(cast(files.c.id, String)),
            )
            .exists()
        )
        query = (
            select(files)
            .where(
                files.c.campaign == self.campaign,
                files.c.placed.is_(True),
                or_(files.c.status == "rejected", func.json_array_length(files.c.issues) > 0),
                files.c.status.in_(("rejected", "accepted", "duplicate")),
                ~answered,
            )
            .order_by(files.c.id)
        )
        with self.engine.connect() as connection:
            return [(_file_row(r), r["as_of"]) for r in connection.execute(query).mappings()]

    def documents(self, kind: str | None = None) -> list[Document]:
        """Documents written so far (of ``kind``), oldest first."""
        query = select(
            documents.c.kind, documents.c.key, documents.c.as_of, documents.c.path
        ).where(*self._documents_of(kind))
        with self.engine.connect() as connection:
            return [Document(*row) for row in connection.execute(query.order_by(documents.c.id))]

    def document_keys(self, kind: str | None = None) -> set[str]:
        """The keys of the documents written so far (of ``kind``): whether a letter went out
        already, without reading the documents themselves."""
        query = select(documents.c.key).where(*self._documents_of(kind))
        with self.engine.connect() as connection:
            return set(connection.execute(query).scalars())

    def _documents_of(self, kind: str | None) -> list[Any]:
        where = [documents.c.campaign == self.campaign]
        if kind:
            where.append(documents.c.kind == kind)
        return where

    def record_documents(self, written: list[Document], at: datetime) -> None:
        """Remember documents just written; one written again (forced) replaces its row."""
        if not written:
            return
        with self.transaction() as connection:
            for document in written:
                connection.execute(
                    documents.delete().where(
                        documents.c.campaign == self.campaign, documents.c.key == document.key
                    )
                )
                connection.execute(
                    documents.insert().values(
                        campaign=self.campaign,
                        kind=document.kind,
                        key=document.key,
                        as_of=document.day,
                        path=document.path,
                        written_at=at,
                    )
                )

    def counts(self) -> dict[str, int]:
        """Files by status and current records, for summaries and tests."""
        with self.engine.connect() as connection:
            rows = connection.execute(
                select(files.c.status, func.count())
                .where(files.c.campaign == self.campaign)
                .group_by(files.c.status)
            ).all()
            current = connection.execute(
                select(func.count()).where(
                    records.c.campaign == self.campaign, records.c.current.is_(True)
                )
            ).scalar()
        counts = {status: int(n) for status, n in rows}
        counts["current_records"] = int(current or 0)
        return counts


def _file_row(row: Any) -> FileRow:
    return FileRow(
        row["id"],
        row["claim"],
        row["name"],
        row["sha256"],
        row["status"],
        _utc(row["seen_at"]),
        list(row["sites"]),
        row["milestone"],
        [Issue.from_dict(i) for i in row["issues"]],
        row["destination"],
        bool(row["placed"]),
    )
