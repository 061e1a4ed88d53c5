"""Opening a fault (R-FAULT): a failed item of a submitted task, or an owner's one-tap repair sent
to the agency. Either way the fault gets its code, its first history step, an audit row and its
own ``fault_handling`` process, in the caller's transaction."""

from __future__ import annotations

import uuid
from typing import Any

from engine.clock import business_date
from engine.codes import next_code
from workflows.audit.service import record_audit
from workflows.context import Ctx
from workflows.faults.history import add_event
from workflows.faults.models import Fault, FaultStatus
from workflows.projects.models import Project


def open_fault(
    ctx: Ctx,
    project: Project,
    fault: Fault,
    *,
    step: str,
    person_id: uuid.UUID | None,
    audit_after: dict[str, Any],
) -> Fault:
    """Give ``fault`` (built with its source fields, not yet added) the next ``F-<year>-NNNN`` code,
    status pending and ``found_at`` now; add it with the history step ``step`` (e.g. ``发现故障``)
    by ``person_id``, an audit row ``fault.opened`` (``audit_after`` plus the code) and start its
    ``fault_handling`` process (dispose_fault waits in the project lead's inbox)."""
    now = ctx.clock.now()
    fault.code = next_code(ctx.session, f"F-{business_date(now).year}")
    fault.project_id = project.id
    fault.status = FaultStatus.PENDING
    fault.found_at = now
    ctx.session.add(fault)
    ctx.session.flush()
    add_event(ctx, fault.id, step, person_id=person_id, note=fault.measured_record)
    record_audit(ctx, "fault.opened", "fault", fault.id, after={"code": fault.code, **audit_after})
    ctx.processes.start(
        ctx.session,
        "fault_handling",
        subject_type="fault",
        subject_id=fault.id,
        data={"fault_id": str(fault.id), "project_id": str(project.id)},
        agency_id=project.agency_id,
        project_id=project.id,
        context=ctx,
    )
    return fault
