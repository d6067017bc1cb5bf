"""Showing a service's ValidationError: on a form's fields, or on a command's one line."""

from django import forms
from django.core.exceptions import ValidationError


def errors_onto_form(form: forms.Form, error: ValidationError) -> None:
    """Show a service's ValidationError on the form's fields (or at its top)."""
    if hasattr(error, "error_dict"):
        for field, messages in error.message_dict.items():
            form.add_error(field if field in form.fields else None, messages)
    else:
        form.add_error(None, error.messages)


def format_errors(error: ValidationError) -> str:
    """A ValidationError on one line, field by field, for a management command's output."""
    if hasattr(error, "error_dict"):
        return "; ".join(f"{field}: {' '.join(msgs)}" for field, msgs in error.message_dict.items())
    return " ".join(error.messages)
