import datetime

from django import template
from django.utils import timezone
from django.utils.translation import get_language

from common.hijri import hijri_with_gregorian

register = template.Library()


@register.filter
def hijri(value):
    """A date (or datetime, in Riyadh time) shown in Umm al-Qura Hijri with its Gregorian day."""
    if value in (None, ""):
        return ""
    if isinstance(value, datetime.datetime):
        value = timezone.localtime(value).date()
    return hijri_with_gregorian(value, "ar" if (get_language() or "ar").startswith("ar") else "en")


@register.simple_tag(takes_context=True)
def language_url(context, language):
    """The current page in `language` (the switcher's links)."""
    request = context["request"]
    query = request.GET.copy()
    query["lang"] = language
    return f"{request.path}?{query.urlencode()}"
