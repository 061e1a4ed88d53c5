"""The scheduler lease across real OS processes (``tests/engine/scheduler_child.py``) on one database.

Issue 3: "a second scheduler process stays idle while the first holds the lease" — here with real
processes, real clocks and the real jobs: the follower never runs a job while the leader renews,
takes over once the leader stops (SIGTERM: the lease is released) or crashes (SIGKILL: the lease
runs out), and runs the catch-up jobs when it takes over.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from api.deps import AppState
from engine.scheduler import lease_holder

REPO = Path(__file__).resolve().parents[2]
LEASE_S = 3.0
"""Renewed every second; a crashed holder's lease runs out within 3 s."""
TAKEOVER_S = LEASE_S / 3 + 1.0
"""After a clean stop the follower takes the released lease at its next renewal (every second),
plus a margin for a loaded machine: less than one lease length, so a stop that did not release
the lease (the follower would then wait for it to run out) cannot pass."""


@dataclass
class Child:
    holder: str
    proc: subprocess.Popen[bytes]
    log: Path

    def lines(self) -> list[str]:
        return self.log.read_text(encoding="utf-8").splitlines() if self.log.exists() else []

    def logged(self, text: str) -> int:
        return sum(1 for line in self.lines() if text in line)


def wait_for(predicate: Callable[[], bool], *, timeout_s: float, what: str) -> None:
    deadline = time.monotonic() + timeout_s
    while not predicate():
        assert time.monotonic() < deadline, f"timed out waiting for {what}"
        time.sleep(0.1)


@pytest.fixture
def spawn(state: AppState, tmp_path: Path) -> Iterator[Callable[[str], Child]]:
    children: list[Child] = []

    def start(holder: str) -> Child:
        log = tmp_path / f"{holder}.log"
        cmd = [
            sys.executable,
            "-m",
            "tests.engine.scheduler_child",
            "--database-url",
            state.settings.database_url,
            "--holder",
            holder,
            "--log",
            str(log),
            "--lease-s",
            str(LEASE_S),
        ]
        env = {**os.environ, "PYTHONPATH": str(REPO)}
        child = Child(holder, subprocess.Popen(cmd, cwd=REPO, env=env), log)  # noqa: S603
        children.append(child)
        wait_for(lambda: child.logged("scheduler.started") == 1, timeout_s=60, what=f"{holder} to start")
        return child

    yield start
    for child in children:
        if child.proc.poll() is None:
            child.proc.kill()
        child.proc.wait(timeout=30)


def holder_now(state: AppState) -> str | None:
    with state.sessions() as session:
        held = lease_holder(session)
    return held[0] if held else None


class TestLeaseAcrossProcesses:
    def test_follower_idles_then_takes_over_after_a_stop_and_after_a_crash(
        self, state: AppState, spawn: Callable[[str], Child]
    ) -> None:
        leader = spawn("proc-a")
        assert holder_now(state) == "proc-a"
        wait_for(  # the catch-up run on taking the lease at start
            lambda: leader.logged("job_started job_id=plans.create_month_drafts") == 1,
            timeout_s=10,
            what="proc-a's catch-up run",
        )
        follower = spawn("proc-b")

        watched_until = time.monotonic() + 3 * LEASE_S  # nine renewals by the leader
        while time.monotonic() < watched_until:
            assert holder_now(state) == "proc-a"
            time.sleep(0.2)
        assert follower.proc.poll() is None
        assert follower.logged("lease_acquired") == 0
        assert follower.logged("job_started") == 0  # idle: not one job ran in the follower
        assert leader.logged("job_started job_id=reminders.scan") >= 1

        leader.proc.send_signal(signal.SIGTERM)  # a clean stop releases the lease at once
        assert leader.proc.wait(timeout=30) == 0
        exited = time.monotonic()
        # released, not run out: the leader deleted its own row on the way out (a stop that kept
        # the lease would leave proc-a's row, valid for up to LEASE_S, and log released=False)
        assert leader.logged("scheduler.lease_released holder=proc-a released=True") == 1
        assert holder_now(state) in (None, "proc-b")
        # the follower takes it at its next renewal (every LEASE_S / 3), well before a lease runs out
        wait_for(lambda: holder_now(state) == "proc-b", timeout_s=TAKEOVER_S, what="proc-b to take over")
        handover_s = time.monotonic() - exited
        assert handover_s < LEASE_S, handover_s
        wait_for(
            lambda: follower.logged("job_started job_id=plans.create_month_drafts") == 1,
            timeout_s=10,
            what="proc-b's catch-up run",
        )

        third = spawn("proc-c")
        time.sleep(1.5 * LEASE_S)
        assert holder_now(state) == "proc-b" and third.logged("job_started") == 0
        follower.proc.send_signal(signal.SIGKILL)  # a crash: the lease is not released, it runs out
        follower.proc.wait(timeout=30)
        assert holder_now(state) == "proc-b"
        wait_for(lambda: holder_now(state) == "proc-c", timeout_s=3 * LEASE_S, what="proc-c to take over")
        wait_for(
            lambda: third.logged("job_started job_id=plans.create_month_drafts") == 1,
            timeout_s=10,
            what="proc-c's catch-up run",
        )
        assert third.logged("lease_acquired") == 1
