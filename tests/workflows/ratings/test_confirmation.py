"""``can_confirm_service`` and ``confirm_service`` make one decision (SPEC §9, R-OWN): what a chat card
offers an owner contact is exactly what the service then accepts, and a refusal changes no row."""

from __future__ import annotations

import uuid
from typing import Any

import pytest
from fastapi.testclient import TestClient

from api.demo import ok
from api.deps import AppState
from engine.db import unit_of_work
from engine.errors import Conflict, DomainError, Forbidden
from tests.api.month_helpers import approved_plan, generate
from tests.conftest import db_snapshot
from workflows.context import Ctx
from workflows.people.models import Person
from workflows.ratings.service import can_confirm_service, confirm_service


def decide(state: AppState, person_id: str, report_id: uuid.UUID) -> tuple[bool, type[DomainError] | None]:
    """What the card says (``can_confirm_service``) and what the service does with a 5-star rating:
    ``None`` when it stored the confirmation, else the refusal's class (nothing changed then)."""
    with unit_of_work(state.sessions) as session:
        ctx = Ctx(session, state.clock, state.settings, state.processes)
        ctx.actor = session.get(Person, uuid.UUID(person_id))
        offered = can_confirm_service(ctx, report_id)
    before = db_snapshot(state)
    try:
        with unit_of_work(state.sessions) as session:
            ctx = Ctx(session, state.clock, state.settings, state.processes)
            ctx.actor = session.get(Person, uuid.UUID(person_id))
            confirm_service(ctx, report_id, rating=5, comment="服务规范")
    except DomainError as exc:
        assert db_snapshot(state) == before, "a refused confirmation changed rows"
        return offered, type(exc)
    return offered, None


class TestCanConfirmService:
    @pytest.fixture
    def report(self, client: TestClient, world: Any) -> uuid.UUID:
        """A generated (not yet filed) report of the world's project."""
        plan = approved_plan(client, world)
        return uuid.UUID(ok(generate(client, world, plan), 201)["id"])

    def file(self, client: TestClient, world: Any, report: uuid.UUID) -> None:
        ok(
            client.post(
                f"/api/v1/reports/{report}/filing",
                json={"opinion": "同意备案"},
                headers=world.headers["tech_lead"],
            )
        )

    def test_not_filed_is_neither_offered_nor_accepted(
        self, client: TestClient, world: Any, state: AppState, report: uuid.UUID
    ) -> None:
        """SPEC §9: only a filed report's service is confirmed (409 before filing)."""
        assert decide(state, world.owner_contact_id, report) == (False, Conflict)

    def test_filed_is_offered_to_the_owner_contact_and_accepted_once(
        self, client: TestClient, world: Any, state: AppState, report: uuid.UUID
    ) -> None:
        """SPEC §9: the owner contact confirms a filed report once; then it is offered no more (409)."""
        self.file(client, world, report)
        assert decide(state, world.owner_contact_id, report) == (True, None)
        assert decide(state, world.owner_contact_id, report) == (False, Conflict)

    def test_agency_staff_are_neither_offered_nor_accepted(
        self, client: TestClient, world: Any, state: AppState, report: uuid.UUID
    ) -> None:
        """R-OWN: the project lead sees the filed report but is no owner contact (403)."""
        self.file(client, world, report)
        assert decide(state, world.people["lead"], report) == (False, Forbidden)
