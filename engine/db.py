"""Database: declarative base, engine and session factory, migrations.

Alembic owns the schema (``engine/migrations``); :func:`migrate` applies it. Services take a
:class:`~sqlalchemy.orm.Session` and never commit: the edge that called them commits once.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, ClassVar

from sqlalchemy import JSON, DateTime, MetaData, Uuid, create_engine, event
from sqlalchemy.engine import Engine
from sqlalchemy.exc import OperationalError
from sqlalchemy.orm import DeclarativeBase, Mapped, Session, mapped_column, sessionmaker
from sqlalchemy.types import TypeDecorator

NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class UTCDateTime(TypeDecorator[datetime]):
    """A tz-aware datetime stored as UTC; SQLite gives naive values back, this makes them aware again."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Any) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given to a UTCDateTime column")
        return value.astimezone(UTC)

    def process_result_value(self, value: datetime | None, dialect: Any) -> datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


class Base(DeclarativeBase):
    """Declarative base of every table."""

    __test__: ClassVar[bool] = False
    metadata = MetaData(naming_convention=NAMING_CONVENTION)
    type_annotation_map: ClassVar[dict[Any, Any]] = {
        datetime: UTCDateTime(),
        uuid.UUID: Uuid(),
        dict[str, Any]: JSON(),
        list[str]: JSON(),
    }


class IdMixin:
    """UUID4 primary key named ``id``."""

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=uuid.uuid4)


SQLITE_BUSY_TIMEOUT_S = 30
"""How long a SQLite transaction waits for another writer's lock (the driver's ``timeout``)."""

_NO_WAIT: ContextVar[bool] = ContextVar("fireops_sqlite_no_wait", default=False)


class WriteLockBusy(Exception):
    """A SQLite transaction begun under :func:`sqlite_no_wait` found another writer holding the write
    lock; nothing ran in the database (the lock is taken by the transaction's first statement)."""


@contextmanager
def sqlite_no_wait() -> Iterator[None]:
    """Inside this block a SQLite transaction that would wait for another writer's lock raises
    :class:`WriteLockBusy` at once instead of waiting (up to :data:`SQLITE_BUSY_TIMEOUT_S`); other
    databases are unaffected. For callers that must not block where they are (the chat edge's event
    loop) and can retry the whole unit of work elsewhere."""
    token = _NO_WAIT.set(True)
    try:
        yield
    finally:
        _NO_WAIT.reset(token)


def make_engine(url: str, *, echo: bool = False) -> Engine:
    """Create an engine; SQLite gets foreign keys on and a busy timeout for concurrent writers.

    A server database's pooled connections are pinged on checkout (a restarted server or a dropped
    connection costs one reconnect, not a failed request); a SQLite file has no connection to lose,
    so its checkouts skip the ping (one statement less per transaction).
    """
    sqlite = url.startswith("sqlite")
    connect_args: dict[str, Any] = {}
    if sqlite:
        connect_args = {"check_same_thread": False, "timeout": SQLITE_BUSY_TIMEOUT_S}
    engine = create_engine(url, echo=echo, connect_args=connect_args, pool_pre_ping=not sqlite)
    if sqlite:
        # SQLite ignores SELECT … FOR UPDATE; BEGIN IMMEDIATE takes the write lock at the start of
        # every transaction instead, so two concurrent decisions serialize and the second sees the
        # first's result (SQLAlchemy's documented pysqlite recipe).

        @event.listens_for(engine, "connect")
        def _sqlite_pragmas(dbapi_conn: Any, _record: Any) -> None:
            dbapi_conn.isolation_level = None
            cur = dbapi_conn.cursor()
            cur.execute("PRAGMA foreign_keys=ON")
            cur.execute("PRAGMA journal_mode=WAL")
            cur.execute("PRAGMA synchronous=NORMAL")
            cur.close()

        @event.listens_for(engine, "begin")
        def _sqlite_begin(conn: Any) -> None:
            if not _NO_WAIT.get():
                conn.exec_driver_sql("BEGIN IMMEDIATE")
                return
            raw = conn.connection.dbapi_connection  # the PRAGMAs straight on the driver: no SQL overhead
            raw.execute("PRAGMA busy_timeout = 0")
            try:
                conn.exec_driver_sql("BEGIN IMMEDIATE")
            except OperationalError as exc:
                if "locked" not in str(exc.orig).lower():
                    raise
                raise WriteLockBusy("another writer holds the SQLite write lock") from exc
            finally:
                raw.execute(f"PRAGMA busy_timeout = {SQLITE_BUSY_TIMEOUT_S * 1000}")

    return engine


def make_session_factory(engine: Engine) -> sessionmaker[Session]:
    """Sessions that do not expire objects on commit (edges render after committing)."""
    return sessionmaker(bind=engine, expire_on_commit=False, autoflush=True)


@contextmanager
def unit_of_work(factory: sessionmaker[Session]) -> Iterator[Session]:
    """One transaction: commit on success, roll back everything on any error."""
    session = factory()
    try:
        yield session
        session.commit()
    except BaseException:
        session.rollback()
        raise
    finally:
        session.close()


MIGRATIONS_DIR = Path(__file__).parent / "migrations"


def alembic_config(url: str) -> Any:
    """An Alembic config pointing at the packaged migrations and ``url``."""
    from alembic.config import Config

    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS_DIR))
    cfg.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    return cfg


def migrate(url: str) -> None:
    """Apply every migration up to head (``alembic upgrade head``)."""
    from alembic import command

    command.upgrade(alembic_config(url), "head")


def utcnow() -> datetime:
    """Only for column defaults of bookkeeping timestamps; domain code uses the Clock."""
    return datetime.now(UTC)
