from django import template

from common.hijri import hijri_display
from common.saudi import iban_grouped, phone_local, shown_digits

register = template.Library()


@register.filter
def hijri(value):
    """A date (or datetime, in Riyadh time) shown in Umm al-Qura Hijri with its Gregorian day."""
    return hijri_display(value)


@register.filter
def digits(value, style):
    """A number or date in the digits the association prints with ("arabic": ١٤٤٦)."""
    return shown_digits(value, style)


@register.filter(name="phone_local")
def phone_local_filter(value):
    """An E.164 Saudi number as Saudis write it: 055 123 4567."""
    return phone_local(value) if value else ""


@register.filter(name="iban_grouped")
def iban_grouped_filter(value):
    """An IBAN in groups of four."""
    return iban_grouped(value) if value else ""


@register.simple_tag(takes_context=True)
def language_url(context, language):
    """The current page in `language` (the switcher's links)."""
    request = context["request"]
    query = request.GET.copy()
    query["lang"] = language
    return f"{request.path}?{query.urlencode()}"
