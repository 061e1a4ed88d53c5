"""One error hierarchy for the whole project, mapped once per edge (API, bots).

Every expected failure is a :class:`DomainError` subclass named after the situation. It carries a
stable ``code`` (shown to API clients and chat users), the HTTP status the API answers with, and a
user-safe message. A rule violation names its rule id (``R-…``) in ``code`` or ``message``.
"""

from __future__ import annotations

from typing import ClassVar


class DomainError(Exception):
    """Base of every expected, user-facing failure.

    Attributes:
        code: Stable machine-readable code, e.g. ``"R-REV-1"`` or ``"not_found"``.
        status_code: HTTP status the API answers with (400/401/403/404/409/413/415/422).
        message: User-safe explanation of what went wrong and what to do, Chinese first.
    """

    code: ClassVar[str] = "domain_error"
    status_code: ClassVar[int] = 400

    def __init__(self, message: str, *, code: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        if code is not None:
            self.code = code  # type: ignore[misc]


class NotFound(DomainError):
    """The object does not exist or is not visible to the caller (404, never 403, to hide existence)."""

    code = "not_found"
    status_code = 404


class Unauthorized(DomainError):
    """Missing or invalid credentials (401)."""

    code = "unauthorized"
    status_code = 401


class Forbidden(DomainError):
    """The caller is known and sees the object but lacks the role for the action (403)."""

    code = "forbidden"
    status_code = 403


class Conflict(DomainError):
    """The action collides with the current state, e.g. someone else decided first (409)."""

    code = "conflict"
    status_code = 409


class RuleViolation(DomainError):
    """A business rule (``R-…``) forbids the action in the current state (409 unless overridden).

    The rule id is the ``code``; the message explains the rule in words.
    """

    code = "rule_violation"
    status_code = 409

    def __init__(self, rule_id: str, message: str, *, status_code: int | None = None) -> None:
        super().__init__(f"{rule_id}: {message}", code=rule_id)
        self.rule_id = rule_id
        if status_code is not None:
            self.status_code = status_code  # type: ignore[misc]


class InvalidInput(DomainError):
    """Input that is well-formed but not acceptable; ``field`` names the offending field (422)."""

    code = "invalid_input"
    status_code = 422

    def __init__(self, field: str, message: str) -> None:
        super().__init__(f"{field}: {message}")
        self.field = field


class PayloadTooLarge(DomainError):
    """An uploaded file exceeds its size limit (413)."""

    code = "payload_too_large"
    status_code = 413


class UnsupportedMedia(DomainError):
    """An uploaded file is not of an accepted type, checked by content (415)."""

    code = "unsupported_media"
    status_code = 415


class WorkflowError(DomainError):
    """The BPMN engine refused or failed a step; carries the process and BPMN task ids (409/500)."""

    code = "workflow_error"
    status_code = 409

    def __init__(self, message: str, *, process_id: str = "", bpmn_task_id: str = "") -> None:
        super().__init__(message)
        self.process_id = process_id
        self.bpmn_task_id = bpmn_task_id
