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
