"""``/api/v1/auth/token`` (OAuth2 password flow) and ``/api/v1/me``."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends
from fastapi.security import OAuth2PasswordRequestForm
from pydantic import BaseModel

from api.deps import CtxDep, PersonDep
from workflows.people.schemas import MeRead
from workflows.people.service import authenticate, describe_me

router = APIRouter(prefix="/api/v1", tags=["auth"])


class TokenRead(BaseModel):
    """OAuth2 token response."""

    access_token: str
    token_type: str = "bearer"  # noqa: S105 - the OAuth2 token type, not a secret


@router.post("/auth/token", response_model=TokenRead)
def issue_token(ctx: CtxDep, form: Annotated[OAuth2PasswordRequestForm, Depends()]) -> TokenRead:
    """Log in with phone (``username``) and password; a new login ends the previous session (R-ROLE-6)."""
    return TokenRead(access_token=authenticate(ctx, phone=form.username, password=form.password))


@router.get("/me", response_model=MeRead)
def read_me(ctx: CtxDep, me: PersonDep) -> MeRead:
    """The caller: id, name, roles, agency."""
    return describe_me(ctx, me)
