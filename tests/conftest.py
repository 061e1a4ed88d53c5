"""Shared fixtures: a migrated database (SQLite by default, PostgreSQL when
``FIREOPS_TEST_DATABASE_URL`` is set — and then the run fails at once if no server answers), a
movable clock, the app state and an API client."""

from __future__ import annotations

import os
import shutil
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import OperationalError

from api.app import build_state, create_app
from api.deps import AppState
from engine.clock import FrozenClock, business_date
from engine.db import Base, migrate, unit_of_work
from engine.settings import Settings
from workflows.context import Ctx

PG_URL_ENV = "FIREOPS_TEST_DATABASE_URL"
DEFAULT_PG_URL = "postgresql+psycopg://postgres@127.0.0.1:5432/postgres"
KEEP_TABLES = {
    "catalog_system",
    "catalog_category",
    "catalog_facility",
    "test_item",
    "process_model",
    "alembic_version",
}


def _create_pg_database(admin_url: str) -> str:
    """A fresh database beside ``admin_url`` for this test run; returns its URL."""
    name = f"fireops_test_{uuid.uuid4().hex[:10]}"
    engine = create_engine(admin_url, isolation_level="AUTOCOMMIT")
    with engine.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    engine.dispose()
    return make_url(admin_url).set(database=name).render_as_string(hide_password=False)


def _drop_pg_database(admin_url: str, url: str) -> None:
    name = make_url(url).database
    engine = create_engine(admin_url, isolation_level="AUTOCOMMIT")
    with engine.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    engine.dispose()


def pg_admin_url(url: str | None = None) -> str | None:
    """The PostgreSQL URL to test against (``url``, else ``FIREOPS_TEST_DATABASE_URL``, else the
    local default), or ``None`` when no server answers there within 3 s."""
    url = url or os.environ.get(PG_URL_ENV, DEFAULT_PG_URL)
    try:
        engine = create_engine(url, connect_args={"connect_timeout": 3})
        with engine.connect() as conn:
            conn.execute(text("select 1"))
        engine.dispose()
    except OperationalError:
        return None
    return url


def pg_down_message(url: str) -> str:
    """What a run asked to use PostgreSQL at ``url`` says when no server answers there."""
    shown = make_url(url).render_as_string(hide_password=True)
    return (
        f"{PG_URL_ENV}={shown} is set but no PostgreSQL server answers there. Start the server "
        "(e.g. `sudo service postgresql start`, or `pg_ctl -D <data directory> start`) and run again, "
        f"or unset {PG_URL_ENV} to run the suite on SQLite."
    )


def pytest_sessionstart(session: pytest.Session) -> None:
    """A run that asked for PostgreSQL (``FIREOPS_TEST_DATABASE_URL``, as ``make test-pg`` does)
    fails at once, with exit code 1, when no server answers: skipping would pass the run."""
    admin = os.environ.get(PG_URL_ENV)
    if admin and pg_admin_url(admin) is None:
        pytest.exit(pg_down_message(admin), returncode=1)


@pytest.fixture(scope="session")
def template_db(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """A migrated database: a SQLite template file, or a fresh PostgreSQL database beside
    ``FIREOPS_TEST_DATABASE_URL`` (answering, or :func:`pytest_sessionstart` ended the run)."""
    admin = os.environ.get(PG_URL_ENV)
    if admin:
        url = _create_pg_database(admin)
        migrate(url)
        _seed(url)
        yield url
        _drop_pg_database(admin, url)
    else:
        path = tmp_path_factory.mktemp("db") / "template.db"
        url = f"sqlite:///{path}"
        migrate(url)
        _seed(url)
        yield url


def _seed(url: str) -> None:
    settings = Settings(environment="test", database_url=url)
    state = build_state(settings, run_migrations=False)
    state.engine.dispose()


@pytest.fixture
def database_url(template_db: str, tmp_path: Path) -> Iterator[str]:
    """A clean database for one test (SQLite: a copy of the template; PostgreSQL: truncated after)."""
    if template_db.startswith("sqlite"):
        src = Path(make_url(template_db).database or "")
        dst = tmp_path / "test.db"
        shutil.copyfile(src, dst)
        yield f"sqlite:///{dst}"
        return
    yield template_db
    engine = create_engine(template_db)
    names = [t.name for t in Base.metadata.sorted_tables if t.name not in KEEP_TABLES]
    with engine.begin() as conn:
        conn.execute(text("TRUNCATE " + ", ".join(f'"{n}"' for n in names) + " CASCADE"))
    engine.dispose()


@pytest.fixture
def clock() -> FrozenClock:
    """A movable clock set to 2026-10-08 10:00 Asia/Shanghai (a working day after National Day)."""
    return FrozenClock(datetime(2026, 10, 8, 2, 0, tzinfo=UTC))


@pytest.fixture
def settings(database_url: str) -> Settings:
    """Test settings: the per-test database, fast password hashing."""
    return Settings(
        environment="test", database_url=database_url, base_url="http://testserver", password_rounds=4
    )


@pytest.fixture
def state(settings: Settings, clock: FrozenClock) -> Iterator[AppState]:
    """The application state (engine, sessions, BPMN store) on the test database."""
    st = build_state(settings, clock=clock, run_migrations=False)
    yield st
    st.engine.dispose()


@pytest.fixture
def ctx(state: AppState) -> Iterator[Ctx]:
    """A service context in one transaction, committed at the end of the test body if it did not fail."""
    with unit_of_work(state.sessions) as session:
        yield Ctx(session=session, clock=state.clock, settings=state.settings, processes=state.processes)


@pytest.fixture
def client(state: AppState) -> Iterator[TestClient]:
    """An HTTP client of the API app."""
    with TestClient(create_app(state.settings, state=state)) as c:
        yield c


@pytest.fixture
def admin_headers(state: AppState, client: TestClient) -> dict[str, str]:
    """Bearer headers of a platform admin (created like ``fireops admin create``)."""
    from workflows.people.service import create_platform_admin

    with unit_of_work(state.sessions) as session:
        create_platform_admin(
            Ctx(session, state.clock, state.settings, state.processes),
            phone="13900000000",
            password="admin-pass-1",
            name="平台管理员",
        )
    return login(client, "13900000000", "admin-pass-1")


def login(client: TestClient, phone: str, password: str) -> dict[str, str]:
    """Bearer headers for ``phone``/``password`` (asserts the login works)."""
    r = client.post("/api/v1/auth/token", data={"username": phone, "password": password})
    assert r.status_code == 200, r.text
    return {"Authorization": f"Bearer {r.json()['access_token']}"}


@pytest.fixture
def world(client: TestClient, admin_headers: dict[str, str], clock: FrozenClock) -> Any:
    """A realistic agency, owner, contract and 2-building project built through the API (contract
    dates from the clock's today: 2026-09-01 … 2027-08-31 for the default clock)."""
    from api.world import build_world

    return build_world(client, admin_headers, today=business_date(clock.now()))


def require_postgresql(state: AppState) -> None:
    """Skip the calling test, with the reason, unless the test database is PostgreSQL (row locks
    across real connections behave differently on SQLite, which serializes every writer). Only a
    run that did not ask for PostgreSQL gets here on SQLite: one that asked for it and finds no
    server fails at the start (:func:`pytest_sessionstart`)."""
    if state.engine.dialect.name != "postgresql":
        pytest.skip(
            f"PostgreSQL only: run with {PG_URL_ENV}=postgresql+psycopg://postgres@127.0.0.1:5432/postgres"
        )


def db_snapshot(state: AppState) -> dict[str, list[tuple[Any, ...]]]:
    """Every row of every domain table (sorted), to prove a refused request changed nothing."""
    out: dict[str, list[tuple[Any, ...]]] = {}
    with state.engine.connect() as conn:
        for table in Base.metadata.sorted_tables:
            if table.name in KEEP_TABLES:
                continue
            rows = conn.execute(table.select()).all()
            out[table.name] = sorted(tuple(repr(v) for v in r) for r in rows)
    return out
