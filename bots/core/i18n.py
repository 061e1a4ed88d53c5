"""The message catalog: every text the bots show, Chinese by default, English on request.

``t(key, lang, **params)`` formats the entry with ``str.format``. Unknown languages fall back to
Chinese, unknown keys to the key itself (visible in tests, never an exception). A person's language
is stored on their chat binding: set from Telegram's ``language_code`` when binding and changed with
``/lang zh|en``. Domain errors are shown with :func:`refusal_text`: ``error.<code>`` from the
catalog (``error.rule`` for rule violations) around the error's own message in the user's language
(domain messages are written ``中文 / English``).

Handler authors add their keys to :data:`CATALOG` (or their own dict merged with :func:`register`).
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Final

DEFAULT_LANG: Final = "zh"
LANGS: Final = ("zh", "en")

CATALOG: dict[str, tuple[str, str]] = {
    # identity and common commands
    "start.unbound": (
        "您好！请向本机构系统管理员索取绑定码，然后发送 /start <绑定码>。",
        "Hello! Ask your agency admin for a binding code, then send /start <code>.",
    ),
    "start.bound": (
        "✅ 已绑定：{name}（{roles}）。发送 /menu 查看待办。",
        "✅ Bound to {name} ({roles}). Send /menu for your work.",
    ),
    "start.welcome": ("您好，{name}！发送 /menu 查看待办。", "Hello {name}! Send /menu for your work."),
    "unbind.done": ("已解除绑定。", "Unbound."),
    "unbind.none": ("此账号尚未绑定。", "This account is not bound."),
    "lang.set": ("语言已设置为中文。", "Language set to English."),
    "lang.usage": ("用法：/lang zh 或 /lang en", "Usage: /lang zh or /lang en"),
    "only_start": ("请先绑定：发送 /start <绑定码>。", "Please bind first: send /start <code>."),
    "callback.invalid": ("按钮已失效，请发送 /menu。", "This button is no longer valid; send /menu."),
    "dialog.cancelled": ("已取消。", "Cancelled."),
    "dialog.nothing": ("当前没有进行中的操作。发送 /menu 查看待办。", "Nothing in progress. Send /menu."),
    "dialog.expect_text": ("请输入文字，或发送 /cancel 取消。", "Please type a text, or /cancel."),
    "error.unexpected": ("操作未完成，请稍后再试。", "That did not work; please try again later."),
    "error.generic": ("操作失败：{message}", "Failed: {message}"),
    # menu
    "menu.title": ("{name}，您的待办：", "{name}, your work:"),
    "menu.empty": ("{name}，目前没有待办。", "{name}, nothing to do right now."),
    "menu.review": ("📥 待审核任务 ({n})", "📥 Tasks to review ({n})"),
    "menu.faults": ("⚠️ 待处理故障 ({n})", "⚠️ Faults to dispose ({n})"),
    "menu.issue": ("📋 待下发计划 ({n})", "📋 Plans to issue ({n})"),
    "menu.report": ("📄 待生成报告 ({n})", "📄 Reports to generate ({n})"),
    "menu.file": ("🗂 待备案报告 ({n})", "🗂 Reports to file ({n})"),
    "menu.suspensions": ("⏸ 停业申请 ({n})", "⏸ Suspension requests ({n})"),
    "menu.stats": ("📊 辖区统计", "📊 Jurisdiction statistics"),
    "list.none": ("没有待办事项。", "Nothing waiting."),
    # review
    "review.list": ("待审核任务：", "Tasks waiting for review:"),
    "review.header": (
        "任务 {code}（第 {round} 轮）\n执行人：{executor}\n提交：{submitted}\n位置：{where}",
        "Task {code} (round {round})\nExecutor: {executor}\nSubmitted: {submitted}\nWhere: {where}",
    ),
    "review.where_in": ("在项目范围内（{m} 米）", "within the site ({m} m)"),
    "review.where_out": ("⚠️ 距项目 {m} 米", "⚠️ {m} m from the site"),
    "review.where_none": ("未知", "unknown"),
    "review.passed_more": ("另有 {n} 项符合。", "{n} more items pass."),
    "review.photos": ("📷 照片 {n} 张", "📷 {n} photos"),
    "outcome.fail": ("❌ 不符合", "❌ fail"),
    "outcome.cannot_test": ("⚪ 不能测试", "⚪ cannot test"),
    "outcome.pass": ("✅ 符合", "✅ pass"),
    "outcome.none": ("… 未记录", "… not recorded"),
    "btn.approve": ("✅ 通过", "✅ Approve"),
    "btn.reject": ("❌ 不通过", "❌ Reject"),
    "btn.cancel": ("取消", "Cancel"),
    "review.ask_opinion": (
        "请输入审核不通过的意见（将发给执行人），或 /cancel：",
        "Type the reason for rejecting (sent to the executor), or /cancel:",
    ),
    "review.approved": ("✅ {code} 已通过 — {who} {at}", "✅ {code} approved — {who} {at}"),
    "review.rejected": (
        "❌ {code} 未通过 — {who} {at}\n意见：{opinion}",
        "❌ {code} rejected — {who} {at}\nOpinion: {opinion}",
    ),
    "review.rev1": (
        "不能通过 {code}：R-REV-1 审核通过前必须处理本任务发现的所有故障。尚未处理：",
        "Cannot approve {code}: R-REV-1 every fault found by the task must be disposed first. Undisposed:",
    ),
    # faults
    "fault.list": ("待处理故障：", "Faults to dispose:"),
    "fault.card": (
        "故障 {code}\n{system} / {facility}\n{item}\n记录：{record}\n状态：{status}",
        "Fault {code}\n{system} / {facility}\n{item}\nRecord: {record}\nStatus: {status}",
    ),
    "fault.pick_kind": ("请选择处理方式：", "Choose a disposition:"),
    # the five dispositions of R-FAULT, as in a sentence; buttons add an icon (disposition_label)
    "disposition.investigate": ("排查", "investigate"),
    "disposition.owner_approved_repair": ("业主同意维修", "owner-approved repair"),
    "disposition.owner_refused_repair": ("业主不同意维修", "owner refused repair"),
    "disposition.out_of_scope": ("不在合同范围内", "out of contract scope"),
    "disposition.negotiating": ("与业主沟通中", "negotiating with the owner"),
    "fault.ask_explanation": (
        "请输入说明（{kind}），或 /cancel：",
        "Type the explanation ({kind}), or /cancel:",
    ),
    "fault.ask_repair_plan": ("请输入维修方案，或 /cancel：", "Type the repair plan, or /cancel:"),
    "fault.pick_leader": ("请选择组长（{kind}）：", "Choose the leader ({kind}):"),
    "fault.no_leader": ("本机构没有可选的执行人员。", "The agency has no executor to choose."),
    "fault.disposed": ("✅ {code} 已处理：{kind} — {who} {at}", "✅ {code} disposed: {kind} — {who} {at}"),
    # plans
    "plan.list": ("待下发计划：", "Plans to issue:"),
    "plan.card": (
        "计划 {code} {name}\n共 {total} 项，已下发 {issued} 项，未下发 {left} 项。\n选择要下发的系统：",
        "Plan {code} {name}\n{total} lines, {issued} issued, {left} left.\nChoose a system to issue:",
    ),
    "plan.all": ("全部未下发 ({n})", "All remaining ({n})"),
    "plan.nothing_left": ("计划 {code} 已全部下发。", "Plan {code} is fully issued."),
    "plan.pick_executor": ("下发 {n} 项给：", "Issue {n} lines to:"),
    "plan.issued": (
        "✅ 已下发 {n} 项给 {executor}（{code}，未下发 {left} 项）— {who} {at}",
        "✅ Issued {n} lines to {executor} ({code}, {left} left) — {who} {at}",
    ),
    # reports
    "report.list": ("待生成报告的计划：", "Plans ready for a report:"),
    "report.generate": ("📄 生成 {code} 报告", "📄 Generate the report of {code}"),
    "report.generated": (
        "📄 报告 {code} 已生成（第 {revision} 版），备案期限 {due}。— {who} {at}",
        "📄 Report {code} generated (revision {revision}); file by {due}. — {who} {at}",
    ),
    "report.file_list": ("待备案报告：", "Reports to file:"),
    "report.card": (
        "报告 {code}（第 {revision} 版）\n{title}\n状态：{status}\n备案期限：{due}",
        "Report {code} (revision {revision})\n{title}\nStatus: {status}\nFile by: {due}",
    ),
    "btn.pdf": ("📄 PDF", "📄 PDF"),
    "btn.file": ("🗂 备案", "🗂 File"),
    "report.cannot_file": (
        "此报告现在不能由您备案：只有本机构技术负责人可以备案已生成、未备案的报告（R-FILE）。",
        "You cannot file this report now: a technical lead of the agency files a generated, unfiled "
        "report (R-FILE).",
    ),
    "report.ask_opinion": ("请输入备案意见，或 /cancel：", "Type the filing opinion, or /cancel:"),
    "report.filed": ("🗂 报告 {code} 已备案 — {who} {at}", "🗂 Report {code} filed — {who} {at}"),
    # fire department
    "susp.list": ("待审批的停业申请：", "Suspension requests to decide:"),
    "susp.card": (
        "停业申请\n项目：{project}\n原因：{reason}\n期间：{period}",
        "Suspension request\nProject: {project}\nReason: {reason}\nPeriod: {period}",
    ),
    "susp.already": (
        "⏱ 该申请已由 {who} 于 {at} 处理（{state}），本次未重复处理。",
        "⏱ Already decided by {who} at {at} ({state}); nothing was changed.",
    ),
    "susp.ask_reject": ("请输入不同意的理由，或 /cancel：", "Type the reason for refusing, or /cancel:"),
    "susp.approved": ("✅ 停业申请已同意 — {who} {at}", "✅ Suspension approved — {who} {at}"),
    "susp.rejected": (
        "❌ 停业申请未同意 — {who} {at}\n理由：{opinion}",
        "❌ Suspension refused — {who} {at}\nReason: {opinion}",
    ),
    "stats.card": (
        "辖区 {jurisdiction} {month} 统计（截至 {as_of}）",
        "Jurisdiction {jurisdiction}, {month} (as of {as_of})",
    ),
    "stats.agency": (
        "{name}：项目 {projects}，应报 {due}，按时备案 {on_time}，逾期备案 {filed_late}，未备案 {unfiled}，"
        "逾期未出报告 {overdue}，进行中 {in_progress}，未关闭故障 {faults}",
        "{name}: projects {projects}, due {due}, filed on time {on_time}, filed late {filed_late}, "
        "unfiled {unfiled}, overdue {overdue}, in progress {in_progress}, open faults {faults}",
    ),
    # states
    "status.pending": ("待处理", "pending"),
    "status.investigating": ("排查中", "investigating"),
    "status.repairing": ("维修中", "repairing"),
    "status.resolved": ("已解决", "resolved"),
    "status.refused": ("业主不同意维修", "refused by owner"),
    "status.out_of_scope": ("不在合同范围内", "out of scope"),
    "status.negotiating": ("与业主沟通中", "negotiating"),
    "status.void": ("已作废", "void"),
    "status.generated": ("已生成，待备案", "generated, to be filed"),
    "status.filed": ("已备案", "filed"),
    "status.deleted": ("已删除", "deleted"),
    "status.approved": ("已同意", "approved"),
    "status.rejected": ("未同意", "rejected"),
    "status.withdrawn": ("已撤回", "withdrawn"),
    "status.cancelled": ("已取消", "cancelled"),
    # roles (start.bound)
    "role.platform_admin": ("系统管理员(平台)", "platform admin"),
    "role.agency_admin": ("机构系统管理员", "agency admin"),
    "role.enterprise_manager": ("企业管理人员", "enterprise manager"),
    "role.technical_lead": ("技术负责人", "technical lead"),
    "role.project_lead": ("项目负责人", "project lead"),
    "role.field_operator": ("现场作业人员", "field operator"),
    "role.owner_contact": ("业主联系人", "owner contact"),
    "role.fire_supervisor": ("消防监督员", "fire supervisor"),
    "role.sep": ("、", ", "),
    # refusals: ``error.<DomainError.code>``; ``{detail}`` is the error's own message in the user's language
    "error.not_found": (
        "🔎 {detail}。它可能已删除，或不在您的权限范围内；发送 /menu 查看您的待办。",
        "🔎 {detail}. It may be gone, or outside what you may see; send /menu for your work.",
    ),
    "error.forbidden": (
        "⛔ {detail}。如需办理，请联系项目负责人或本机构系统管理员。",
        "⛔ {detail}. If you need to do this, ask the project lead or your agency admin.",
    ),
    "error.conflict": (
        "⚠️ {detail}。发送 /menu 查看最新状态。",
        "⚠️ {detail}. Send /menu to see the current state.",
    ),
    "error.invalid_input": ("✏️ {detail}。请修改后重试。", "✏️ {detail}. Please correct it and try again."),
    "error.task_already_reviewed": ("ℹ️ {detail}。", "ℹ️ {detail}."),
    "error.stale_decision": (
        "⏱ 该卡片已过期：已由 {who} 于 {at} 处理（{what}），本次未重复处理。",
        "⏱ This card is out of date: already decided by {who} at {at} ({what}); nothing was changed.",
    ),
    "error.already_bound": (
        "此 Telegram 账号已绑定，请先发送 /unbind 再绑定其他人员。",
        "This Telegram account is bound already: send /unbind first to bind another person.",
    ),
    "error.invalid_input.code": (
        "绑定码无效、已使用或已过期，请向本机构系统管理员索取新的绑定码。",
        "The binding code is unknown, used or expired: ask your agency admin for a new one.",
    ),
    "error.R-ROLE-6": (
        "R-ROLE-6：该人员已绑定另一个账号（一人一号），请先在原账号发送 /unbind。",
        "R-ROLE-6: the person has another account bound (one account per person); send /unbind "
        "from that account first.",
    ),
    "error.payload_too_large": (
        "📦 {detail}。请发送较小的照片。",
        "📦 {detail}. Please send a smaller photo.",
    ),
    "error.unsupported_media": (
        "🖼 {detail}。请发送 JPEG 或 PNG 照片。",
        "🖼 {detail}. Please send a JPEG or PNG photo.",
    ),
    "error.rule": ("📏 {rule}：{detail}", "📏 {rule}: {detail}"),
}


def register(entries: dict[str, tuple[str, str]]) -> None:
    """Add a feature's entries ``{key: (zh, en)}``; an existing key must not be redefined differently.

    Raises:
        ValueError: the key exists with other texts.
    """
    for key, texts in entries.items():
        if CATALOG.get(key, texts) != texts:
            raise ValueError(f"i18n key defined twice: {key}")
        CATALOG[key] = texts


def normalize_lang(code: str | None) -> str:
    """``zh``/``en`` from a language tag such as Telegram's ``language_code`` (``en-GB`` → ``en``)."""
    if code and code.lower().split("-")[0] == "en":
        return "en"
    return DEFAULT_LANG


def t(key: str, lang: str = DEFAULT_LANG, **params: object) -> str:
    """The text of ``key`` in ``lang``, formatted with ``params``."""
    texts = CATALOG.get(key)
    if texts is None:
        return key
    text = texts[1] if lang == "en" else texts[0]
    return text.format(**params) if params else text


def status_label(status: str | None, lang: str = DEFAULT_LANG) -> str:
    """The label of a state value (``pending`` → ``待处理``); unknown values are shown as they are."""
    key = f"status.{status}"
    return t(key, lang) if key in CATALOG else str(status or "")


DISPOSITION_ICONS: Final[dict[str, str]] = {
    "investigate": "🔍",
    "owner_approved_repair": "🛠",
    "owner_refused_repair": "🚫",
    "out_of_scope": "📎",
    "negotiating": "💬",
}
"""The icon of each disposition kind (``DispositionKind`` values, R-FAULT) on buttons and decided cards."""


def disposition_label(kind: str, lang: str = DEFAULT_LANG, *, icon: bool = False) -> str:
    """The name of a disposition kind (``DispositionKind`` value, R-FAULT) in ``lang``.

    Args:
        kind: ``investigate``, ``owner_approved_repair``, ``owner_refused_repair``, ``out_of_scope``
            or ``negotiating``; anything else is returned as it is.
        lang: ``zh`` or ``en``.
        icon: With its icon and a capital letter, for buttons and decided cards (``🔍 排查``,
            ``🔍 Investigate``); without, for sentences (``处理方式：排查`` / ``disposed: investigate``).
    """
    if kind not in DISPOSITION_ICONS:
        return kind
    name = t(f"disposition.{kind}", lang)
    return f"{DISPOSITION_ICONS[kind]} {name[:1].upper()}{name[1:]}" if icon else name


def has(key: str) -> bool:
    """Whether the catalog has ``key``."""
    return key in CATALOG


def role_labels(roles: Iterable[str], lang: str = DEFAULT_LANG) -> str:
    """``技术负责人、项目负责人`` / ``technical lead, project lead`` (unknown role values left out)."""
    values = [str(r) for r in roles]
    names = [t(f"role.{r}", lang) for r in values if has(f"role.{r}")]
    return t("role.sep", lang).join(names)


def _has_cjk(text: str) -> bool:
    return any("\u4e00" <= ch <= "\u9fff" for ch in text)


def localized(message: str, lang: str = DEFAULT_LANG) -> str:
    """One language of a domain message written ``中文 / English``.

    Chinese: the text before the first `` / ``. English: the last part after a `` / `` that has no
    Chinese characters; a message without one is returned whole (better some text than none).
    """
    parts = [p.strip() for p in message.split(" / ")]
    if len(parts) == 1:
        return message.strip()
    if lang != "en":
        return parts[0]
    english = [p for p in parts[1:] if p and not _has_cjk(p)]
    return english[-1] if english else message.strip()


def refusal_text(
    code: str, message: str, lang: str = DEFAULT_LANG, *, field: str | None = None, **params: object
) -> str:
    """What to show when a service refused: ``error.<code>.<field>`` or ``error.<code>`` from the
    catalog with the message's part in ``lang`` as ``{detail}`` (and ``params``, e.g. who decided a
    stale card), else that part alone.

    Rule violations (code ``R-…``) without their own entry use ``error.rule``.
    """
    detail = localized(message, lang)
    rule = code if code.startswith("R-") else None
    for prefix in (f"{rule}: " if rule else None, f"{field}: " if field else None):
        if prefix and detail.startswith(prefix):
            detail = detail[len(prefix) :]
    key = f"error.{code}.{field}" if field and has(f"error.{code}.{field}") else f"error.{code}"
    if has(key):
        return t(key, lang, detail=detail.rstrip("。."), rule=rule or code, **params)
    if rule:
        return t("error.rule", lang, rule=rule, detail=detail)
    return detail
