"""Keep the bot token and Telegram file paths out of the logs (serve, poll and worker modes).

Every Bot API URL is ``https://api.telegram.org/bot<TOKEN>/<method>`` and a file download is
``https://api.telegram.org/file/bot<TOKEN>/<file_path>``; httpx logs each request URL at INFO and
PTB logs API results (``file_path`` included) at DEBUG. :func:`install_log_redaction` therefore

* raises the ``httpx`` and ``httpcore`` loggers to WARNING (their request lines are noise anyway), and
* installs :class:`RedactTelegramSecrets` on those loggers, on every ``telegram*`` logger and on the
  root logger's handlers, so a record that still mentions the token, a file URL or a ``file_path``
  is rewritten before any handler formats it.

It is called wherever a bot is built (:func:`bots.telegram.app.build_application` and the outbox
sender's own bot), and is idempotent.
"""

from __future__ import annotations

import logging
import re
from typing import Final

REDACTED: Final = "<redacted>"
QUIET_LOGGERS: Final = ("httpx", "httpcore")
_FILE_URL: Final = re.compile(r"/file/bot[^/\s'\"]+/[^\s'\"<>)]+")
_FILE_PATH: Final = re.compile(r"""(['"]?file_path['"]?\s*[:=]\s*)(['"]?)[^'",\s})]+\2""")
_BOT_PATH: Final = re.compile(r"/bot\d+:[A-Za-z0-9_-]+")


class RedactTelegramSecrets(logging.Filter):
    """Rewrites log records so they never contain the bot token, a file URL or a ``file_path`` value.

    Args:
        tokens: Bot tokens to hide (each also hidden URL-encoded). Any ``/bot<id>:<secret>`` URL part
            is hidden whatever the token.
    """

    def __init__(self, tokens: set[str] | None = None) -> None:
        super().__init__("fireops.telegram.redact")
        self.tokens: set[str] = set(tokens or ())

    def redact(self, text: str) -> str:
        """``text`` without tokens, file URLs and ``file_path`` values."""
        for token in self.tokens:
            text = text.replace(token, REDACTED).replace(token.replace(":", "%3A"), REDACTED)
        text = _FILE_URL.sub(f"/file/bot{REDACTED}/{REDACTED}", text)
        text = _BOT_PATH.sub(f"/bot{REDACTED}", text)
        return _FILE_PATH.sub(lambda m: f"{m.group(1)}{m.group(2)}{REDACTED}{m.group(2)}", text)

    def filter(self, record: logging.LogRecord) -> bool:
        """Redact the formatted message (arguments merged in) and any exception text; keep the record."""
        try:
            message = record.getMessage()
        except (TypeError, ValueError):  # a malformed record: leave it to the handler's own error path
            return True
        clean = self.redact(message)
        if clean != message:
            record.msg, record.args = clean, None
        if record.exc_info and not record.exc_text:
            record.exc_text = logging.Formatter().formatException(record.exc_info)
        if record.exc_text:
            record.exc_text = self.redact(record.exc_text)
        if record.stack_info:
            record.stack_info = self.redact(record.stack_info)
        return True


_FILTER = RedactTelegramSecrets()


def _targets() -> list[logging.Filterer]:
    names = [*QUIET_LOGGERS, "telegram"]
    names += [
        n for n in list(logging.root.manager.loggerDict) if n.startswith(("telegram.", "httpx.", "httpcore."))
    ]
    targets: list[logging.Filterer] = [logging.getLogger(n) for n in names]
    targets += list(logging.root.handlers)
    return targets


def install_log_redaction(token: str | None) -> RedactTelegramSecrets:
    """Hide ``token`` (and every bot URL and file path) in the logs of this process; see the module doc.

    Returns:
        The process-wide filter (its ``tokens`` grow with every token installed).
    """
    if token:
        _FILTER.tokens.add(token)
    for name in QUIET_LOGGERS:
        logger = logging.getLogger(name)
        if logger.level < logging.WARNING:
            logger.setLevel(logging.WARNING)
    for target in _targets():
        if _FILTER not in target.filters:
            target.addFilter(_FILTER)
    return _FILTER
