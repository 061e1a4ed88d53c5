"""Handler modules of the Telegram bot, one per feature.

Convention (every module of this package):

* ``build_handlers(services: ChatServices) -> list[BaseHandler]`` — required. The handlers go into
  group 0 in module order (``common`` first, then alphabetical). Route buttons by callback noun with
  :func:`bots.telegram.views.callback_handler` (nouns must not collide between modules) and menu
  entries with ``callback_handler("menu", action, verbs="review|faults")``.
* ``DIALOG_INPUTS: dict[str, DialogInput]`` — optional. While a person has an open dialog
  (:mod:`bots.core.dialogs`) named ``name``, every non-command message they send (text, photo,
  location, document) goes to ``DIALOG_INPUTS[name](turn, dialog)``.

Callback nouns in use: ``menu`` (``home`` in common; ``review|faults`` lead, ``issue`` plans,
``report|file`` reports, ``susp|stats`` fire department, ``work`` operator, ``oproj|orepair`` owner),
``rev`` and ``fault`` (lead), ``plan`` (plans), ``rpt`` (reports), ``susp`` (fire department),
``task`` and ``line`` (operator), ``owner`` and ``repair`` (owner). An unclaimed press gets "invalid
button" from the last-resort handler.
"""

from __future__ import annotations

import importlib
import pkgutil
from collections.abc import Awaitable, Callable
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


def collect(services: ChatServices) -> tuple[list[BaseHandler[Any, Any, Any]], dict[str, DialogInput]]:
    """Every module's handlers and dialog inputs.

    Raises:
        ValueError: two modules claim the same dialog name.
    """
    handlers: list[BaseHandler[Any, Any, Any]] = []
    inputs: dict[str, DialogInput] = {}
    for name in feature_modules():
        module = importlib.import_module(f"{__name__}.{name}")
        handlers.extend(module.build_handlers(services))
        for dialog, fn in getattr(module, "DIALOG_INPUTS", {}).items():
            if dialog in inputs:
                raise ValueError(f"dialog {dialog!r} claimed twice")
            inputs[dialog] = fn
    return handlers, inputs
