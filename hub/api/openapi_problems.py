"""Document the API's errors as they are sent: RFC 9457 problem+json, not FastAPI's default 422 body."""

from __future__ import annotations

from typing import Any, Final

from fastapi import FastAPI

PROBLEM_MEDIA: Final = "application/problem+json"
PROBLEM_REF: Final = "#/components/schemas/Problem"
PROBLEM_SCHEMA: Final[dict[str, Any]] = {
    "title": "Problem",
    "description": "RFC 9457 problem details; `errors` names each invalid field.",
    "type": "object",
    "required": ["type", "title", "status"],
    "properties": {
        "type": {"type": "string"},
        "title": {"type": "string"},
        "status": {"type": "integer"},
        "detail": {"type": "string"},
        "instance": {"type": "string"},
        "errors": {
            "type": "array",
            "items": {
                "type": "object",
                "required": ["field", "message"],
                "properties": {"field": {"type": "string"}, "message": {"type": "string"}},
            },
        },
    },
}


def document_problems(spec: dict[str, Any]) -> dict[str, Any]:
    """Every documented 4xx/5xx answer of the spec as problem+json with the Problem schema (in place)."""
    spec.setdefault("components", {}).setdefault("schemas", {})["Problem"] = PROBLEM_SCHEMA
    for operations in spec.get("paths", {}).values():
        for operation in operations.values():
            for status, response in (operation.get("responses") or {}).items():
                if str(status)[:1] in {"4", "5"}:
                    response["content"] = {PROBLEM_MEDIA: {"schema": {"$ref": PROBLEM_REF}}}
    return spec


def install(app: FastAPI) -> None:
    """Make the app's /openapi.json describe errors as problem+json."""
    original = app.openapi

    def openapi() -> dict[str, Any]:
        if app.openapi_schema is None:
            app.openapi_schema = document_problems(original())
        return app.openapi_schema

    app.openapi = openapi  # type: ignore[method-assign]
