"""``lifecycle.start_missing``: projects created before lifecycles started with the project get their
``project_lifecycle`` instance from the scheduler, once (R-LIFE)."""

from __future__ import annotations

import uuid
from datetime import date, datetime
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from api.background import job_context
from api.demo import ok
from api.deps import AppState
from api.world import CONTRACT
from engine.clock import FrozenClock
from engine.db import unit_of_work
from engine.processes.models import InstanceStatus, ProcessInstanceRecord
from tests.api.month_helpers import relogin
from tests.workflows.reminders.support import SH, at
from workflows.projects.models import Project, ProjectStatus
from workflows.reminders.jobs import build_scheduler, refresh_timers, start_missing_lifecycles


def legacy_project(
    client: TestClient, world: Any, state: AppState, *, code: str, status: str = ProjectStatus.ACTIVE
) -> uuid.UUID:
    """A project row as the services wrote it before projects started their lifecycle instance:
    a real contract (through the API, ending 2026-10-31) and a project row with no instance."""
    contract = ok(
        client.post(
            "/api/v1/contracts",
            json={
                **CONTRACT,
                "name": f"{code}维护保养合同",
                "owner_id": world.owner_id,
                "signed_on": "2026-10-01",
                "ends_on": "2026-10-31",
            },
            headers=world.headers["agency_admin"],
        ),
        201,
    )
    with unit_of_work(state.sessions) as session:
        project = Project(
            code=code,
            agency_id=uuid.UUID(world.agency_id),
            contract_id=uuid.UUID(contract["id"]),
            owner_id=uuid.UUID(world.owner_id),
            lead_id=uuid.UUID(world.lead_id),
            name=f"老项目{code}",
            city="西宁市",
            address="城中区南关街1号",
            jurisdiction="西宁市消防救援支队城中区大队",
            latitude=36.6171,
            longitude=101.7782,
            first_plan_month=date(2026, 10, 1),
            status=status,
            created_at=state.clock.now(),
        )
        session.add(project)
        session.flush()
        return project.id


def lifecycles(state: AppState, project_id: uuid.UUID) -> list[ProcessInstanceRecord]:
    with state.sessions() as session:
        return list(
            session.scalars(
                select(ProcessInstanceRecord).where(
                    ProcessInstanceRecord.process_id == "project_lifecycle",
                    ProcessInstanceRecord.subject_type == "project",
                    ProcessInstanceRecord.subject_id == project_id,
                )
            )
        )


class TestStartMissingLifecycles:
    def test_r_life_old_project_gets_its_instance_once_and_then_its_completion_step(
        self, client: TestClient, world: Any, state: AppState, clock: FrozenClock
    ) -> None:
        """R-LIFE: an active project without a lifecycle instance gets one (with its contract-end
        timer) from the job; a rerun starts nothing; projects that have one (the world's) and
        projects no longer active are left alone. After the contract's end the timer job then puts
        ``complete_project`` in the lead's inbox, which it never did for such a project."""
        old = legacy_project(client, world, state, code="P-2025-0001")
        ended = legacy_project(client, world, state, code="P-2025-0002", status=ProjectStatus.TERMINATED)
        (own,) = lifecycles(state, uuid.UUID(world.project_id))
        assert lifecycles(state, old) == [] and lifecycles(state, ended) == []
        jobs = job_context(state)

        assert start_missing_lifecycles(jobs).started == [old]
        (record,) = lifecycles(state, old)
        assert record.status == InstanceStatus.RUNNING
        assert record.next_timer_at is not None
        assert record.next_timer_at.astimezone(SH) == datetime(2026, 10, 31, 23, 59, 59, tzinfo=SH)
        assert lifecycles(state, ended) == []
        assert [r.id for r in lifecycles(state, uuid.UUID(world.project_id))] == [own.id]
        assert start_missing_lifecycles(jobs).started == []  # idempotent
        assert len(lifecycles(state, old)) == 1

        at(clock, 2026, 11, 1, 0, 30)
        relogin(client, world)
        refresh_timers(jobs)
        inbox = ok(client.get("/api/v1/inbox", headers=world.headers["lead"]))
        assert ("complete_project", str(old)) in [(i["step"], i["subject_id"]) for i in inbox]

    def test_a_finished_lifecycle_is_not_restarted(
        self, client: TestClient, world: Any, state: AppState
    ) -> None:
        """R-LIFE: "without an instance" means none at all: a project whose lifecycle instance was
        cancelled or completed (and whose status column says active, as data written by hand might)
        is not given a second one."""
        old = legacy_project(client, world, state, code="P-2025-0003")
        jobs = job_context(state)
        assert start_missing_lifecycles(jobs).started == [old]
        with unit_of_work(state.sessions) as session:
            (record,) = session.scalars(
                select(ProcessInstanceRecord).where(ProcessInstanceRecord.subject_id == old)
            ).all()
            state.processes.cancel(session, record)
        assert start_missing_lifecycles(jobs).started == []
        assert [r.status for r in lifecycles(state, old)] == [InstanceStatus.CANCELLED]


@pytest.mark.usefixtures("world")
def test_the_job_catches_up_whenever_the_scheduler_takes_the_lease(state: AppState) -> None:
    """The job is registered as ``lifecycle.start_missing`` with ``catch_up``: it runs when a
    process takes the scheduler lease (every start), not only at its daily hour."""
    scheduler = build_scheduler(job_context(state), holder="t")
    spec = scheduler.jobs["lifecycle.start_missing"]
    assert spec.catch_up and spec.trigger == "cron"
    try:
        assert scheduler.run_job("lifecycle.start_missing").started == []  # every project has one
    finally:
        scheduler.release()
