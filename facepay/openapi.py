"""OpenAPI post-processing: the one error shape, documented on every operation."""

from __future__ import annotations

from typing import Any

ERROR_COMPONENT = "Error"
ERROR_SCHEMA: dict[str, Any] = {
    "type": "object",
    "description": "Every refusal: a stable snake_case `code` (public API), a message in the "
    "reader's language and machine-readable `extra` details.",
    "required": ["error"],
    "properties": {
        "error": {
            "type": "object",
            "required": ["code", "message", "extra"],
            "properties": {
                "code": {"type": "string", "example": "invalid_input"},
                "message": {"type": "string"},
                "extra": {"type": "object", "additionalProperties": {}},
            },
        }
    },
}
# Answers any operation may give (routing, authentication, throttling, crashes)...
COMMON_ERRORS = {
    "400": "Malformed request or invalid input (`invalid_input` lists the fields).",
    "401": "No or invalid credentials (session cookie or terminal signature).",
    "403": "Signed in, but this role or this row is not yours.",
    "404": "No such object, or not one this caller may see.",
    "405": "Method not allowed.",
    "406": "Not acceptable.",
    "429": "Rate limited; retry later.",
    "500": "Server error (logged); the body says nothing more.",
}
# ...and those of operations that change something (money, state machines, uploads).
WRITE_ERRORS = {
    "402": "Insufficient balance.",
    "409": "Conflict: wrong state, or an idempotency key reused with another payload.",
    "410": "Gone: expired.",
    "413": "Request or upload too large.",
    "415": "Unsupported media type or image format.",
    "422": "Understood but refused (e.g. a face that cannot be used).",
    "423": "Locked (too many wrong tries).",
    "503": "A dependency (face engine, model pack) is unavailable; retry later.",
}


def add_error_responses(
    result: dict[str, Any], generator: object, request: object, public: bool
) -> dict[str, Any]:
    """drf-spectacular POSTPROCESSING_HOOKS entry: add the Error component and reference it
    from every operation's error statuses (an operation's own documented answer wins)."""
    result.setdefault("components", {}).setdefault("schemas", {})[ERROR_COMPONENT] = ERROR_SCHEMA
    reference = {"$ref": f"#/components/schemas/{ERROR_COMPONENT}"}
    for item in result.get("paths", {}).values():
        for method, operation in item.items():
            if method not in {"get", "post", "put", "patch", "delete"}:
                continue
            statuses = dict(COMMON_ERRORS)
            if method != "get":
                statuses.update(WRITE_ERRORS)
            responses = operation.setdefault("responses", {})
            for status, description in statuses.items():
                responses.setdefault(
                    status,
                    {
                        "description": description,
                        "content": {"application/json": {"schema": reference}},
                    },
                )
    return result
