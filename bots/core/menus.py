"""The menu of a person: entries chosen by role and by the open work items of their inbox.

Each :class:`MenuEntry` names the roles that see it and the inbox steps it counts; an entry with
steps appears only when at least one such work item is ready (or when ``always`` is set). A press
sends callback data ``v1:menu:<key>:<person id>`` that the owning handler module routes. Feature
modules add entries with :func:`register_menu_entry` at import time.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from bots.core.callbacks import encode
from bots.core.cards import Button, Card
from bots.core.i18n import t
from workflows.context import Ctx
from workflows.inbox.service import WorkItemRead, inbox
from workflows.people.models import Person
from workflows.people.scope import roles_of

Counter = Callable[[Ctx, Person, list[WorkItemRead]], int]


@dataclass(frozen=True)
class MenuEntry:
    """One menu button.

    Attributes:
        key: Callback verb (``[a-z_]{1,8}``), unique; the press arrives as ``v1:menu:<key>:<person>``.
        label_key: Catalog key of the label; formatted with ``n`` (the count).
        roles: Role values that see the entry.
        steps: BPMN step ids (``review_task`` …) counted from the inbox.
        count: Custom counter instead of ``steps`` (e.g. suspension requests, today's lines).
        always: Show even when the count is 0.
        order: Position (smaller first).
    """

    key: str
    label_key: str
    roles: frozenset[str]
    steps: frozenset[str] = frozenset()
    count: Counter | None = None
    always: bool = False
    order: int = 100


_ENTRIES: dict[str, MenuEntry] = {}


def register_menu_entry(entry: MenuEntry) -> None:
    """Add (or replace, by key) a menu entry."""
    _ENTRIES[entry.key] = entry


def menu_entries() -> list[MenuEntry]:
    """Registered entries in display order."""
    return sorted(_ENTRIES.values(), key=lambda e: (e.order, e.key))


def work_items(ctx: Ctx, person: Person, *steps: str) -> list[WorkItemRead]:
    """The person's ready work items of the given steps (all when none given)."""
    items = inbox(ctx, person)
    return [w for w in items if not steps or w.step in steps]


def build_menu(ctx: Ctx, person: Person, lang: str) -> Card:
    """The person's menu card (one button per visible entry, with counts)."""
    roles = {r.value for r in roles_of(person)}
    items = inbox(ctx, person)
    rows: list[list[Button]] = []
    for entry in menu_entries():
        if not roles & entry.roles:
            continue
        if entry.count is not None:
            n = entry.count(ctx, person, items)
        else:
            n = sum(1 for w in items if w.step in entry.steps)
        if n or entry.always:
            rows.append([Button(t(entry.label_key, lang, n=n), encode("menu", entry.key, person.id))])
    key = "menu.title" if rows else "menu.empty"
    return Card(text=t(key, lang, name=person.name), buttons=rows)


LEADS = frozenset({"project_lead", "technical_lead"})
for _entry in (
    MenuEntry("review", "menu.review", LEADS, frozenset({"review_task"}), order=10),
    MenuEntry("faults", "menu.faults", LEADS, frozenset({"dispose_fault", "track_fault"}), order=20),
    MenuEntry("issue", "menu.issue", LEADS, frozenset({"issue_plan"}), order=30),
    MenuEntry("report", "menu.report", LEADS, frozenset({"generate_report"}), order=40),
    MenuEntry("file", "menu.file", frozenset({"technical_lead"}), frozenset({"file_report"}), order=50),
    MenuEntry("stats", "menu.stats", frozenset({"fire_supervisor"}), always=True, order=90),
):
    register_menu_entry(_entry)
