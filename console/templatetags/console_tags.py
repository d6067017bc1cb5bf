import json

from django import template
from django.template.defaultfilters import filesizeformat

register = template.Library()


@register.filter
def pretty_json(value) -> str:
    """An audit row's before/after as indented JSON, Arabic left readable."""
    return json.dumps(value, ensure_ascii=False, indent=1, sort_keys=True)


@register.filter
def size(value) -> str:
    return filesizeformat(value or 0)
