"""The one pydantic base of every schema."""

from __future__ import annotations

from typing import ClassVar

from pydantic import BaseModel, ConfigDict


class Schema(BaseModel):
    """Base of every schema (ORM attributes readable; ``__test__`` keeps pytest from collecting ``Test*``)."""

    __test__: ClassVar[bool] = False
    model_config = ConfigDict(from_attributes=True)
