"""Chat binding codes: ``POST /api/v1/people/{id}/chat-binding-code`` (agency admin or platform admin)."""

from __future__ import annotations

import uuid

from fastapi import APIRouter

from api.deps import CtxDep, PersonDep
from workflows.chat.service import BindingCodeRead, issue_binding_code

router = APIRouter(prefix="/api/v1", tags=["chat"])


@router.post("/people/{person_id}/chat-binding-code", response_model=BindingCodeRead, status_code=201)
def create_binding_code(person_id: uuid.UUID, ctx: CtxDep, me: PersonDep) -> BindingCodeRead:
    """A one-time code (shown once) and the ``t.me/<bot>?start=<code>`` link that binds a chat account."""
    return issue_binding_code(ctx, person_id)
