"""Tasks without a plan (R-TASK-2): supplementary tests (补充测试项) and spec mismatches
(设施与当前规范不匹配).

Seed 001 §2.3/§2.4: an engineer called to the site by the owner, with no plan, records a
*supplementary* task of catalog items; where the site has a facility the current catalog lacks,
a *mismatch* task records free-text items. Both are executed, submitted and reviewed exactly like
plan tasks (results, photos, selfie, GPS, faults, R-REV-1/2), but they "only supplement the plan
tasks and can never make a report on their own": a report is always a plan's report, and these
tasks join it only when the lead ticks them (``extra_task_ids`` of
:func:`workflows.reports.service.generate_report`).

Their lines are :class:`~workflows.plans.models.PlanLine` rows with no plan, so results, photos
and faults refer to them as they do to plan lines.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence

from sqlalchemy import select

from engine.errors import Forbidden, InvalidInput, RuleViolation
from workflows.catalog.models import TestItem
from workflows.context import Ctx
from workflows.contracts.models import Contract, ContractType
from workflows.people.models import Person
from workflows.people.rules import EXECUTOR_ROLES
from workflows.people.scope import get_project, require_manager, roles_of
from workflows.plans.models import PlanLine
from workflows.projects.models import Project, ProjectFacility, ProjectStatus
from workflows.tasks.models import Task, TaskKind
from workflows.tasks.schemas import MismatchItem
from workflows.tasks.start import start_task

EXTRA_TASK_KINDS = frozenset({TaskKind.SUPPLEMENTARY, TaskKind.MISMATCH})
"""The task kinds an executor builds without a plan (R-TASK-2)."""


def create_extra_task(
    ctx: Ctx,
    *,
    kind: str,
    project_id: uuid.UUID | None,
    test_item_ids: Sequence[uuid.UUID] = (),
    items: Sequence[MismatchItem] = (),
    executor_id: uuid.UUID | None = None,
) -> Task:
    """Create a supplementary or mismatch task (no plan) and start its ``task_review`` process.

    Args:
        ctx: The acting person: an executor (field operator or project lead) who sees the project
            and executes the task, or, with ``executor_id``, a manager of the project (its project
            lead, a technical lead or enterprise manager of the agency) creating it for an executor.
        kind: ``supplementary`` (补充测试项) or ``mismatch`` (设施与当前规范不匹配).
        project_id: The project (``Project.id``).
        test_item_ids: ``supplementary`` only: catalog ``TestItem.id`` values of facilities selected
            for the project (R-CAT-1), 1-500, no duplicates.
        items: ``mismatch`` only: 1-200 free-text items (facility, item, optional system/criterion).
        executor_id: Who executes the task; ``None`` means the caller.

    Returns:
        The new task in ``draft`` state, with one plan-less line per item.

    Raises:
        NotFound: the project is not visible to the caller (404).
        Forbidden: the caller is no executor and names none, or creates it for someone else
            without managing the project (403).
        InvalidInput: wrong ``kind``; missing or misplaced items (``test_item_ids``/``items``); an item
            not of the project's facilities; the executor is not an enabled executor of the agency
            (``executor_id``) (422).
        RuleViolation: ``R-LIFE`` the project is not active; ``R-TASK-2`` not a maintenance
            project (only maintenance reports take extra tasks) (409).
    """
    actor = ctx.actor
    if actor is None:
        raise InvalidInput("actor", "需要登录用户 / an acting person is required")
    if kind not in EXTRA_TASK_KINDS:
        raise InvalidInput(
            "kind",
            "这里只能建补充测试项（supplementary）或规范不匹配（mismatch）任务；按计划自建任务请选择下发给您的计划项（line_ids）"
            " / only supplementary or mismatch tasks are built here: plan tasks are built from the lines"
            " issued to you (line_ids)",
        )
    if project_id is None:
        raise InvalidInput("project_id", "补充测试项/规范不匹配任务须指定项目 / project_id is required")
    project = get_project(ctx, actor, project_id, for_update=True)
    executor = _executor(ctx, actor, project, executor_id)
    if project.status != ProjectStatus.ACTIVE:
        raise RuleViolation("R-LIFE", "项目不在进行中 / the project is not active")
    contract = ctx.session.get(Contract, project.contract_id)
    if contract is None or contract.type != ContractType.MAINTENANCE:
        raise RuleViolation(
            "R-TASK-2",
            "补充测试项和规范不匹配任务只用于维护保养项目 / extra tasks belong to maintenance projects",
        )
    now = ctx.clock.now()
    if kind == TaskKind.SUPPLEMENTARY:
        if items:
            raise InvalidInput("items", "补充测试项请选择目录测试项 test_item_ids / use test_item_ids")
        lines = _supplementary_lines(ctx, project, test_item_ids)
    else:
        if test_item_ids:
            raise InvalidInput(
                "test_item_ids", "规范不匹配任务请填写自定义测试项 items / use free-text items"
            )
        if not items:
            raise InvalidInput("items", "请至少填写一个测试项 / at least one item is required")
        lines = [
            PlanLine(
                free_system=it.system.strip() or None,
                free_facility=it.facility.strip(),
                free_item=it.item.strip(),
                free_criterion=it.criterion.strip() or None,
            )
            for it in items
        ]
        if any(not line.free_facility or not line.free_item for line in lines):
            raise InvalidInput("items", "测试项的设施和内容不能为空 / facility and item must not be blank")
    for position, line in enumerate(lines):
        line.plan_id, line.position = None, position
        line.executor_id, line.issued_at = executor.id, now
    ctx.session.add_all(lines)
    return start_task(
        ctx,
        project,
        kind=TaskKind(kind),
        plan_id=None,
        executor_id=executor.id,
        lines=lines,
        audit_extra={"kind": kind, "executor_id": executor.id},
    )


def _executor(ctx: Ctx, actor: Person, project: Project, executor_id: uuid.UUID | None) -> Person:
    """The person who will execute the task (see :func:`create_extra_task` for who may choose)."""
    if executor_id is None or executor_id == actor.id:
        if not roles_of(actor) & EXECUTOR_ROLES or actor.agency_id != project.agency_id:
            raise Forbidden(
                "只有本机构的现场作业人员或项目负责人可以执行任务；管理人员请用 executor_id 指定执行人员"
                " / only an executor of the agency may execute a task: managers name one in executor_id"
            )
        return actor
    require_manager(actor, project, action="为他人创建任务 / create a task for someone else")
    executor = ctx.session.get(Person, executor_id)
    if (
        executor is None
        or executor.agency_id != project.agency_id
        or not executor.enabled
        or not roles_of(executor) & EXECUTOR_ROLES
    ):
        raise InvalidInput(
            "executor_id",
            "执行人员须为本机构已启用的现场作业人员或项目负责人 / not an executor of this agency",
        )
    return executor


def _supplementary_lines(ctx: Ctx, project: Project, test_item_ids: Sequence[uuid.UUID]) -> list[PlanLine]:
    """One line per catalog item; every item must be of a facility selected for the project (R-CAT-1)."""
    if not test_item_ids:
        raise InvalidInput("test_item_ids", "请至少选择一个测试项 / choose at least one test item")
    if len(set(test_item_ids)) != len(test_item_ids):
        raise InvalidInput("test_item_ids", "测试项不能重复 / a test item is listed twice")
    found = set(
        ctx.session.scalars(
            select(TestItem.id)
            .join(ProjectFacility, ProjectFacility.facility_id == TestItem.facility_id)
            .where(ProjectFacility.project_id == project.id, TestItem.id.in_(set(test_item_ids)))
        )
    )
    if found != set(test_item_ids):
        raise InvalidInput(
            "test_item_ids",
            f"{len(set(test_item_ids) - found)} 个测试项不属于本项目选择的消防设施"
            " / some items are not of the project's selected facilities",
        )
    return [PlanLine(test_item_id=item_id) for item_id in test_item_ids]
