"""The project's domain errors: what services raise when a rule of the product says no.

They know nothing of HTTP. Each carries a stable ``code`` (the API contract's), a sentence for people, and,
where it applies, ``retry_after`` (seconds) or ``until`` (when a restriction ends). The interfaces map them:
the API's exception handler (``livestream.api.exceptions``) to a status and a body, the chat consumer to an
``error`` event, tasks to retries or logs.
"""

import math
from datetime import datetime
from typing import Any


class DomainError(Exception):
    """A rule of the product was broken; ``code`` says which one."""

    default_detail = "The request breaks a rule of the platform."
    default_code = "invalid"

    def __init__(
        self,
        detail: str | None = None,
        *,
        code: str | None = None,
        retry_after: float | None = None,
        until: datetime | None = None,
    ):
        self.detail = str(detail) if detail is not None else self.default_detail
        self.code = code or self.default_code
        # Whole seconds, rounded up: 0 would invite an instant retry.
        self.retry_after = max(1, math.ceil(retry_after)) if retry_after is not None else None
        self.until = until
        super().__init__(self.detail)

    def as_dict(self) -> dict[str, Any]:
        """The error as clients see it: ``detail`` and ``code``, plus ``retry_after`` / ``until`` when set."""
        body: dict[str, Any] = {"detail": self.detail, "code": self.code}
        if self.retry_after is not None:
            body["retry_after"] = self.retry_after
        if self.until is not None:
            body["until"] = self.until.isoformat().replace("+00:00", "Z")
        return body


class NotAuthenticated(DomainError):
    """The caller must sign in (or their credentials no longer hold)."""

    default_detail = "Authentication credentials were not provided."
    default_code = "not_authenticated"


class PermissionDenied(DomainError):
    """The caller is known but may not do this."""

    default_detail = "You do not have permission to perform this action."
    default_code = "permission_denied"


class NotFound(DomainError):
    """No such thing, or none the caller may see."""

    default_detail = "Not found."
    default_code = "not_found"


class Conflict(DomainError):
    """The request is valid but the current state of things refuses it."""

    default_detail = "This conflicts with the current state."
    default_code = "conflict"


class InvalidTransition(Conflict):
    default_detail = "This change of state is not allowed."
    default_code = "invalid_transition"


class Unprocessable(DomainError):
    """Well-formed, but cannot be processed as sent (an Idempotency-Key reused for another request)."""

    default_code = "unprocessable"


class RateLimited(DomainError):
    """Too much, too fast; ``retry_after`` says when to try again."""

    default_detail = "Request was throttled."
    default_code = "throttled"


class UpstreamError(DomainError):
    """A service outside the platform (a payment gateway) failed; nothing was done."""

    default_detail = "A service the platform relies on could not be reached. Try again."
    default_code = "upstream_error"
