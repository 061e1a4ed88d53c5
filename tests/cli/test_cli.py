"""The ``fireops`` console script as a user runs it: real subprocesses, fresh SQLite files, HTTP.

``fireops serve`` applies the migrations on start and serves the API; ``fireops admin create``
creates (or resets) a platform admin who can then log in; ``fireops demo --out DIR`` leaves a
filed report whose verification says so.
"""

from __future__ import annotations

import hashlib
import os
import re
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path

import httpx
import pytest
from alembic.script import ScriptDirectory
from fastapi.testclient import TestClient
from sqlalchemy import create_engine, text

from api.app import create_app
from api.demo import run_demo
from engine.clock import FrozenClock
from engine.db import alembic_config
from engine.settings import Settings

FIREOPS = Path(sys.executable).parent / "fireops"
pytestmark = pytest.mark.skipif(not FIREOPS.exists(), reason=f"console script not installed at {FIREOPS}")


def run_env() -> dict[str, str]:
    """The environment without any FIREOPS_ variable of the test run (each command gets its URL)."""
    return {k: v for k, v in os.environ.items() if not k.startswith("FIREOPS_")}


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def head_revision() -> str:
    head = ScriptDirectory.from_config(alembic_config("sqlite://")).get_current_head()
    assert head is not None
    return head


def fireops(*args: str, timeout: float = 120) -> subprocess.CompletedProcess[str]:
    """Run ``fireops ARGS`` to completion (asserts exit code 0)."""
    done = subprocess.run(  # noqa: S603 - our own console script, fixed arguments
        [str(FIREOPS), *args], capture_output=True, text=True, timeout=timeout, env=run_env(), check=False
    )
    assert done.returncode == 0, done.stderr[-2000:]
    return done


def stop(proc: subprocess.Popen[str]) -> None:
    """Stop a ``fireops`` process (SIGTERM, then SIGKILL after 15 s) and close its output pipe."""
    proc.terminate()
    try:
        proc.wait(timeout=15)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait(timeout=5)
    if proc.stdout:
        proc.stdout.close()


@contextmanager
def served(database_url: str) -> Iterator[str]:
    """``fireops serve`` on a free port until the block ends; yields its base URL."""
    port = free_port()
    args = ["serve", "--port", str(port), "--database-url", database_url, "--no-scheduler", "--no-worker"]
    proc = subprocess.Popen(  # noqa: S603 - our own console script, fixed arguments
        [str(FIREOPS), *args], stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, env=run_env()
    )
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 90
        while True:
            assert proc.poll() is None, proc.stdout.read() if proc.stdout else "serve exited"
            try:
                if httpx.get(f"{base}/docs", timeout=2).status_code == 200:
                    break
            except httpx.TransportError:
                pass
            assert time.monotonic() < deadline, "fireops serve did not answer within 90 s"
            time.sleep(0.2)
        yield base
    finally:
        stop(proc)


def login(base: str, phone: str, password: str) -> httpx.Response:
    return httpx.post(f"{base}/api/v1/auth/token", data={"username": phone, "password": password}, timeout=10)


def test_serve_migrates_on_start_and_admin_create_logs_in(tmp_path: Path) -> None:
    """``fireops serve`` on a database that does not exist yet migrates it to head and serves the
    API; ``fireops admin create`` makes a platform admin who logs in over HTTP and reads the seeded
    catalog; running it again resets the password."""
    db = tmp_path / "fresh.db"
    url = f"sqlite:///{db}"
    assert not db.exists()
    with served(url) as base:
        engine = create_engine(url)
        with engine.connect() as conn:
            assert (
                conn.execute(text("SELECT version_num FROM alembic_version")).scalar_one() == head_revision()
            )
        engine.dispose()
        assert httpx.get(f"{base}/api/v1/catalog", timeout=10).status_code == 401
        out = fireops(
            "admin",
            "create",
            "--phone",
            "13900000001",
            "--password",
            "First-pass-1",
            "--name",
            "平台管理员",
            "--database-url",
            url,
        )
        assert "13900000001" in out.stdout
        token = login(base, "13900000001", "First-pass-1")
        assert token.status_code == 200, token.text
        auth = {"Authorization": f"Bearer {token.json()['access_token']}"}
        me = httpx.get(f"{base}/api/v1/me", headers=auth, timeout=10).json()
        assert "platform_admin" in me["roles"]
        catalog = httpx.get(f"{base}/api/v1/catalog", headers=auth, timeout=10)
        assert catalog.status_code == 200 and any(s["name"] == "火灾报警系统" for s in catalog.json())
        fireops(
            "admin",
            "create",
            "--phone",
            "13900000001",
            "--password",
            "Second-pass-2",
            "--name",
            "平台管理员",
            "--database-url",
            url,
        )
        assert login(base, "13900000001", "First-pass-1").status_code == 401
        assert login(base, "13900000001", "Second-pass-2").status_code == 200


def test_demo_leaves_a_filed_verifiable_report(tmp_path: Path) -> None:
    """``fireops demo --out DIR`` runs today's month (any month: the contract dates follow the
    clock) and leaves the report PDF and a database whose verification JSON says filed. Its log
    keeps fireops's lines, not SpiffWorkflow's INFO line per task state change."""
    done = fireops("demo", "--out", str(tmp_path), timeout=300)
    out = done.stdout
    assert "fireops." in done.stderr and "spiff.task" not in done.stderr
    pdf_path = Path(re.search(r"report PDF:\s+(\S+)", out).group(1))  # type: ignore[union-attr]
    verify_url = re.search(r"verify URL:\s+(\S+)", out).group(1)  # type: ignore[union-attr]
    assert pdf_path.parent == tmp_path and pdf_path.read_bytes().startswith(b"%PDF-")
    assert "genuine=True filed=True" in out
    settings = Settings(environment="test", database_url=f"sqlite:///{tmp_path / 'fireops-demo.db'}")
    with TestClient(create_app(settings)) as client:
        js = client.get(
            f"/verify/{verify_url.rsplit('/', 1)[-1]}", headers={"Accept": "application/json"}
        ).json()
    assert js["filed"] is True and js["genuine"] is True
    assert js["sha256"] == hashlib.sha256(pdf_path.read_bytes()).hexdigest()


def test_demo_serve_on_another_port_prints_and_answers_its_own_verify_url(tmp_path: Path) -> None:
    """``fireops demo --serve --port P`` (no base URL configured): the report's verify URL — the one in
    its QR code — points at ``http://127.0.0.1:P``, and the served demo database answers it: filed."""
    port = free_port()
    args = ["demo", "--out", str(tmp_path), "--serve", "--port", str(port)]
    env = {k: v for k, v in run_env().items() if k != "FIREOPS_BASE_URL"}
    proc = subprocess.Popen(  # noqa: S603 - our own console script, fixed arguments
        [str(FIREOPS), *args], stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True, env=env
    )
    try:
        assert proc.stdout is not None
        url = None
        for line in proc.stdout:
            found = re.search(r"verify URL:\s+(\S+)", line)
            if found:
                url = found.group(1)
            if line.startswith("serving the demo database"):
                break
        assert url is not None and url.startswith(f"http://127.0.0.1:{port}/verify/")
        deadline = time.monotonic() + 90
        while True:
            try:
                answer = httpx.get(url, headers={"Accept": "application/json"}, timeout=2)
                break
            except httpx.TransportError:
                assert time.monotonic() < deadline, "the demo server did not answer within 90 s"
                time.sleep(0.2)
        assert answer.json()["filed"] is True and answer.json()["genuine"] is True
    finally:
        stop(proc)


def test_demo_month_runs_in_any_month(tmp_path: Path) -> None:
    """The demo's contract is dated from the clock's today: a month outside the shipped contract
    dates (2026-09-01 … 2027-08-31; here June 2026, before them) still ends filed."""
    settings = Settings(
        environment="test", database_url=f"sqlite:///{tmp_path / 'late.db'}", password_rounds=4
    )
    result = run_demo(settings, tmp_path, clock=FrozenClock(datetime(2026, 6, 10, 2, 0, tzinfo=UTC)))
    assert result.verify["filed"] is True and result.verify["genuine"] is True
    assert "2026年6月维护保养计划" in "".join(result.steps)


def test_suite_fails_when_the_postgresql_it_asked_for_is_down() -> None:
    """``FIREOPS_TEST_DATABASE_URL`` (``make test-pg``) naming a server that does not answer fails
    the run at once with exit code 1 and a message naming the URL and saying how to go on — a run
    that skipped every database test would pass and hide that PostgreSQL was never tested."""
    port = free_port()  # nothing listens there
    url = f"postgresql+psycopg://postgres@127.0.0.1:{port}/postgres"
    root = Path(__file__).resolve().parents[2]
    done = subprocess.run(  # this interpreter running pytest on one of our own test files
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "tests/api/test_request_errors.py"],
        capture_output=True,
        text=True,
        timeout=120,
        env=run_env() | {"FIREOPS_TEST_DATABASE_URL": url},
        cwd=root,
        check=False,
    )
    out = done.stdout + done.stderr
    assert done.returncode == 1, out[-2000:]
    assert f"FIREOPS_TEST_DATABASE_URL={url} is set but no PostgreSQL server answers there" in out
    assert "Start the server" in out and "unset FIREOPS_TEST_DATABASE_URL" in out
    assert not re.search(r"\d+ (passed|skipped)", out)  # nothing ran, nothing was skipped


def test_without_postgresql_asked_for_postgresql_only_tests_skip_with_a_reason() -> None:
    """Without ``FIREOPS_TEST_DATABASE_URL`` the suite runs on SQLite and the PostgreSQL-only tests
    (row locks over real connections) skip, saying how to run them."""
    root = Path(__file__).resolve().parents[2]
    env = run_env()  # no FIREOPS_ variable: SQLite
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "pytest",
            "-q",
            "-rs",
            "-p",
            "no:cacheprovider",
            "tests/api/test_reports_filing.py",
            "-k",
            "postgresql_racing_dispositions",
        ],
        capture_output=True,
        text=True,
        timeout=300,
        env=env,
        cwd=root,
        check=False,
    )
    assert done.returncode == 0, done.stdout[-2000:]
    assert re.search(r"1 skipped, \d+ deselected", done.stdout.strip().splitlines()[-1]), done.stdout[-2000:]
    assert "PostgreSQL only: run with FIREOPS_TEST_DATABASE_URL=" in done.stdout


def test_a_bad_setting_stops_with_the_variable_named_and_its_value_hidden() -> None:
    """A bad ``FIREOPS_*`` value: exit 2 with one line per variable, named as set in the environment;
    no traceback, and the value (it may be a secret) is not printed."""
    env = run_env() | {
        "FIREOPS_OUTBOX__BATCH_SIZE": "lots",
        "FIREOPS_TELEGRAM__WEBHOOK_SECRET": "hunter2 is not allowed!",
    }
    done = subprocess.run(  # noqa: S603 - our own console script, fixed arguments
        [str(FIREOPS), "serve", "--port", str(free_port())],
        capture_output=True,
        text=True,
        timeout=60,
        env=env,
        check=False,
    )
    assert done.returncode == 2
    assert "FIREOPS_OUTBOX__BATCH_SIZE: Input should be a valid integer" in done.stderr
    assert "FIREOPS_TELEGRAM__WEBHOOK_SECRET: FIREOPS_TELEGRAM__WEBHOOK_SECRET must be" in done.stderr
    assert "Traceback" not in done.stderr
    assert "hunter2" not in done.stderr + done.stdout and "lots" not in done.stderr
