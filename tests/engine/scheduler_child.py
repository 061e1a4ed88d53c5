"""A real scheduler process for the lease tests (``python -m tests.engine.scheduler_child``).

It builds the application state on ``--database-url`` (real clock, real jobs: month drafts,
timers, reminder scan), starts the lease-guarded scheduler as ``--holder`` with a short lease and
logs the ``fireops.scheduler`` / ``fireops.jobs`` records to ``--log``. SIGTERM stops it cleanly
(the lease is released); SIGKILL is a crash (the lease runs out).
"""

from __future__ import annotations

import argparse
import logging
import signal
import threading
from types import FrameType

from api.app import build_state
from api.background import job_context
from engine.scheduler import Scheduler
from engine.settings import Settings
from workflows.reminders.jobs import register_jobs


def main(args: argparse.Namespace) -> None:
    handler = logging.FileHandler(args.log, encoding="utf-8")
    handler.setFormatter(logging.Formatter("%(created).3f %(name)s %(message)s"))
    for name in ("fireops.scheduler", "fireops.jobs"):
        logger = logging.getLogger(name)
        logger.setLevel(logging.INFO)
        logger.addHandler(handler)
    settings = Settings(environment="test", database_url=args.database_url, password_rounds=4)
    cfg = settings.scheduler.model_copy(update={"scan_interval_s": 5, "timer_interval_s": 5})
    settings = settings.model_copy(update={"scheduler": cfg})
    state = build_state(settings, run_migrations=False)
    scheduler = Scheduler(state.sessions, state.clock, lease_s=args.lease_s, holder=args.holder)
    register_jobs(scheduler, job_context(state))
    stop = threading.Event()

    def on_term(_sig: int, _frame: FrameType | None) -> None:
        stop.set()

    signal.signal(signal.SIGTERM, on_term)
    scheduler.start()
    stop.wait()
    scheduler.shutdown()  # releases the lease
    state.engine.dispose()


if __name__ == "__main__":
    parser = argparse.ArgumentParser()
    parser.add_argument("--database-url", required=True)
    parser.add_argument("--holder", required=True)
    parser.add_argument("--log", required=True)
    parser.add_argument("--lease-s", type=float, default=3.0)
    main(parser.parse_args())
