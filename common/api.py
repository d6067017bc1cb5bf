"""API conventions shared by every endpoint."""

from __future__ import annotations

from django.core.exceptions import ValidationError as DjangoValidationError
from rest_framework import exceptions
from rest_framework.views import exception_handler as drf_exception_handler


def exception_handler(error, context):
    # A service's ValidationError is bad input, said per field, never a 500.
    if isinstance(error, DjangoValidationError):
        detail = error.message_dict if hasattr(error, "error_dict") else {"detail": error.messages}
        error = exceptions.ValidationError(detail)
    return drf_exception_handler(error, context)


# Every endpoint may refuse: bad input (400, a message per field), no credentials (401), a role
# that may not (403), nothing of this association by that id (404), too many requests (429),
# and a write on something changed meanwhile (409). The schema says so once for all.
ERROR_RESPONSES = {
    "400": "Bad input: a list of messages per field.",
    "401": "No valid credentials.",
    "403": "Not allowed for this role.",
    "404": "Not found in this association.",
    "429": "Too many requests.",
}
WRITE_ERROR_RESPONSES = {"409": "Changed since it was read: read it again and retry."}


def error_responses_hook(result, generator, request, public):
    """drf-spectacular postprocessing hook: document the refusals every operation can give."""
    error = {"type": "object", "additionalProperties": True}
    for path_item in result.get("paths", {}).values():
        for method, operation in path_item.items():
            responses = operation.setdefault("responses", {})
            codes = dict(ERROR_RESPONSES)
            if method in ("post", "patch", "put"):
                codes.update(WRITE_ERROR_RESPONSES)
            for code, description in codes.items():
                responses.setdefault(
                    code,
                    {
                        "description": description,
                        "content": {"application/json": {"schema": error}},
                    },
                )
    return result
