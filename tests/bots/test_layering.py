"""The arrows of DESIGN.md, checked on the source: the bots are thin edges.

* ``bots/`` never imports SQLAlchemy or SpiffWorkflow (no SQL, no engine internals in a chat edge:
  queries and rows live in ``workflows/``);
* only ``bots/telegram`` imports ``telegram`` (the channel-neutral core, the domain, the engine and
  the API stay free of PTB, so the WeChat adapter can reuse everything else).

Every ``import`` and ``from … import`` is read with :mod:`ast`, including the ones inside functions
and ``if TYPE_CHECKING:`` blocks.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
APP_PACKAGES = ("api", "bots", "engine", "workflows")


def imported_modules(path: Path) -> set[str]:
    """Top-level names of every module ``path`` imports (``from a.b import c`` → ``a``)."""
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    names: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names |= {alias.name.split(".")[0] for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.add(node.module.split(".")[0])
    return names


def sources(*packages: str) -> list[Path]:
    return sorted(p for pkg in packages for p in (ROOT / pkg).rglob("*.py"))


def test_the_walk_sees_imports_inside_functions_and_type_checking_blocks(tmp_path: Path) -> None:
    probe = tmp_path / "probe.py"
    probe.write_text(
        "from typing import TYPE_CHECKING\n"
        "if TYPE_CHECKING:\n    from sqlalchemy.orm import Session\n"
        "def f():\n    import telegram.ext\n"
        "from . import sibling\n",
        encoding="utf-8",
    )
    assert imported_modules(probe) == {"typing", "sqlalchemy", "telegram"}


@pytest.mark.parametrize("path", sources("bots"), ids=lambda p: str(p.relative_to(ROOT)))
def test_bots_import_neither_sqlalchemy_nor_spiffworkflow(path: Path) -> None:
    assert not imported_modules(path) & {"sqlalchemy", "SpiffWorkflow"}


@pytest.mark.parametrize("path", sources(*APP_PACKAGES), ids=lambda p: str(p.relative_to(ROOT)))
def test_only_bots_telegram_imports_telegram(path: Path) -> None:
    if path.is_relative_to(ROOT / "bots" / "telegram"):
        return
    assert "telegram" not in imported_modules(path)
