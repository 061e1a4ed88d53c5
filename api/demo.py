"""``fireops demo``: one realistic maintenance month driven through the REST API.

Two executors, a rejection and resubmission, one fault per disposition (investigate, owner-approved
repair, owner-refused repair, out of scope, negotiating), the investigation and repair tasks
completed, the report generated and filed. Everything goes through the same HTTP endpoints a client
uses (an in-process client of the ASGI app), so the demo is also an end-to-end test of the API.
"""

from __future__ import annotations

import io
import random
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any, Protocol

from PIL import Image, ImageDraw

from engine.clock import Clock, business_date
from engine.settings import Settings


class HttpClient(Protocol):
    """What the driver needs of a client (FastAPI's TestClient or an ``httpx.Client``)."""

    def get(self, url: str, **kw: Any) -> Any: ...
    def post(self, url: str, **kw: Any) -> Any: ...
    def put(self, url: str, **kw: Any) -> Any: ...


def demo_photo(label: str, *, seed: int, size: tuple[int, int] = (800, 600)) -> bytes:
    """A deterministic JPEG standing in for a field photo."""
    rng = random.Random(seed)
    img = Image.new("RGB", size, (rng.randrange(90, 200), rng.randrange(90, 200), rng.randrange(90, 200)))
    draw = ImageDraw.Draw(img)
    for _ in range(12):
        x, y = rng.randrange(size[0]), rng.randrange(size[1])
        draw.rectangle(
            (x, y, x + rng.randrange(40, 200), y + rng.randrange(40, 160)),
            fill=(rng.randrange(256), rng.randrange(256), rng.randrange(256)),
        )
    draw.text((20, 20), label, fill=(255, 255, 255))
    buf = io.BytesIO()
    img.save(buf, "JPEG", quality=80)
    return buf.getvalue()


def ok(response: Any, status: int = 200) -> Any:
    """The JSON of ``response``; raises with the server's message when the status differs."""
    if response.status_code != status:
        raise RuntimeError(
            f"{response.request.method} {response.request.url} → {response.status_code}: {response.text}"
        )
    return response.json() if response.content else None


@dataclass
class MonthResult:
    """What one driven month produced."""

    plan: dict[str, Any]
    tasks: dict[str, dict[str, Any]]
    faults: dict[str, dict[str, Any]]
    report: dict[str, Any]
    pdf: bytes
    verify: dict[str, Any]
    steps: list[str] = field(default_factory=list)


FAIL_RECORDS = [
    ("investigate", "主电源断电后备电未自动投入，备电指示灯不亮。判定结果是不符合。"),
    ("owner_approved_repair", "开启放水阀后报警阀组不能正常打开。判定结果是不符合。"),
    ("owner_refused_repair", "储油箱油位显示不正常，燃油量不足3h。判定结果是不符合。"),
    ("out_of_scope", "末端配电箱转换开关处于手动状态，属业主自建部分。判定结果是不符合。"),
    ("negotiating", "阀门未标识开、关状态，管道未标明流向。判定结果是不符合。"),
]


def run_month(client: HttpClient, world: Any, *, today: date, log: list[str] | None = None) -> MonthResult:
    """Drive one month of ``world``'s project through the API and return what it produced.

    ``world`` is :class:`api.world.World` (ids and bearer headers per role).
    """
    steps = log if log is not None else []
    h = world.headers
    lead, op1, op2, tech = h["lead"], h["op1"], h["op2"], h["tech_lead"]
    op1_id, op2_id = world.people["op1"], world.people["op2"]

    plan = ok(
        client.post(
            f"/api/v1/projects/{world.project_id}/plans",
            json={"nature": "month", "period": f"{today:%Y-%m}"},
            headers=lead,
        ),
        201,
    )
    steps.append(f"项目负责人制定 {plan['name']}（{plan['line_count']} 项）")
    line_ids = [line["id"] for line in plan["lines"]]
    half = len(line_ids) // 2
    ok(
        client.post(
            f"/api/v1/plans/{plan['id']}/issue",
            json={"line_ids": line_ids[:half], "executor_id": op1_id},
            headers=lead,
        )
    )
    plan = ok(
        client.post(
            f"/api/v1/plans/{plan['id']}/issue",
            json={"line_ids": line_ids[half:], "executor_id": op2_id},
            headers=lead,
        )
    )
    steps.append(f"下发给两名现场作业人员：{half} 项 + {len(line_ids) - half} 项")

    fails_op1, fails_op2 = FAIL_RECORDS[:3], FAIL_RECORDS[3:]
    t1 = _execute(client, op1, line_ids[:half], fails_op1, seed=1, position=(36.6174, 101.7785))
    t2 = _execute(client, op2, line_ids[half:], [], seed=2, position=(36.6182, 101.7771), submit=True)
    steps.append(f"{t1['code']}、{t2['code']} 已提交（含照片、自拍和 GPS 位置）")

    rejected = ok(
        client.post(
            f"/api/v1/tasks/{t2['id']}/review",
            json={"verdict": "reject", "opinion": "末端配电箱和阀门标识需复核并补拍照片"},
            headers=lead,
        )
    )
    steps.append(f"{t2['code']} 审核不通过，退回执行人修改（第 {rejected['round']} 轮）")
    t2 = _rework(client, op2, t2, fails_op2, seed=3, position=(36.6182, 101.7771))
    steps.append(f"{t2['code']} 修改后重新提交")

    faults = {
        f["id"]: f
        for f in ok(client.get("/api/v1/faults", params={"project_id": world.project_id}, headers=lead))
    }
    by_record = {f["measured_record"]: f for f in faults.values()}
    disposed: dict[str, dict[str, Any]] = {}
    for kind, record in FAIL_RECORDS:
        fault = by_record[record]
        body: dict[str, Any] = {"kind": kind}
        if kind == "investigate":
            body["leader_id"] = op1_id
        if kind == "owner_approved_repair":
            body |= {"leader_id": op2_id, "repair_plan": "更换报警阀组隔膜，调试后试水确认。"}
        if kind == "owner_refused_repair":
            body["explanation"] = "业主暂不同意补充燃油，已书面告知风险。"
        if kind == "out_of_scope":
            body["explanation"] = "该配电箱为业主自建照明回路，不在维保合同范围内。"
        disposed[kind] = ok(client.post(f"/api/v1/faults/{fault['id']}/disposition", json=body, headers=lead))
    steps.append("五个故障分别处理：排查、业主同意维修、业主不同意维修、不在合同范围内、与业主沟通中")

    inv_task = disposed["investigate"]["open_task_id"]
    rep_task = disposed["owner_approved_repair"]["open_task_id"]
    ok(client.post(f"/api/v1/tasks/{inv_task}/receive", headers=op1))
    ok(
        client.post(
            f"/api/v1/tasks/{inv_task}/complete",
            json={"resolved": True, "note": "备用电源保险丝熔断，已更换，主备电切换正常。"},
            headers=op1,
        )
    )
    ok(
        client.post(
            f"/api/v1/tasks/{rep_task}/complete",
            json={"resolved": True, "note": "已更换隔膜，报警阀组动作正常。"},
            headers=op2,
        )
    )
    steps.append("排查任务、维修任务完成：已解决")

    for task in (t1, t2):
        ok(
            client.post(
                f"/api/v1/tasks/{task['id']}/review",
                json={"verdict": "approve", "opinion": "数据准确，同意。"},
                headers=lead,
            )
        )
    steps.append("两个任务审核通过")

    report = ok(
        client.post(
            f"/api/v1/plans/{plan['id']}/report",
            json={
                "report_date": today.isoformat(),
                "service_date": today.isoformat(),
                "extra_task_ids": [inv_task, rep_task],
            },
            headers=lead,
        ),
        201,
    )
    steps.append(f"生成报告 {report['code']}，备案期限 {report['filing_deadline']}")
    report = ok(
        client.post(
            f"/api/v1/reports/{report['id']}/filing",
            json={"opinion": "报告内容完整，同意备案。请尽快联系业主处理未解决故障。"},
            headers=tech,
        )
    )
    steps.append(f"技术负责人备案：{report['status']}")
    pdf_resp = client.get(f"/api/v1/reports/{report['id']}/pdf", headers=lead)
    if pdf_resp.status_code != 200:
        raise RuntimeError(f"PDF download failed: {pdf_resp.status_code}")
    token = report["verify_url"].rsplit("/", 1)[-1]
    verify = ok(client.get(f"/verify/{token}", headers={"Accept": "application/json"}))
    final_faults = {
        f["id"]: f
        for f in ok(client.get("/api/v1/faults", params={"project_id": world.project_id}, headers=lead))
    }
    tasks = {
        t["code"]: t
        for t in (
            ok(client.get(f"/api/v1/tasks/{t1['id']}", headers=lead)),
            ok(client.get(f"/api/v1/tasks/{t2['id']}", headers=lead)),
        )
    }
    return MonthResult(
        plan=plan,
        tasks=tasks,
        faults=final_faults,
        report=report,
        pdf=pdf_resp.content,
        verify=verify,
        steps=steps,
    )


def _execute(
    client: HttpClient,
    headers: dict[str, str],
    line_ids: list[str],
    fails: list[tuple[str, str]],
    *,
    seed: int,
    position: tuple[float, float],
    submit: bool = True,
) -> dict[str, Any]:
    task = ok(client.post("/api/v1/tasks", json={"line_ids": line_ids}, headers=headers), 201)
    fail_lines = dict(zip(line_ids[: len(fails)], fails, strict=True))
    cannot = line_ids[-1] if len(line_ids) > len(fails) + 1 else None
    for i, lid in enumerate(line_ids):
        body: dict[str, str | None]
        if lid in fail_lines:
            body = {"outcome": "fail", "measured_record": fail_lines[lid][1]}
        elif lid == cannot:
            body = {"outcome": "cannot_test", "measured_record": "不能测试，现场未设计该设施。"}
        else:
            body = {
                "outcome": "pass",
                "measured_record": "测试正常，符合要求。",
                "brand": "海湾" if i == 0 else None,
            }
        ok(client.put(f"/api/v1/tasks/{task['id']}/results/{lid}", json=body, headers=headers))
        if lid in fail_lines:
            _photo(client, headers, task["id"], lid, seed=seed * 100 + i)
    _photo(client, headers, task["id"], None, seed=seed * 1000, kind="selfie")
    if submit:
        task = ok(
            client.post(
                f"/api/v1/tasks/{task['id']}/submit",
                json={"latitude": position[0], "longitude": position[1]},
                headers=headers,
            )
        )
    return dict(task)


def _rework(
    client: HttpClient,
    headers: dict[str, str],
    task: dict[str, Any],
    fails: list[tuple[str, str]],
    *,
    seed: int,
    position: tuple[float, float],
) -> dict[str, Any]:
    lines = [r["plan_line_id"] for r in task["results"]]
    for i, (lid, (_, record)) in enumerate(zip(lines, fails, strict=False)):
        ok(
            client.put(
                f"/api/v1/tasks/{task['id']}/results/{lid}",
                json={"outcome": "fail", "measured_record": record},
                headers=headers,
            )
        )
        _photo(client, headers, task["id"], lid, seed=seed * 100 + i)
    return dict(
        ok(
            client.post(
                f"/api/v1/tasks/{task['id']}/submit",
                json={"latitude": position[0], "longitude": position[1]},
                headers=headers,
            )
        )
    )


def _photo(
    client: HttpClient,
    headers: dict[str, str],
    task_id: str,
    line_id: str | None,
    *,
    seed: int,
    kind: str = "item",
) -> None:
    data = {"kind": kind} | ({"line_id": line_id} if line_id else {})
    files = {"file": (f"{kind}-{seed}.jpg", demo_photo(f"fireops {kind} {seed}", seed=seed), "image/jpeg")}
    ok(client.post(f"/api/v1/tasks/{task_id}/photos", data=data, files=files, headers=headers), 201)


@dataclass
class DemoResult:
    """Where the demo left its output."""

    pdf_path: Path
    verify_url: str
    verify: dict[str, Any]
    steps: list[str]

    def summary(self) -> str:
        """Human-readable account of the month."""
        lines = [
            "fireops demo — 一个完整的维保月：",
            *[f"  {i + 1:2d}. {s}" for i, s in enumerate(self.steps)],
        ]
        lines += [
            "",
            f"report PDF:  {self.pdf_path}",
            f"verify URL:  {self.verify_url}",
            f"verified:    genuine={self.verify['genuine']} filed={self.verify['filed']}",
            f"sha256:      {self.verify['sha256']}",
        ]
        return "\n".join(lines)


def run_demo(settings: Settings, out: Path, *, clock: Clock | None = None) -> DemoResult:
    """Migrate ``settings.database_url``, build the world and run the current month.

    Args:
        settings: Where the demo database lives (and the base URL printed in the QR code).
        out: Folder for the report PDF.
        clock: The clock the month runs on (default: the system clock); the contract is dated
            from its today, so the demo works in any month.
    """
    from fastapi.testclient import TestClient

    from api.app import build_state, create_app
    from api.world import build_world
    from engine.db import unit_of_work
    from workflows.context import Ctx
    from workflows.people.service import create_platform_admin

    state = build_state(settings, clock=clock)
    with unit_of_work(state.sessions) as session:
        create_platform_admin(
            Ctx(session, state.clock, settings, state.processes),
            phone="13800000000",
            password="fireops-admin",  # noqa: S106 - the demo admin, printed by the demo
            name="平台管理员",
        )
    steps: list[str] = []
    # No scheduler while the demo drives the month: it would make the month's plan draft itself
    # (plans.create_month_drafts) in a race with the lead's plan below. ``--serve`` runs it after.
    app = create_app(settings, state=state, background=False)
    with TestClient(app, base_url=settings.base_url) as client:
        token = ok(
            client.post("/api/v1/auth/token", data={"username": "13800000000", "password": "fireops-admin"})
        )
        today = business_date(state.clock.now())
        world = build_world(client, {"Authorization": f"Bearer {token['access_token']}"}, today=today)
        steps.append(f"机构、人员、业主、合同、项目（2 栋建筑）已创建：{world.project_name}")
        month = run_month(client, world, today=today, log=steps)
    pdf_path = out / f"{month.report['code']}.pdf"
    pdf_path.write_bytes(month.pdf)
    state.engine.dispose()
    return DemoResult(
        pdf_path=pdf_path, verify_url=month.report["verify_url"], verify=month.verify, steps=steps
    )
