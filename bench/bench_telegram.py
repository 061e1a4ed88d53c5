"""Benchmark the Telegram bot: 1,000 review updates through ``Application.process_update``.

The workload is a project lead's review day, not a replay of one button:

* a real agency on a fresh SQLite file (or ``--database-url``): ``--projects`` maintenance projects
  (default 55) with the 23 facilities of ``api/world.py``, each month's plan issued to an operator
  and executed as three-line tasks (results with measured records, a selfie, the location, a photo
  for every failed item), 600 of them submitted;
* 1,000 updates from the leads' chats (``--chats``, default 1: one project lead reviews everything;
  with more, each chat is one lead with their own projects and chats are handled concurrently, as a
  webhook serves several chats at once), in this order per task:
  - 300 tasks: open the review card (``v1:rev:open``: items, photos of the failed ones sent as an
    album or photo) then approve it (``v1:rev:ap``): 100 of them have a fault, disposed beforehand;
  - 100 tasks: approve straight from a card opened earlier (no open);
  - 100 tasks with an undisposed fault: approve → refused by R-REV-1, the card lists the fault;
  - 100 tasks: reject (``v1:rev:rj`` opens the opinion dialog) and type the opinion (a message),
    which rejects the task (R-REV-2: its faults become void, the executor is notified).

Every approve and reject decides a distinct submitted task: the review service locks the task,
checks R-REV-1, writes the review, the audit row and the outbox row, and advances the task's BPMN
process. Every update goes through the whole bot: the ``update_id`` dedupe row, the identity
check, the handler's service call in its own transaction, the Bot API calls to a ``BaseRequest``
that answers at once (no network).

Run from the repository root::

    .venv/bin/python bench/bench_telegram.py                 # SQLite file in a temp dir
    .venv/bin/python bench/bench_telegram.py --database-url postgresql+psycopg://postgres@127.0.0.1:5432/postgres

Prints updates/s over the wall time of the 1,000 updates (one chat's updates one at a time, as
Telegram delivers them), the CPU time of the process (steadier than the wall clock on a busy
machine), p50/p95 of the per-update handling time, the same per kind of update, and where the time
went: inside the bot's database transactions (the update dedupe and identity check; the service
calls) versus PTB and the bot's own code, and the button presses alone (the 900 callback queries,
without the typed opinions) per second of their handling time, and how fast the machine was (a
fixed calibration loop, :func:`bench.common.calibration_ms`, timed before and after). Target:
≥ 200 updates/s.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import random
import sys
import time
import uuid
from collections import defaultdict
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, TypeVar

if __package__ in (None, ""):
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from sqlalchemy import select
from sqlalchemy.engine import make_url
from telegram import Update
from telegram.request import BaseRequest, RequestData

from api.demo import demo_photo
from api.deps import AppState
from api.world import FACILITIES
from bench.common import (
    add_agency_with_contract,
    bench_state,
    calibration_ms,
    drop_database,
    fresh_database,
    project_row,
)
from bots.core.callbacks import encode
from bots.core.services import ChatServices
from bots.telegram.app import build_application
from engine.clock import FrozenClock
from engine.db import unit_of_work
from workflows.catalog.models import CatalogCategory, CatalogFacility, CatalogSystem
from workflows.chat.service import issue_binding_code
from workflows.context import Ctx
from workflows.faults.models import Fault
from workflows.faults.service import dispose_fault
from workflows.people.credentials import hash_password
from workflows.people.models import Person
from workflows.plans.models import PlanLine
from workflows.plans.service import create_plan, issue_plan
from workflows.projects.models import ProjectFacility
from workflows.tasks.service import add_photo, create_task, record_result, submit_task

T = TypeVar("T")
BOT = {"id": 999, "is_bot": True, "first_name": "fireops", "username": "fireops_bot"}
LEAD_UID = 4242
"""Telegram user id of the first lead's chat (the next leads: 4243, 4244 …)."""
LINES_PER_TASK = 3
MIX = {"open_approve": 300, "approve": 100, "rev1": 100, "reject": 100}
services_spent: dict[str, float] = {}
"""Seconds spent in the bot's database units of work during the run, by kind (filled by :func:`run`)."""
"""Tasks per scenario; 2 + 1 + 1 + 2 updates each = 1,000 updates."""


class NullRequest(BaseRequest):
    """Answers every Bot API call at once (no network); counts the calls per method."""

    def __init__(self) -> None:
        self.calls: dict[str, int] = defaultdict(int)

    async def initialize(self) -> None:
        return None

    async def shutdown(self) -> None:
        return None

    @property
    def read_timeout(self) -> float:
        return 1.0

    async def do_request(  # type: ignore[override]  # the timeouts are irrelevant offline
        self, url: str, method: str, request_data: RequestData | None = None, **_: Any
    ) -> tuple[int, bytes]:
        api = url.rsplit("/", 1)[-1]
        self.calls[api] += 1
        chat = int((request_data.parameters if request_data else {}).get("chat_id") or LEAD_UID)
        message = {"message_id": 1, "date": 0, "chat": {"id": chat, "type": "private"}, "text": ""}
        result: Any = True
        if api == "getMe":
            result = BOT
        elif api == "sendMediaGroup":
            result = [message]
        elif api.startswith(("send", "edit")):
            result = message
        return 200, json.dumps({"ok": True, "result": result}).encode()


@dataclass
class Chat:
    """One lead's chat: the submitted tasks of each scenario and the lead's binding code."""

    uid: int
    tasks: dict[str, list[uuid.UUID]] = field(default_factory=lambda: defaultdict(list))
    code: str = ""


@dataclass
class Scenario:
    """The chats of the run."""

    chats: list[Chat]

    def tasks(self, kind: str) -> list[uuid.UUID]:
        """Every chat's tasks of ``kind``."""
        return [t for c in self.chats for t in c.tasks[kind]]


def _facilities(session: Any) -> list[uuid.UUID]:
    rows = session.execute(
        select(CatalogFacility.id, CatalogSystem.name, CatalogCategory.name, CatalogFacility.name)
        .join(CatalogCategory, CatalogCategory.id == CatalogFacility.category_id)
        .join(CatalogSystem, CatalogSystem.id == CatalogCategory.system_id)
    )
    index = {(s, c, f): fid for fid, s, c, f in rows}
    return [index[f] for f in FACILITIES]


def setup(state: AppState, clock: FrozenClock, projects: int, chats: int = 1) -> Scenario:
    """The agency, ``chats`` project leads, ``projects`` projects (led in turn) with their October
    plan executed as three-line tasks, 600 of them submitted (in the proportions of :data:`MIX`,
    mixed), and a binding code per lead."""
    now = clock.now()
    with unit_of_work(state.sessions) as s:
        agency, _owner, contract = add_agency_with_contract(s, now)
        pw = hash_password("bench-pass-1", rounds=4)
        people = {
            "admin": Person(name="管理员", phone="13100000000", roles=["agency_admin"]),
            "op": Person(name="陈磊", phone="13100000002", roles=["field_operator"], operator_level=4),
        }
        for k in range(chats):
            people[f"lead{k}"] = Person(
                name=f"刘洋{k + 1}" if chats > 1 else "刘洋",
                phone=f"131000001{k:02d}",
                roles=["project_lead"],
                engineer_level=2,
            )
        for person in people.values():
            person.enabled, person.agency_id, person.password_hash = True, agency.id, pw
            person.created_at = now
        s.add_all(people.values())
        s.flush()
        facilities = _facilities(s)
        project_ids = []
        for i in range(projects):
            p = project_row(i, contract, people[f"lead{i % chats}"].id, now)
            s.add(p)
            s.flush()
            s.add_all(ProjectFacility(project_id=p.id, facility_id=f) for f in facilities)
            project_ids.append(p.id)
        ids = {k: p.id for k, p in people.items()}

    selfie = demo_photo("selfie", seed=1, size=(320, 240))
    fault_photo = demo_photo("fault", seed=2, size=(640, 480))
    wanted = [k for k, n in MIX.items() for _ in range(n)]
    random.Random(7).shuffle(wanted)  # every chat gets a mix, in no particular order
    # open_approve: a third of them with a disposed fault; rev1: an undisposed fault; reject: one fault
    with_fault = {"rev1", "reject"}
    made = 0
    scenario = Scenario([Chat(LEAD_UID + k) for k in range(chats)])
    for n, pid in enumerate(project_ids):
        if made >= len(wanted):
            break
        chat = scenario.chats[n % chats]
        with unit_of_work(state.sessions) as s:
            lead, op = s.get(Person, ids[f"lead{n % chats}"]), s.get(Person, ids["op"])
            ctx = Ctx(s, clock, state.settings, state.processes, lead)
            plan = create_plan(ctx, pid, nature="month", period="2026-10")
            lines = list(
                s.scalars(select(PlanLine.id).where(PlanLine.plan_id == plan.id).order_by(PlanLine.position))
            )
            issue_plan(ctx, plan.id, lines, ids["op"])
            for start in range(0, len(lines) - LINES_PER_TASK + 1, LINES_PER_TASK):
                if made >= len(wanted):
                    break
                kind = wanted[made]
                faulty = kind in with_fault or (kind == "open_approve" and made % 3 == 0)
                ctx.actor = op
                task = create_task(ctx, lines[start : start + LINES_PER_TASK])
                for j, lid in enumerate(lines[start : start + LINES_PER_TASK]):
                    fail = faulty and j == 0
                    record_result(
                        ctx,
                        task.id,
                        lid,
                        outcome="fail" if fail else "pass",
                        measured_record="压力表读数 0.12MPa，低于设计值" if fail else "功能正常",
                        brand=None,
                    )
                    if fail:
                        add_photo(ctx, task.id, fault_photo, line_id=lid, kind="item")
                add_photo(ctx, task.id, selfie, line_id=None, kind="selfie")
                submit_task(ctx, task.id, latitude=36.6172, longitude=101.7783)
                if faulty and kind == "open_approve":
                    ctx.actor = lead
                    for fault in s.scalars(select(Fault).where(Fault.task_id == task.id)):
                        dispose_fault(ctx, fault.id, kind="negotiating")
                chat.tasks[kind].append(task.id)
                made += 1
    if made < len(wanted):
        raise SystemExit(f"--projects {projects} give only {made} tasks; {len(wanted)} are needed")
    with unit_of_work(state.sessions) as s:
        ctx = Ctx(s, clock, state.settings, state.processes, s.get(Person, ids["admin"]))
        for k, chat in enumerate(scenario.chats):
            chat.code = issue_binding_code(ctx, ids[f"lead{k}"]).code
    return scenario


def press(update_id: int, data: str, uid: int = LEAD_UID) -> dict[str, Any]:
    user = {"id": uid, "is_bot": False, "first_name": "lead", "language_code": "zh"}
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
                "chat": {"id": uid, "type": "private"},
                "from": BOT,
                "text": "x",
            },
        },
    }


def message(update_id: int, text: str, uid: int = LEAD_UID) -> dict[str, Any]:
    return {
        "update_id": update_id,
        "message": {
            "message_id": update_id,
            "date": 0,
            "chat": {"id": uid, "type": "private"},
            "from": {"id": uid, "is_bot": False, "first_name": "lead", "language_code": "zh"},
            "text": text,
        },
    }


class TimedServices(ChatServices):
    """The bot's :class:`ChatServices`, timing each unit of work (measurement only: same calls)."""

    def __init__(self, base: ChatServices) -> None:
        super().__init__(base.state, base.channel, offload=base.offload)
        self.spent: dict[str, float] = defaultdict(float)

    async def _run(self, fn: Callable[[], T], *, slow: bool = False) -> T:
        kind = "dedupe + identity" if "admit" in fn.__qualname__ else "service calls"

        def timed() -> T:
            t0 = time.perf_counter()
            try:
                return fn()
            finally:
                self.spent[kind] += time.perf_counter() - t0

        return await super()._run(timed, slow=slow)


def updates(chat: Chat, ids: Iterator[int]) -> list[tuple[str, dict[str, Any]]]:
    """The chat's updates ``(kind, Update JSON)`` in the lead's order (see the module doc)."""
    out: list[tuple[str, dict[str, Any]]] = []
    queues = {k: list(chat.tasks[k]) for k in MIX}
    u = chat.uid
    while any(queues.values()):
        for kind in ("open_approve", "open_approve", "open_approve", "approve", "rev1", "reject"):
            if not queues[kind]:
                continue
            task = queues[kind].pop(0)
            if kind == "open_approve":
                out.append(("open", press(next(ids), encode("rev", "open", task), u)))
                out.append(("approve", press(next(ids), encode("rev", "ap", task), u)))
            elif kind == "approve":
                out.append(("approve", press(next(ids), encode("rev", "ap", task), u)))
            elif kind == "rev1":
                out.append(("approve refused (R-REV-1)", press(next(ids), encode("rev", "ap", task), u)))
            else:
                out.append(("reject press", press(next(ids), encode("rev", "rj", task), u)))
                out.append(("reject opinion", message(next(ids), "请补拍不符合项照片并复测", u)))
    return out


async def run(
    state: AppState, scenario: Scenario, *, offload: bool
) -> tuple[list[tuple[str, float]], float, float, NullRequest]:
    """Bind the leads, then push every update through ``process_update`` (each chat in order, the
    chats concurrently); returns the per-update times, the wall and CPU time (s) of the 1,000
    updates and the request (Bot API call counts)."""
    request = NullRequest()
    app = build_application(state, request, token="1:BENCH", offload=offload)
    app.bot_data["services"] = TimedServices(app.bot_data["services"])
    times: list[tuple[str, float]] = []
    ids = iter(range(100, 100_000))
    work = [updates(chat, ids) for chat in scenario.chats]

    async def serve(chat_updates: list[tuple[str, dict[str, Any]]]) -> None:
        for kind, data in chat_updates:
            update = Update.de_json(data, app.bot)
            t0 = time.perf_counter()
            await app.process_update(update)
            times.append((kind, time.perf_counter() - t0))

    async with app:
        for chat in scenario.chats:
            start = message(next(ids), f"/start {chat.code}", chat.uid)
            start["message"]["entities"] = [{"type": "bot_command", "offset": 0, "length": 6}]
            await app.process_update(Update.de_json(start, app.bot))
        wall0, cpu0 = time.perf_counter(), time.process_time()
        await asyncio.gather(*(serve(w) for w in work))
        wall, cpu = time.perf_counter() - wall0, time.process_time() - cpu0
    services_spent.update(app.bot_data["services"].spent)
    return times, wall, cpu, request


def check(state: AppState, scenario: Scenario) -> dict[str, int]:
    """Task states after the run (every decision really happened)."""
    from workflows.tasks.models import Task

    with unit_of_work(state.sessions) as s:
        out: dict[str, int] = defaultdict(int)
        for kind in MIX:
            for task_state in s.scalars(select(Task.state).where(Task.id.in_(scenario.tasks(kind)))):
                out[f"{kind}:{task_state}"] += 1
    return dict(out)


def pct(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[max(0, int(len(ordered) * q) - 1)] * 1000


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--projects", type=int, default=55, help="projects of 11 tasks each (600 needed)")
    parser.add_argument("--chats", type=int, default=1, help="project leads reviewing at the same time")
    parser.add_argument("--database-url", help="PostgreSQL server URL (a fresh database beside it)")
    parser.add_argument(
        "--inline", action="store_true", help="run database work on the event loop (no worker threads)"
    )
    parser.add_argument(
        "--profile", help="write a pyinstrument profile (text) of the run to this file (with --inline)"
    )
    args = parser.parse_args()
    url, admin_url = fresh_database(args.database_url)
    clock = FrozenClock(datetime(2026, 10, 20, 2, 0, tzinfo=UTC))
    state = bench_state(url, clock)
    t0 = time.perf_counter()
    scenario = setup(state, clock, args.projects, args.chats)
    backend = make_url(url).get_backend_name()
    tasks = sum(len(scenario.tasks(k)) for k in MIX)
    print(
        f"setup: {tasks} submitted tasks, {args.chats} chat(s), {time.perf_counter() - t0:.1f} s ({backend})"
    )

    profiler = None
    if args.profile:
        from pyinstrument import Profiler

        profiler = Profiler(async_mode="enabled")
        profiler.start()
    calibration = calibration_ms()
    times, wall, cpu, request = asyncio.run(run(state, scenario, offload=not args.inline))
    calibration = (calibration + calibration_ms()) / 2
    if profiler is not None:
        profiler.stop()
        Path(args.profile).write_text(profiler.output_text(unicode=True, color=False), encoding="utf-8")
    all_times = [x for _, x in times]
    print(
        f"{len(times)} updates in {wall:.2f} s wall = {len(times) / wall:.0f} updates/s "
        f"(target >= 200); per update p50 {pct(all_times, 0.5):.1f} ms, p95 {pct(all_times, 0.95):.1f} ms"
    )
    print(
        f"CPU time of this process: {cpu:.2f} s = {len(times) / cpu:.0f} updates per CPU-second "
        "(other load on the machine slows the wall clock, not this)"
    )
    by_kind: dict[str, list[float]] = defaultdict(list)
    for kind, x in times:
        by_kind[kind].append(x)
    for kind, xs in by_kind.items():
        print(f"  {kind:<26} {len(xs):>4}  p50 {pct(xs, 0.5):5.1f} ms  p95 {pct(xs, 0.95):5.1f} ms")
    presses = [x for kind, x in times if kind != "reject opinion"]  # every button press (callback query)
    print(
        f"review button presses alone: {len(presses)} handled in {sum(presses):.2f} s = "
        f"{len(presses) / sum(presses):.0f} presses/s of handling time (target >= 200)"
    )
    spent = dict(services_spent)
    db = sum(spent.values())
    print(
        f"where the time went, per update: {db / len(times) * 1000:.1f} ms in database transactions ("
        + ", ".join(f"{k} {v / len(times) * 1000:.1f} ms" for k, v in sorted(spent.items()))
        + f"), {(sum(all_times) - db) / len(times) * 1000:.1f} ms in PTB and the bot around them"
    )
    print(
        f"machine speed: the calibration loop took {calibration:.1f} ms around the run "
        "(bench/common.py; about 11 ms when this VM is quiet, more in a slow hour)"
    )
    print("Bot API calls: " + ", ".join(f"{k} {v}" for k, v in sorted(request.calls.items())))
    states = check(state, scenario)
    print("task states: " + ", ".join(f"{k} {v}" for k, v in sorted(states.items())))
    state.engine.dispose()
    drop_database(url, admin_url)
    expected = {
        "open_approve:approved": MIX["open_approve"],
        "approve:approved": MIX["approve"],
        "rev1:submitted": MIX["rev1"],
        "reject:rejected": MIX["reject"],
    }
    if states != expected:  # the figures are only worth something if every decision happened
        print(f"FAILED: expected task states {expected}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
