"""Domain errors of the hub, free of HTTP; the API maps each one to a problem+json status."""

from __future__ import annotations


class DomainError(Exception):
    """Base of the hub's expected errors; `problem_type` names the kind for clients."""

    problem_type = "about:blank"

    def __init__(self, detail: str, *, problem_type: str | None = None) -> None:
        super().__init__(detail)
        self.detail = detail
        if problem_type:
            self.problem_type = problem_type


class FieldError(DomainError):
    """Bad input in one named field (422)."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(f"{field}: {message}")
        self.field = field
        self.message = message


class NotFoundError(DomainError):
    """The addressed entity does not exist (404)."""


class ConflictError(DomainError):
    """The change is impossible in the entity's current state (409)."""


class ForbiddenError(DomainError):
    """The caller is known but may not do this (403)."""


class PreconditionFailedError(DomainError):
    """The caller's copy is stale: If-Match names an older version (412)."""
