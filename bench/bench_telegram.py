"""Benchmark the Telegram bot: 1,000 review button presses through ``Application.process_update``.

A real agency (``api/world.py``) on a fresh SQLite database (or ``--database-url``), the plan issued
and executed as ten submitted tasks, the lead bound to a chat. Then 1,000 callback-query updates
alternate "open the review card" (``v1:rev:open``) and "approve" (``v1:rev:ap``) over the ten tasks:
the first approve of each task decides it, later ones take the "already reviewed" path (the card is
closed again). Every update goes through the whole stack: update_id dedupe in the database,
identity, the service call in its own transaction, the recording ``BaseRequest`` (no network).

Run from the repository root::

    .venv/bin/python bench/bench_telegram.py --updates 1000

Prints updates/s and the p50/p95 handling time; the target is ≥ 200 updates/s.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

if __package__ in (None, ""):
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from fastapi.testclient import TestClient
from telegram import Update
from telegram.request import BaseRequest, RequestData

from api.app import build_state, create_app
from api.demo import demo_photo, ok
from api.world import build_world
from bots.core.callbacks import encode
from bots.telegram.app import build_application
from engine.db import unit_of_work
from engine.settings import Settings
from workflows.context import Ctx
from workflows.people.service import create_platform_admin

BOT = {"id": 999, "is_bot": True, "first_name": "fireops", "username": "fireops_bot"}
LEAD_UID = 4242


class NullRequest(BaseRequest):
    """Answers every Bot API call at once (no network); counts the calls."""

    calls = 0

    async def initialize(self) -> None:
        return None

    async def shutdown(self) -> None:
        return None

    @property
    def read_timeout(self) -> float:
        return 1.0

    async def do_request(  # type: ignore[override]
        self, url: str, method: str, request_data: RequestData | None = None, **_: Any
    ) -> tuple[int, bytes]:
        self.calls += 1
        api = url.rsplit("/", 1)[-1]
        result: Any = BOT if api == "getMe" else True
        if api.startswith(("send", "edit")):
            result = {"message_id": 1, "date": 0, "chat": {"id": LEAD_UID, "type": "private"}, "text": ""}
        return 200, json.dumps({"ok": True, "result": result}).encode()


def setup(settings: Settings) -> tuple[Any, list[str]]:
    """World, ten submitted tasks, the lead bound; returns (state, task ids)."""
    state = build_state(settings)
    with unit_of_work(state.sessions) as session:
        create_platform_admin(
            Ctx(session, state.clock, settings, state.processes),
            phone="13800000000",
            password="bench-admin-1",
            name="平台管理员",
        )
    with TestClient(create_app(settings, state=state)) as client:
        token = ok(
            client.post("/api/v1/auth/token", data={"username": "13800000000", "password": "bench-admin-1"})
        )
        world = build_world(client, {"Authorization": f"Bearer {token['access_token']}"})
        lead, op1 = world.headers["lead"], world.headers["op1"]
        plan = ok(
            client.post(
                f"/api/v1/projects/{world.project_id}/plans",
                json={"nature": "month", "period": f"{state.clock.now():%Y-%m}"},
                headers=lead,
            ),
            201,
        )
        lines = [x["id"] for x in plan["lines"]]
        ok(
            client.post(
                f"/api/v1/plans/{plan['id']}/issue",
                json={"line_ids": lines, "executor_id": world.people["op1"]},
                headers=lead,
            )
        )
        task_ids = []
        for chunk in (lines[i::10] for i in range(10)):
            task = ok(client.post("/api/v1/tasks", json={"line_ids": chunk}, headers=op1), 201)
            for lid in chunk:
                ok(
                    client.put(
                        f"/api/v1/tasks/{task['id']}/results/{lid}",
                        json={"outcome": "pass", "measured_record": "测试正常"},
                        headers=op1,
                    )
                )
            files = {"file": ("selfie.jpg", demo_photo("selfie", seed=1, size=(64, 48)), "image/jpeg")}
            ok(
                client.post(
                    f"/api/v1/tasks/{task['id']}/photos", data={"kind": "selfie"}, files=files, headers=op1
                ),
                201,
            )
            ok(
                client.post(
                    f"/api/v1/tasks/{task['id']}/submit",
                    json={"latitude": 36.6172, "longitude": 101.7783},
                    headers=op1,
                )
            )
            task_ids.append(task["id"])
        code = ok(
            client.post(
                f"/api/v1/people/{world.people['lead']}/chat-binding-code",
                headers=world.headers["agency_admin"],
            ),
            201,
        )["code"]
    return state, [*task_ids, code]


def press(update_id: int, data: str) -> dict[str, Any]:
    user = {"id": LEAD_UID, "is_bot": False, "first_name": "lead", "language_code": "zh"}
    return {
        "update_id": update_id,
        "callback_query": {
            "id": str(update_id),
            "from": user,
            "chat_instance": "b",
            "data": data,
            "message": {
                "message_id": 7,
                "date": 0,
                "chat": {"id": LEAD_UID, "type": "private"},
                "from": BOT,
                "text": "x",
            },
        },
    }


async def run(state: Any, task_ids: list[str], code: str, n: int, *, offload: bool) -> list[float]:
    import uuid

    app = build_application(state, NullRequest(), token="1:BENCH", offload=offload)
    times: list[float] = []
    async with app:
        start = {
            "update_id": 1,
            "message": {
                "message_id": 1,
                "date": 0,
                "chat": {"id": LEAD_UID, "type": "private"},
                "from": {"id": LEAD_UID, "is_bot": False, "first_name": "lead"},
                "text": f"/start {code}",
                "entities": [{"type": "bot_command", "offset": 0, "length": 6}],
            },
        }
        await app.process_update(Update.de_json(start, app.bot))
        for i in range(n):
            task = uuid.UUID(task_ids[(i // 2) % len(task_ids)])
            data = encode("rev", "open" if i % 2 == 0 else "ap", task)
            update = Update.de_json(press(100 + i, data), app.bot)
            t0 = time.perf_counter()
            await app.process_update(update)
            times.append(time.perf_counter() - t0)
    return times


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--updates", type=int, default=1000)
    parser.add_argument("--database-url", help="defaults to a fresh SQLite file")
    parser.add_argument(
        "--inline", action="store_true", help="run database work on the event loop (no threads)"
    )
    args = parser.parse_args()
    tmp = tempfile.mkdtemp(prefix="fireops-bench-tg-")
    url = args.database_url or f"sqlite:///{tmp}/bench.db"
    settings = Settings(environment="test", database_url=url, password_rounds=4)
    state, ids = setup(settings)
    *task_ids, code = ids
    wall0 = time.perf_counter()
    times = asyncio.run(run(state, task_ids, code, args.updates, offload=not args.inline))
    wall = time.perf_counter() - wall0
    times.sort()
    p95 = times[int(len(times) * 0.95) - 1]
    busy = sum(times)
    print(
        f"{len(times)} review button presses, one at a time: {len(times) / busy:.0f} updates/s "
        f"({busy:.2f} s handling, {wall:.2f} s wall with start-up); target >= 200 updates/s"
    )
    print(f"per update: p50 {statistics.median(times) * 1000:.1f} ms, p95 {p95 * 1000:.1f} ms")
    state.engine.dispose()
    return 0


if __name__ == "__main__":
    sys.exit(main())
