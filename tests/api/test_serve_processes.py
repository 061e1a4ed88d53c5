"""``fireops serve`` and ``fireops serve --no-scheduler`` as real processes on one fresh SQLite file.

Issue 3: "``fireops serve --no-scheduler`` for extra API workers". A plain ``serve`` takes the
scheduler lease while it runs and releases it when stopped; a ``--no-scheduler`` process serves the
API but never takes the lease, not even when the lease is free.
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import httpx
import pytest
from sqlalchemy import create_engine, select

from engine.scheduler import SchedulerLease

REPO = Path(__file__).resolve().parents[2]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def fireops_command() -> list[str]:
    """The ``fireops`` console script of this interpreter's environment (``python -m api.cli`` if absent)."""
    script = Path(sys.executable).with_name("fireops")
    return [str(script)] if script.exists() else [sys.executable, "-m", "api.cli"]


class Server:
    def __init__(self, proc: subprocess.Popen[bytes], port: int) -> None:
        self.proc, self.port = proc, port

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def answers(self) -> bool:
        try:
            return httpx.get(f"{self.url}/openapi.json", timeout=2).status_code == 200
        except httpx.HTTPError:
            return False

    def stop(self) -> bool:
        """SIGTERM; whether it shut down cleanly (uvicorn re-raises the signal after its shutdown)."""
        self.proc.send_signal(signal.SIGTERM)
        return self.proc.wait(timeout=30) in (0, -signal.SIGTERM)


@pytest.fixture
def serve(tmp_path: Path) -> Iterator[tuple[Callable[..., Server], str]]:
    """Start ``fireops serve [args]`` on a free port against ``tmp_path/serve.db``; returns it serving."""
    url = f"sqlite:///{tmp_path / 'serve.db'}"
    env = {k: v for k, v in os.environ.items() if not k.startswith("FIREOPS_")}
    env |= {
        "FIREOPS_DATABASE_URL": url,
        "FIREOPS_ENVIRONMENT": "development",  # background work runs everywhere but in tests
        "FIREOPS_SCHEDULER__LEASE_S": "5",
        "FIREOPS_PASSWORD_ROUNDS": "4",
        "PYTHONPATH": str(REPO),
    }
    started: list[Server] = []

    def start(*args: str) -> Server:
        port = free_port()
        cmd = [*fireops_command(), "serve", "--port", str(port), *args]
        proc = subprocess.Popen(  # noqa: S603
            cmd, cwd=tmp_path, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
        )
        server = Server(proc, port)
        started.append(server)
        deadline = time.monotonic() + 90
        while not server.answers():
            assert proc.poll() is None, f"fireops serve {' '.join(args)} exited with {proc.returncode}"
            assert time.monotonic() < deadline, "fireops serve did not answer within 90 s"
            time.sleep(0.2)
        return server

    yield start, url
    for server in started:
        if server.proc.poll() is None:
            server.proc.kill()
        server.proc.wait(timeout=30)


def leases(url: str) -> list[tuple[str, str]]:
    engine = create_engine(url)
    try:
        with engine.connect() as conn:
            return [(r[0], r[1]) for r in conn.execute(select(SchedulerLease.name, SchedulerLease.holder))]
    finally:
        engine.dispose()


class TestServeNoScheduler:
    def test_extra_api_worker_never_takes_the_scheduler_lease(
        self, serve: tuple[Callable[..., Server], str]
    ) -> None:
        start, url = serve
        main = start()  # migrates the fresh database
        ((name, holder),) = leases(url)
        assert name == "scheduler" and holder.split(":")[1] == str(main.proc.pid)

        extra = start("--no-scheduler")
        assert main.answers() and extra.answers()  # two API processes on one database
        time.sleep(2.5)  # more than a renewal interval (5 s / 3)
        assert [h.split(":")[1] for _, h in leases(url)] == [str(main.proc.pid)]

        assert main.stop()
        assert leases(url) == []  # a clean stop released the lease
        time.sleep(2.5)
        assert extra.answers()
        assert leases(url) == []  # the free lease stays free: --no-scheduler runs no scheduler
        assert extra.stop()
