"""Multi-step dialogs, one open dialog per person and channel (see :mod:`workflows.chat.dialogs`).

The chat core only re-exports the service: the rows are written by ``workflows/chat``. Call these
inside :meth:`bots.core.services.ChatServices.call` (they act on ``ctx.actor``; the call commits)::

    dialogs.start(ctx, channel, "review_reject", "opinion", {"task_id": str(task_id)})
    dialogs.get(ctx, channel) -> Dialog(name, step, data) | None
    dialogs.advance(ctx, channel, "photos", idx=2)
    dialogs.finish(ctx, channel)
"""

from __future__ import annotations

from workflows.chat.dialogs import Dialog, advance, finish, get, start

__all__ = ["Dialog", "advance", "finish", "get", "start"]
