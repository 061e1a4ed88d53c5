"""BPMN delegates of ``project_lifecycle`` (registered in :func:`workflows.delegates.build_registry`)."""

from __future__ import annotations

import uuid

from workflows.context import Ctx
from workflows.lifecycle.closure import cancel_project_processes


def cancel_processes(ctx: Ctx, project_id: str) -> dict[str, int]:
    """``lifecycle.cancel_project_processes``: the project was terminated (R-LIFE); cancel its other
    running processes, their work items and its open tasks. Returns the counts."""
    return cancel_project_processes(ctx, uuid.UUID(project_id))
