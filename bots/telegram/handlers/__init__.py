"""Handler modules of the Telegram bot, one per feature.

Convention (every module of this package):

* ``build_handlers(services: ChatServices) -> list[BaseHandler]`` — required. The handlers go into
  group 0 in module order (``common`` first, then alphabetical). Route buttons by callback noun with
  :func:`bots.telegram.views.callback_handler` (nouns must not collide between modules) and menu
  entries with ``callback_handler("menu", action, verbs="review|faults")``.
* ``DIALOG_INPUTS: dict[str, DialogInput]`` — optional. While a person has an open dialog
  (:mod:`bots.core.dialogs`) named ``name``, every non-command message they send (text, photo,
  location, document) goes to ``DIALOG_INPUTS[name](turn, dialog)``.
* ``LIVE_LOCATION_DIALOGS: frozenset[str]`` — optional. Edits of old messages are never dialog
  input, except live-location updates (Telegram sends them as ``edited_message``) for the dialogs
  named here.

Callback nouns in use: ``menu`` (``home`` in common; ``review`` reviews, ``faults`` faults,
``issue`` plans, ``report|file`` reports, ``susp|stats`` fire department, ``work`` operator,
``oproj|orepair`` owner), ``rev`` (reviews), ``fault`` (faults; ``fault:dk`` carries the fault's
history version against stale cards), ``plan`` (plans), ``rpt`` (reports), ``susp`` (fire
department), ``task`` and ``line`` (operator; ``task:flt:<fault>`` opens the leader's
investigation/repair task), ``owner`` (owner; ``owner:flt:<fault>`` is the owner's fault card) and
``repair`` (owner). An unclaimed press gets "invalid button" from the last-resort handler.
"""

from __future__ import annotations

import importlib
import pkgutil
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

from telegram.ext import BaseHandler

from bots.core.dialogs import Dialog
from bots.core.services import ChatServices
from bots.telegram.views import Turn

DialogInput = Callable[[Turn, Dialog], Awaitable[None]]


def feature_modules() -> list[str]:
    """Names of the handler modules, ``common`` first."""
    names = sorted(info.name for info in pkgutil.iter_modules(__path__))
    return ["common", *[n for n in names if n != "common"]]


@dataclass(frozen=True)
class Features:
    """What the handler modules contribute: handlers, dialog inputs, live-location dialogs."""

    handlers: list[BaseHandler[Any, Any, Any]]
    inputs: dict[str, DialogInput]
    live_location: frozenset[str]


def collect(services: ChatServices) -> Features:
    """Every module's handlers, dialog inputs and live-location dialogs.

    Raises:
        ValueError: two modules claim the same dialog name.
    """
    handlers: list[BaseHandler[Any, Any, Any]] = []
    inputs: dict[str, DialogInput] = {}
    live: set[str] = set()
    for name in feature_modules():
        module = importlib.import_module(f"{__name__}.{name}")
        handlers.extend(module.build_handlers(services))
        for dialog, fn in getattr(module, "DIALOG_INPUTS", {}).items():
            if dialog in inputs:
                raise ValueError(f"dialog {dialog!r} claimed twice")
            inputs[dialog] = fn
        live |= set(getattr(module, "LIVE_LOCATION_DIALOGS", ()))
    return Features(handlers, inputs, frozenset(live))
