"""How the API answers requests it cannot take (engine/errors.py): a body that is not well-formed
is 400 (``malformed_request``); well-formed but unacceptable input is 422 (``invalid_input`` with
``field``); neither writes a row."""

from __future__ import annotations

from typing import Any

from fastapi.testclient import TestClient

from api.deps import AppState
from tests.api.month_helpers import approved_plan
from tests.conftest import db_snapshot

BROKEN_JSON = b'{"nature": "month", "period": "2026-10"'  # the closing brace is missing


def test_malformed_json_is_400_and_writes_nothing(client: TestClient, world: Any, state: AppState) -> None:
    """A body that is no JSON at all is 400, on a plain endpoint (R-PLAN plan creation) and on the
    report endpoint that parses its body itself (R-RPT); the message says what to fix."""
    plan = approved_plan(client, world)
    before = db_snapshot(state)
    headers = world.headers["lead"] | {"Content-Type": "application/json"}
    for url in (f"/api/v1/projects/{world.project_id}/plans", f"/api/v1/plans/{plan['id']}/report"):
        r = client.post(url, content=BROKEN_JSON, headers=headers)
        assert r.status_code == 400, (url, r.text)
        assert r.json()["code"] == "malformed_request" and "JSON" in r.json()["message"]
    assert db_snapshot(state) == before


def test_well_formed_but_unacceptable_input_is_422(client: TestClient, world: Any, state: AppState) -> None:
    """R-PLAN: a month 13 or a wrong type is well-formed JSON with an unacceptable value: 422 on the field."""
    before = db_snapshot(state)
    url = f"/api/v1/projects/{world.project_id}/plans"
    for body, field in (({"nature": "month", "period": "2026-13"}, "period"), ({"nature": 3}, "nature")):
        r = client.post(url, json=body, headers=world.headers["lead"])
        assert r.status_code == 422 and r.json()["field"] == field, r.json()
    assert db_snapshot(state) == before
