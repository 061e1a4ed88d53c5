"""Cards of the field operator's flows (channel-neutral): assigned work, plan lines, task items.

Callback nouns: ``line`` (issued plan lines: ``list``, ``start``) and ``task`` (``open``, ``item``,
``res``, ``fin``, ``submit``, ``recv``, ``done``). Lines of a task are addressed by their index in
:func:`ordered_results`, which does not depend on what was recorded, so a button stays valid while
the executor works through the task.
"""

from __future__ import annotations

from typing import Final

from bots.core.callbacks import encode
from bots.core.cards import Button, Card
from bots.core.i18n import register, t
from workflows.plans.schemas import PlanLineRead, PlanRead
from workflows.tasks.assigned import AssignedWork
from workflows.tasks.schemas import ResultRead, TaskRead

OUTCOME_CODES: Final = {"p": "pass", "f": "fail", "c": "cannot_test"}
"""Short outcome codes carried in button data → ``ItemResult.outcome``."""

register(
    {
        "op.menu": ("🧰 我的现场工作 ({n})", "🧰 My field work ({n})"),
        "op.work": ("您的现场工作：", "Your field work:"),
        "op.work_empty": (
            "目前没有下发给您的计划项或待办任务。",
            "No lines issued to you and no open tasks.",
        ),
        "op.plan_btn": ("📋 {project} · {code}（{n} 项待执行）", "📋 {project} · {code} ({n} lines to do)"),
        "op.task_btn": ("🔧 {code} {state}（{project}）", "🔧 {code} {state} ({project})"),
        "op.lines": (
            "计划 {code} {name}\n下发给您、待执行 {n} 项：",
            "Plan {code} {name}\n{n} lines issued to you:",
        ),
        "op.lines_none": (
            "计划 {code} 没有下发给您的待执行项。",
            "Plan {code} has no open lines issued to you.",
        ),
        "op.start_all": ("▶ 全部开始（{n} 项）", "▶ Start all ({n})"),
        "op.start_system": ("▶ {system}（{n}）", "▶ {system} ({n})"),
        "op.task_started": ("✅ 已创建任务 {code}（{n} 项）。", "✅ Task {code} created ({n} lines)."),
        "op.overview": (
            "任务 {code}（第 {round} 轮）· {state}\n项目：{project}\n"
            "已记录 {done}/{total} 项（不符合 {fail}，不能测试 {cannot}）\n"
            "照片 {photos} 张，自拍 {selfie}",
            "Task {code} (round {round}) · {state}\nProject: {project}\n"
            "Recorded {done}/{total} (fail {fail}, "
            "cannot test {cannot})\nPhotos {photos}, selfie {selfie}",
        ),
        "op.opinion": ("审核意见：{opinion}（{who}）", "Review opinion: {opinion} ({who})"),
        "op.yes": ("有", "yes"),
        "op.no": ("无", "no"),
        "op.btn_items": ("✏️ 逐项记录", "✏️ Record items"),
        "op.btn_finish": ("📍 自拍、定位并提交", "📍 Selfie, location, submit"),
        "op.btn_overview": ("📋 总览", "📋 Overview"),
        "op.btn_prev": ("⏮ 上一项", "⏮ Previous"),
        "op.btn_next": ("⏭ 下一项", "⏭ Next"),
        "op.btn_pass": ("✅ 符合", "✅ Pass"),
        "op.btn_fail": ("❌ 不符合", "❌ Fail"),
        "op.btn_cannot": ("⚪ 不能测试", "⚪ Cannot test"),
        "op.btn_submit": ("✅ 提交审核", "✅ Submit for review"),
        "op.item": (
            "{code} 第 {i}/{n} 项\n{system} / {facility}\n{item}\n"
            "标准：{criterion}\n当前：{outcome}{record}{photos}",
            "{code} item {i}/{n}\n{system} / {facility}\n{item}\n"
            "Criterion: {criterion}\nNow: {outcome}{record}"
            "{photos}",
        ),
        "op.item_record": ("\n实测记录：{record}", "\nRecord: {record}"),
        "op.item_photos": ("\n照片 {n} 张", "\nPhotos: {n}"),
        "op.ask_record": (
            "请输入「{item}」的实测记录（发送 - 表示无）：",
            "Type the measured record of “{item}” (- for none):",
        ),
        "op.recorded": ("已记录：{outcome}。", "Recorded: {outcome}."),
        "op.photo_needed": (
            "不符合项必须拍照（R-TASK-1）：请发送照片，可发送多张。",
            "A failed item needs photos (R-TASK-1): send one or more photos.",
        ),
        "op.photo_optional": ("如需要可发送照片。", "You may send photos."),
        "op.photo_saved": ("📷 已保存照片（本项共 {n} 张）。", "📷 Photo saved ({n} for this item)."),
        "op.ask_selfie": ("请发送提交人自拍照。", "Send the submitter's selfie."),
        "op.selfie_saved": (
            "🤳 自拍已保存。请发送您的位置（📎 → 位置，可共享实时位置）。",
            "🤳 Selfie saved. Now share your location (📎 → Location; live location works).",
        ),
        "op.ask_location": ("请发送您的位置（📎 → 位置）。", "Share your location (📎 → Location)."),
        "op.ask_photo": ("请发送照片。", "Please send a photo."),
        "op.located": (
            "📍 位置已收到（{lat:.5f}, {lon:.5f}）。确认提交任务 {code}？",
            "📍 Location received ({lat:.5f}, {lon:.5f}). Submit task {code}?",
        ),
        "op.submitted": (
            "✅ 任务 {code} 已提交审核（第 {round} 轮，距项目 {m} 米）— {at}",
            "✅ Task {code} submitted for review (round {round}, {m} m from the site) — {at}",
        ),
        "op.no_location": ("还没有收到位置，请先发送位置。", "No location yet: share your location first."),
        "op.fault_task": (
            "{kind}任务 {code} · {state}\n项目：{project}\n"
            "故障 {fault}：{facility} {item}\n记录：{record}{plan}",
            "{kind} task {code} · {state}\nProject: {project}\nFault {fault}: {facility} {item}\n"
            "Record: {record}{plan}",
        ),
        "op.repair_plan": ("\n维修方案：{plan}", "\nRepair plan: {plan}"),
        "op.btn_receive": ("📥 接收", "📥 Receive"),
        "op.btn_resolved": ("✅ 已解决", "✅ Resolved"),
        "op.btn_unresolved": ("❌ 未解决", "❌ Unresolved"),
        "op.received": ("📥 已接收任务 {code}。", "📥 Task {code} received."),
        "op.ask_note": ("请输入处理说明（{result}）：", "Type a note ({result}):"),
        "op.completed": (
            "✅ {kind}任务 {code} 已完成：{result} — {at}",
            "✅ {kind} task {code} completed: {result} — {at}",
        ),
        "op.kind.investigation": ("排查", "Investigation"),
        "op.kind.repair": ("维修", "Repair"),
        "op.state.draft": ("执行中", "in progress"),
        "op.state.rejected": ("待返工", "rework"),
        "op.state.submitted": ("已提交", "submitted"),
        "op.state.approved": ("已通过", "approved"),
        "op.state.completed": ("已完成", "completed"),
        "op.state.cancelled": ("已取消", "cancelled"),
    }
)


def state_label(state: str, lang: str) -> str:
    """Task state in words."""
    return t(f"op.state.{state}", lang)


def outcome_label(outcome: str | None, lang: str) -> str:
    """符合/不符合/不能测试 (or "not recorded")."""
    return t(f"outcome.{outcome or 'none'}", lang)


def work_card(work: AssignedWork, lang: str) -> Card:
    """The executor's plans with issued lines and open tasks, one button each."""
    rows = [
        [
            Button(
                t("op.plan_btn", lang, project=p.project_name, code=p.plan_code, n=p.open_lines),
                encode("line", "list", p.plan_id),
            )
        ]
        for p in work.plans
    ]
    rows += [
        [
            Button(
                t("op.task_btn", lang, code=x.code, state=state_label(x.state, lang), project=x.project_name),
                encode("task", "open", x.task_id),
            )
        ]
        for x in work.tasks
    ]
    return Card(t("op.work" if rows else "op.work_empty", lang), buttons=rows)


def line_systems(lines: list[PlanLineRead]) -> list[str]:
    """The distinct systems of ``lines`` in a stable order (button ``arg`` = index)."""
    return sorted({x.system for x in lines})


def plan_lines_card(plan: PlanRead, lines: list[PlanLineRead], lang: str) -> Card:
    """The open lines of a plan by system, with buttons to start a task of all or of one system."""
    if not lines:
        return Card(t("op.lines_none", lang, code=plan.code))
    systems = line_systems(lines)
    count = {s: sum(1 for x in lines if x.system == s) for s in systems}
    text = "\n".join(
        [
            t("op.lines", lang, code=plan.code, name=plan.name, n=len(lines)),
            *(f"• {s}：{count[s]}" for s in systems),
        ]
    )
    rows = [[Button(t("op.start_all", lang, n=len(lines)), encode("line", "start", plan.id))]]
    rows += [
        [Button(t("op.start_system", lang, system=s, n=count[s]), encode("line", "start", plan.id, i))]
        for i, s in enumerate(systems)
    ]
    return Card(text, buttons=rows)


def ordered_results(task: TaskRead) -> list[ResultRead]:
    """The task's lines in a fixed order (system, facility, item code), independent of outcomes."""
    return sorted(task.results, key=lambda r: (r.system, r.facility, r.item_code, str(r.plan_line_id)))


def overview_card(task: TaskRead, project_name: str, lang: str) -> Card:
    """A plan task's progress with buttons to record items and to finish."""
    results = ordered_results(task)
    done = [r for r in results if r.outcome]
    selfie = any(p.kind == "selfie" for p in task.photos)
    text = t(
        "op.overview",
        lang,
        code=task.code,
        round=task.round,
        state=state_label(task.state, lang),
        project=project_name,
        done=len(done),
        total=len(results),
        fail=sum(1 for r in done if r.outcome == "fail"),
        cannot=sum(1 for r in done if r.outcome == "cannot_test"),
        photos=sum(1 for p in task.photos if p.kind == "item"),
        selfie=t("op.yes" if selfie else "op.no", lang),
    )
    if task.state == "rejected" and task.reviews:
        last = task.reviews[-1]
        text += "\n" + t("op.opinion", lang, opinion=last.opinion or "", who=last.reviewer_name)
    first_open = next((i for i, r in enumerate(results) if not r.outcome), 0)
    rows = [
        [Button(t("op.btn_items", lang), encode("task", "item", task.id, first_open))],
        [Button(t("op.btn_finish", lang), encode("task", "fin", task.id))],
    ]
    return Card(text, buttons=rows)


def item_card(task: TaskRead, idx: int, lang: str) -> Card:
    """One line of a task with the three outcome buttons and navigation."""
    results = ordered_results(task)
    r = results[idx]
    record = t("op.item_record", lang, record=r.measured_record) if r.measured_record else ""
    photos = t("op.item_photos", lang, n=r.photo_count) if r.photo_count else ""
    text = t(
        "op.item",
        lang,
        code=task.code,
        i=idx + 1,
        n=len(results),
        system=r.system,
        facility=r.facility,
        item=r.item,
        criterion=r.criterion,
        outcome=outcome_label(r.outcome, lang),
        record=record,
        photos=photos,
    )
    rows = [
        [
            Button(t("op.btn_pass", lang), encode("task", "res", task.id, f"{idx}.p")),
            Button(t("op.btn_fail", lang), encode("task", "res", task.id, f"{idx}.f")),
            Button(t("op.btn_cannot", lang), encode("task", "res", task.id, f"{idx}.c")),
        ]
    ]
    return Card(text, buttons=rows + nav_rows(task, idx, lang))


def nav_rows(task: TaskRead, idx: int, lang: str) -> list[list[Button]]:
    """Previous / next / overview buttons of item ``idx`` (the last item offers finishing)."""
    n = len(task.results)
    row = []
    if idx > 0:
        row.append(Button(t("op.btn_prev", lang), encode("task", "item", task.id, idx - 1)))
    if idx + 1 < n:
        row.append(Button(t("op.btn_next", lang), encode("task", "item", task.id, idx + 1)))
    else:
        row.append(Button(t("op.btn_finish", lang), encode("task", "fin", task.id)))
    return [row, [Button(t("op.btn_overview", lang), encode("task", "open", task.id))]]


def recorded_card(task: TaskRead, idx: int, lang: str) -> Card:
    """After a result was recorded: what was stored, the photo hint, navigation."""
    r = ordered_results(task)[idx]
    hint = t("op.photo_needed" if r.outcome == "fail" else "op.photo_optional", lang)
    return Card(
        f"{t('op.recorded', lang, outcome=outcome_label(r.outcome, lang))}\n{hint}",
        buttons=nav_rows(task, idx, lang),
    )


def fault_task_card(task: TaskRead, fault: dict[str, str], project_name: str, lang: str) -> Card:
    """An investigation/repair task with receive / resolved / unresolved buttons."""
    plan = t("op.repair_plan", lang, plan=task.repair_plan) if task.repair_plan else ""
    text = t(
        "op.fault_task",
        lang,
        kind=t(f"op.kind.{task.kind}", lang),
        code=task.code,
        state=state_label(task.state, lang),
        project=project_name,
        fault=fault.get("code", ""),
        facility=fault.get("facility", ""),
        item=fault.get("item", ""),
        record=fault.get("record", ""),
        plan=plan,
    )
    rows = [
        [Button(t("op.btn_receive", lang), encode("task", "recv", task.id))],
        [
            Button(t("op.btn_resolved", lang), encode("task", "done", task.id, 1)),
            Button(t("op.btn_unresolved", lang), encode("task", "done", task.id, 0)),
        ],
    ]
    return Card(text, buttons=rows)
