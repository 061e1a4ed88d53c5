"""A real uvicorn server of the API in a thread, on a free port, sharing the test's database.

Used where the in-process ``TestClient`` is not enough: requests that must race over real
concurrent connections, and URLs printed in a report's QR code that must answer over HTTP.
"""

from __future__ import annotations

import dataclasses
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager

import uvicorn

from api.app import create_app
from api.deps import AppState


@contextmanager
def live_server(state: AppState) -> Iterator[tuple[str, AppState]]:
    """Serve the API on ``127.0.0.1`` and a free port until the block ends.

    The server gets its own :class:`AppState` (same engine, sessions, clock and BPMN store as
    ``state``) whose ``settings.base_url`` is the server's real URL, so the verify URLs and QR codes
    of reports generated through it point at it.

    Yields:
        ``(base_url, server_state)``; ``base_url`` is like ``http://127.0.0.1:41234``.

    Raises:
        RuntimeError: the server did not start within 10 s.
    """
    live = dataclasses.replace(state)
    server = uvicorn.Server(
        uvicorn.Config(create_app(live.settings, state=live), host="127.0.0.1", port=0, log_level="warning")
    )
    thread = threading.Thread(target=server.run, daemon=True, name="live-uvicorn")
    thread.start()
    deadline = time.monotonic() + 10
    while not server.started:
        if not thread.is_alive() or time.monotonic() > deadline:
            raise RuntimeError("uvicorn did not start")
        time.sleep(0.02)
    port = server.servers[0].sockets[0].getsockname()[1]
    base_url = f"http://127.0.0.1:{port}"
    live.settings = live.settings.model_copy(update={"base_url": base_url})
    try:
        yield base_url, live
    finally:
        server.should_exit = True
        thread.join(timeout=10)
