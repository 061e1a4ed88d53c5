"""Which fields each task kind takes (R-TASK, R-TASK-2): :mod:`workflows.tasks.create`, no database."""

from __future__ import annotations

import uuid

import pytest

from engine.errors import InvalidInput
from workflows.tasks.create import KIND_FIELDS, check_kind_fields
from workflows.tasks.models import TaskKind
from workflows.tasks.schemas import MismatchItem, TaskCreate

VALUES = {
    "line_ids": [uuid.uuid4()],
    "project_id": uuid.uuid4(),
    "test_item_ids": [uuid.uuid4()],
    "items": [MismatchItem(facility="智能疏散照明控制柜", item="a. 检查自动应急启动功能")],
    "executor_id": uuid.uuid4(),
}


class TestCheckKindFields:
    def test_every_field_of_the_body_belongs_to_some_kind(self) -> None:
        """A field added to ``TaskCreate`` must be given to a kind here, or it would always be refused."""
        assert set(TaskCreate.model_fields) == {"kind"} | set().union(*KIND_FIELDS.values())
        assert set(KIND_FIELDS) == {TaskKind.PLAN, TaskKind.SUPPLEMENTARY, TaskKind.MISMATCH}

    @pytest.mark.parametrize("kind", sorted(KIND_FIELDS))
    def test_r_task_2_each_foreign_field_is_named(self, kind: str) -> None:
        own = {name: VALUES[name] for name in KIND_FIELDS[kind]}
        check_kind_fields(TaskCreate.model_validate({"kind": kind, **own}))  # its own fields: accepted
        for name, value in VALUES.items():
            if name in KIND_FIELDS[kind]:
                continue
            with pytest.raises(InvalidInput) as refused:
                check_kind_fields(TaskCreate.model_validate({"kind": kind, **own, name: value}))
            assert refused.value.field == name and f"{name} 不适用于 {kind} 任务" in refused.value.message

    def test_empty_or_null_foreign_fields_are_not_given(self) -> None:
        """``[]`` and ``null`` are what a client sends for "not given": no refusal."""
        body = {
            "kind": "plan",
            "line_ids": VALUES["line_ids"],
            "items": [],
            "project_id": None,
            "executor_id": None,
        }
        check_kind_fields(TaskCreate.model_validate(body))
