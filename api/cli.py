"""The ``fireops`` command: ``serve``, ``worker``, ``admin create``, ``demo``, ``telegram …``."""

from __future__ import annotations

import argparse
import logging
import sys
from pathlib import Path

from pydantic import ValidationError

from engine.settings import Settings, get_settings


def _settings(args: argparse.Namespace) -> Settings:
    settings = get_settings()
    updates: dict[str, object] = {}
    if getattr(args, "database_url", None):
        updates["database_url"] = args.database_url
    if getattr(args, "base_url", None):
        updates["base_url"] = args.base_url
    if getattr(args, "no_scheduler", False):
        updates["scheduler"] = settings.scheduler.model_copy(update={"enabled": False})
    if getattr(args, "no_worker", False):
        updates["outbox"] = settings.outbox.model_copy(update={"enabled": False})
    return settings.model_copy(update=updates) if updates else settings


def _local_base_url(settings: Settings, args: argparse.Namespace) -> Settings:
    """With no base URL configured (neither ``--base-url`` nor ``FIREOPS_BASE_URL``) and another
    ``--host``/``--port`` than the default, QR codes point at ``http://HOST:PORT``."""
    if (
        not getattr(args, "base_url", None)
        and settings.base_url == "http://127.0.0.1:8000"
        and (args.host, args.port) != ("127.0.0.1", 8000)
    ):
        return settings.model_copy(update={"base_url": f"http://{args.host}:{args.port}"})
    return settings


def cmd_serve(args: argparse.Namespace) -> int:
    """Run the API (migrations applied on start)."""
    import uvicorn

    from api.app import create_app

    settings = _local_base_url(_settings(args), args)
    app = create_app(settings)
    database = _safe(settings.database_url)
    print(f"fireops: serving on http://{args.host}:{args.port}  (docs: /docs, database: {database})")
    uvicorn.run(app, host=args.host, port=args.port, log_level="info")
    return 0


def cmd_worker(args: argparse.Namespace) -> int:
    """Deliver outbox notifications without the API (with ``--scheduler`` also run the scheduler jobs)."""
    import asyncio
    import signal

    from api.app import build_state
    from api.background import background, build_sender_router
    from engine.outbox.worker import OutboxWorker

    settings = _settings(args)
    state = build_state(settings)
    senders = build_sender_router(state)

    async def run() -> None:
        if args.once:
            stats = await OutboxWorker(state.sessions, senders, settings.outbox, state.clock).drain()
            print(
                f"outbox: claimed {stats.claimed}, sent {stats.sent}, retried {stats.retried}, "
                f"dead {stats.dead}"
            )
            return
        stop = asyncio.Event()
        loop = asyncio.get_running_loop()
        for sig in (signal.SIGINT, signal.SIGTERM):
            loop.add_signal_handler(sig, stop.set)
        with_scheduler = args.scheduler and settings.scheduler.enabled
        async with background(state, senders, scheduler=with_scheduler, worker=True):
            also = " and running the scheduler" if with_scheduler else ""
            print(
                f"fireops worker: delivering outbox notifications{also}"
                f" (database: {_safe(settings.database_url)}; Ctrl-C to stop)"
            )
            await stop.wait()

    asyncio.run(run())
    state.engine.dispose()
    return 0


def _safe(url: str) -> str:
    from sqlalchemy.engine import make_url

    return make_url(url).render_as_string(hide_password=True)


def cmd_admin_create(args: argparse.Namespace) -> int:
    """Create (or reset) a platform admin."""
    from api.app import build_state
    from engine.db import unit_of_work
    from engine.errors import DomainError
    from workflows.context import Ctx
    from workflows.people.service import create_platform_admin

    state = build_state(_settings(args))
    try:
        with unit_of_work(state.sessions) as session:
            person = create_platform_admin(
                Ctx(session, state.clock, state.settings, state.processes),
                phone=args.phone,
                password=args.password,
                name=args.name,
            )
    except DomainError as exc:
        print(f"error: {exc.message}", file=sys.stderr)
        return 2
    print(f"platform admin {person.name} ({person.phone}) ready: log in at /api/v1/auth/token")
    return 0


def cmd_demo(args: argparse.Namespace) -> int:
    """Build a realistic agency and run one month through the API; print the report and verify URL."""
    from api.demo import run_demo

    out = Path(args.out).resolve()
    out.mkdir(parents=True, exist_ok=True)
    db = out / "fireops-demo.db"
    if db.exists():
        db.unlink()
    settings = _local_base_url(_settings(args), args).model_copy(update={"database_url": f"sqlite:///{db}"})
    result = run_demo(settings, out)
    print(result.summary())
    if args.serve:
        print(f"\nserving the demo database: open {result.verify_url}  (Ctrl-C to stop)")
        serve_args = argparse.Namespace(
            host=args.host, port=args.port, database_url=settings.database_url, base_url=settings.base_url
        )
        return cmd_serve(serve_args)
    print(
        f"\nto open the verify URL, serve the demo database:\n"
        f"  FIREOPS_DATABASE_URL=sqlite:///{db} fireops serve"
    )
    return 0


def build_parser() -> argparse.ArgumentParser:
    """The argument parser of ``fireops``."""
    parser = argparse.ArgumentParser(prog="fireops", description="fireops — 消防技术服务执业过程管理")
    sub = parser.add_subparsers(dest="command", required=True)

    serve = sub.add_parser("serve", help="run the API server (migrations applied on start)")
    serve.add_argument("--host", default="127.0.0.1")
    serve.add_argument("--port", type=int, default=8000)
    serve.add_argument("--database-url", help="overrides FIREOPS_DATABASE_URL")
    serve.add_argument("--base-url", help="public URL printed in QR codes (FIREOPS_BASE_URL)")
    serve.add_argument(
        "--no-scheduler",
        action="store_true",
        help="do not run the scheduler in this process (extra API workers)",
    )
    serve.add_argument(
        "--no-worker", action="store_true", help="do not deliver outbox notifications in this process"
    )
    serve.set_defaults(func=cmd_serve)

    worker = sub.add_parser("worker", help="deliver outbox notifications (pushes, reminders) without the API")
    worker.add_argument("--database-url", help="overrides FIREOPS_DATABASE_URL")
    worker.add_argument(
        "--scheduler",
        action="store_true",
        help="also run the scheduler jobs here (only the lease holder runs them)",
    )
    worker.add_argument("--once", action="store_true", help="deliver what is due now, then exit")
    worker.set_defaults(func=cmd_worker)

    admin = sub.add_parser("admin", help="platform administration")
    admin_sub = admin.add_subparsers(dest="admin_command", required=True)
    create = admin_sub.add_parser("create", help="create a platform admin")
    create.add_argument("--phone", required=True)
    create.add_argument("--password", required=True)
    create.add_argument("--name", required=True)
    create.add_argument("--database-url")
    create.set_defaults(func=cmd_admin_create)

    demo = sub.add_parser("demo", help="run a realistic maintenance month end to end")
    demo.add_argument("--out", default="fireops-demo", help="folder for the demo database and report PDF")
    demo.add_argument("--serve", action="store_true", help="serve the demo database afterwards")
    demo.add_argument("--host", default="127.0.0.1")
    demo.add_argument("--port", type=int, default=8000)
    demo.add_argument("--base-url")
    demo.set_defaults(func=cmd_demo)

    from bots.telegram.cli import add_telegram_parser

    add_telegram_parser(sub, _settings)
    return parser


def main(argv: list[str] | None = None) -> int:
    """Entry point of the ``fireops`` console script."""
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s %(message)s")
    # SpiffWorkflow logs every task state change at INFO (several lines per decision): keep its
    # warnings and errors only, fireops's own INFO lines say what happened.
    logging.getLogger("spiff").setLevel(logging.WARNING)
    args = build_parser().parse_args(argv)
    try:
        code: int = args.func(args)
    except ValidationError as exc:
        if exc.title != Settings.__name__:
            raise
        print(settings_error_text(exc), file=sys.stderr)
        return 2
    return code


def settings_error_text(exc: ValidationError) -> str:
    """A configuration error as the admin reads it: one line per bad variable, named as it is set
    in the environment (``FIREOPS_OUTBOX__BATCH_SIZE``), without the value (it may be a secret)."""
    lines = ["fireops: 配置错误 / configuration error:"]
    for error in exc.errors():
        message = error["msg"].removeprefix("Value error, ")
        if error["loc"]:  # a field's error; a whole-settings check names its variables itself
            message = "FIREOPS_" + "__".join(str(part).upper() for part in error["loc"]) + ": " + message
        lines.append(f"  {message}")
    return "\n".join(lines)


if __name__ == "__main__":
    sys.exit(main())
