"""Alembic owns the schema: migrating to head gives exactly the models' schema (no drift)."""

from __future__ import annotations

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import create_engine

import workflows.all_models  # noqa: F401
from engine.db import Base


def test_migrations_match_models(template_db: str) -> None:
    engine = create_engine(template_db)
    with engine.connect() as conn:
        diff = compare_metadata(MigrationContext.configure(conn), Base.metadata)
    engine.dispose()
    assert diff == [], f"models and migrations differ: {diff}"
