"""The message catalog of pushes (``notify.*``, Chinese and English): registered, and filled from
the payloads, by :mod:`bots.core.notification_texts`.

Keys: ``notify.btn.<name>`` button labels; ``notify.<kind>.title`` / ``.body`` per outbox kind (some
kinds have variants, e.g. ``notify.task.reviewed.approve.title``); bodies are ``str.format``
templates filled from the payload's raw fields (``{project}``, ``{code}`` …).
"""

from __future__ import annotations

from typing import Final

NOTIFICATION_CATALOG: Final[dict[str, tuple[str, str]]] = {
    "notify.btn.menu": ("打开待办", "Open my work"),
    "notify.btn.lines": ("📋 查看计划项", "📋 Open the lines"),
    "notify.btn.review": ("📥 审核", "📥 Review"),
    "notify.btn.task": ("🔧 查看任务", "🔧 Open the task"),
    "notify.btn.rework": ("✏️ 返工", "✏️ Rework"),
    "notify.btn.my_fault_task": ("🔧 打开我的任务", "🔧 Open my task"),
    "notify.btn.fault": ("⚠️ 查看故障", "⚠️ Open the fault"),
    "notify.btn.dispose": ("⚠️ 处理故障", "⚠️ Dispose the fault"),
    "notify.btn.history": ("📜 查看处理经过", "📜 See the handling"),
    "notify.btn.report": ("📄 查看报告", "📄 Open the report"),
    "notify.btn.file": ("🗂 查看并备案", "🗂 Open and file"),
    "notify.btn.owner_report": ("📄 查看报告（PDF）", "📄 Open the report (PDF)"),
    "notify.btn.plan": ("📋 下发计划", "📋 Issue the plan"),
    "notify.btn.suspension": ("⏸ 审批", "⏸ Decide"),
    "notify.btn.faults": ("⚠️ 查看故障", "⚠️ See the faults"),
    "notify.task.issued.title": ("📋 新的计划任务", "📋 New plan lines"),
    "notify.task.issued.body": (
        "{project}：{plan}下发给您 {n} 个计划项，请于 {end} 前执行。",
        "{project}: {n} lines of {plan} were issued to you; carry them out by {end}.",
    ),
    "notify.task.submitted.title": ("📥 任务待审核", "📥 Task to review"),
    "notify.task.submitted.body": (
        "{project}：{executor} 提交了任务 {code}（第 {round} 轮）{faults}，请审核。",
        "{project}: {executor} submitted task {code} (round {round}){faults}; please review it.",
    ),
    "notify.task.submitted.faults": ("，发现 {n} 项故障", ", {n} faults found"),
    "notify.task.reviewed.approve.title": ("✅ 任务审核通过", "✅ Task approved"),
    "notify.task.reviewed.approve.body": (
        "{project}：任务 {code} 已由 {reviewer} 审核通过。",
        "{project}: task {code} was approved by {reviewer}.",
    ),
    "notify.task.reviewed.reject.title": ("↩️ 任务被退回", "↩️ Task returned"),
    "notify.task.reviewed.reject.body": (
        "{project}：任务 {code} 未通过审核（{reviewer}）。\n意见：{opinion}\n请修改后重新提交。",
        "{project}: task {code} was returned by {reviewer}.\nOpinion: {opinion}\n"
        "Please fix it and submit again.",
    ),
    "notify.fault.disposed.title": ("⚠️ 故障已处理", "⚠️ Fault disposed"),
    "notify.fault.disposed.body": (
        "{project}：故障 {code} 的处理方式：{kind}。{detail}",
        "{project}: fault {code} was disposed: {kind}. {detail}",
    ),
    "notify.fault.disposed.led.investigate.title": ("🔍 新的排查任务", "🔍 New investigation task"),
    "notify.fault.disposed.led.owner_approved_repair.title": ("🛠 新的维修任务", "🛠 New repair task"),
    "notify.fault.disposed.led.body": (
        "{project}：故障 {code}（{kind}）由您负责。{detail}",
        "{project}: you lead fault {code} ({kind}). {detail}",
    ),
    "notify.report.generated.title": ("📄 报告待备案", "📄 Report to file"),
    "notify.report.generated.body": (
        "{project}：{plan}的报告 {code}（第 {revision} 版）已生成，请于 {due} 前备案（R-FILE-1）。",
        "{project}: report {code} of {plan} (revision {revision}) was generated; "
        "file it by {due} (R-FILE-1).",
    ),
    "notify.report.filed.title": ("🗂 报告已备案", "🗂 Report filed"),
    "notify.report.filed.body": (
        "{project}：报告 {code} 已由 {who} 备案{late}。",
        "{project}: report {code} was filed by {who}{late}.",
    ),
    "notify.report.filed.late": ("（逾期备案）", " (filed late)"),
    "notify.suspension.decided.approved.title": ("⏸ 暂停申请已批准", "⏸ Suspension approved"),
    "notify.suspension.decided.rejected.title": ("⏸ 暂停申请已驳回", "⏸ Suspension rejected"),
    "notify.suspension.decided.approved.body": (
        "{project}：{month} 的暂停申请已批准，该月不做计划和报告。{opinion}",
        "{project}: the suspension of {month} was approved; the month gets no plan and no report. {opinion}",
    ),
    "notify.suspension.decided.rejected.body": (
        "{project}：{month} 的暂停申请已驳回。{opinion}",
        "{project}: the suspension of {month} was rejected. {opinion}",
    ),
    "notify.opinion": ("审批意见：{opinion}", "Opinion: {opinion}"),
    "notify.repair_request.received.title": ("🛠 业主报修 {code}", "🛠 Owner repair request {code}"),
    "notify.repair_request.received.body": (
        "{project}：业主报修「{facility}」（{location}），请处理故障 {code}。",
        "{project}: the owner reports a problem with “{facility}” ({location}); dispose fault {code}.",
    ),
    "notify.reminder.plan_issue_due.title": ("⏰ 请按时下发本月计划", "⏰ Issue this month's plan"),
    "notify.reminder.plan_issue_overdue.title": ("⏰ 计划下发已逾期", "⏰ Plan issue overdue"),
    "notify.reminder.plan_issue.body": (
        "{project}：{month} 的维护保养计划{state}，应于 {due} 前下发。",
        "{project}: the maintenance plan of {month} {state}; it is due by {due}.",
    ),
    "notify.reminder.plan_issue.missing": ("尚未制定", "has not been made"),
    "notify.reminder.plan_issue.partial": ("尚未全部下发", "is not fully issued"),
    "notify.reminder.tasks_due.title": ("⏰ 本月任务即将到期", "⏰ Plan tasks due soon"),
    "notify.reminder.tasks_due.today_title": ("⏰ 本月任务今天到期", "⏰ Plan tasks due today"),
    "notify.reminder.tasks_due.body": (
        "{project}：{plan}还有 {n} 个计划项未提交，{when}截止；逾期当月报告不能生成（R-RPT-1）。",
        "{project}: {n} lines of {plan} are not submitted; they are due {when}. After that the "
        "month's report cannot be generated (R-RPT-1).",
    ),
    "notify.reminder.tasks_due.today": ("今天", "today"),
    "notify.reminder.tasks_due.in_days": ("{d} 天后（{end}）", "in {d} days ({end})"),
    "notify.reminder.review_due.title": ("⏰ 任务待审核已超时", "⏰ Review overdue"),
    "notify.reminder.review_due.body": (
        "{project}：任务 {code}（第 {round} 轮）提交已超过审核期限，请尽快审核。",
        "{project}: task {code} (round {round}) has waited longer than the review deadline; "
        "please review it.",
    ),
    "notify.reminder.filing_due.title": ("⏰ 报告待备案提醒", "⏰ Report filing due"),
    "notify.reminder.filing_due.body": (
        "{project}：报告 {code} 请于 {due} 前备案（R-FILE-1）。",
        "{project}: file report {code} by {due} (R-FILE-1).",
    ),
    "notify.reminder.filing_overdue.title": ("⏰ 报告备案已逾期", "⏰ Report filing overdue"),
    "notify.reminder.filing_overdue.body": (
        "{project}：报告 {code} 备案已逾期（期限 {due}），请立即备案（R-FILE-1）。",
        "{project}: report {code} is overdue for filing (deadline {due}); file it now (R-FILE-1).",
    ),
    "notify.reminder.suspension_decision_due.title": (
        "⏰ 暂停申请今天到期",
        "⏰ Suspension decision due today",
    ),
    "notify.reminder.suspension_decision_overdue.title": (
        "⏰ 暂停申请审批已超时",
        "⏰ Suspension decision overdue",
    ),
    "notify.reminder.suspension.body": (
        "{project}：{month} 的暂停申请 {code} 等待您审批。",
        "{project}: suspension request {code} for {month} waits for your decision.",
    ),
    "notify.reminder.fault_digest.title": ("📊 未解决故障月度汇总", "📊 Monthly digest of open faults"),
    "notify.reminder.fault_digest.body": (
        "{project}：与业主沟通中的故障 {negotiating} 项，业主不同意维修的故障 {refused} 项。{codes}",
        "{project}: {negotiating} faults negotiating with the owner, {refused} refused by the owner. {codes}",
    ),
    "notify.reminder.contract_ending.title": ("📅 合同即将到期", "📅 Contract ending"),
    "notify.reminder.contract_ending.body": (
        "合同“{name}”将于 {ends} 到期，请及时续签或办理项目完成。",
        "Contract “{name}” ends on {ends}; renew it or complete its projects.",
    ),
}
