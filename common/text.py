"""The one check of a text a person typed, with the same messages everywhere."""

from __future__ import annotations

from django.utils.translation import gettext as _


def text_problem(
    value, *, limit: int, required: bool = False, strip: bool = True, plain: bool = False
) -> str | None:
    """What is wrong with `value` (None: nothing): not text, empty when `required`, a NUL
    character (PostgreSQL refuses it), markup (< or >) when `plain`, or more than `limit`
    characters. None counts as empty; the length is measured after stripping unless `strip` is
    False."""
    if value is not None and not isinstance(value, str):
        return _("Enter text.")
    stripped = (value or "").strip()
    if required and not stripped:
        return _("This field is required.")
    if "\x00" in stripped:
        return _("This text contains a character that is not allowed.")
    if plain and ("<" in stripped or ">" in stripped):
        return _("Write plain text, without < or >.")
    if len(stripped if strip else value or "") > limit:
        return _("At most %(n)s characters.") % {"n": limit}
    return None
