from django import template
from django.urls import reverse
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _

from common.hijri import hijri_display
from common.saudi import iban_grouped, national_id_masked, phone_local, shown_digits
from workflow.permissions import opens_cases

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


@register.filter(name="id_masked")
def id_masked_filter(value):
    """A national ID shown to a role that does not need it: its last four digits."""
    return national_id_masked(value) if value else ""


@register.filter(name="iban_grouped")
def iban_grouped_filter(value):
    """An IBAN in groups of four."""
    return iban_grouped(value) if value else ""


@register.filter(name="ltr_isolate")
def ltr_isolate(value):
    """An address (e-mail, URL, handle) isolated left-to-right inside Arabic text; anything
    else (a person's name) isolated in its own direction."""
    text = str(value)
    if "@" in text or "://" in text or text.isascii():
        return format_html('<bdi dir="ltr">{}</bdi>', text)
    return format_html("<bdi>{}</bdi>", text)


@register.simple_tag(takes_context=True)
def language_url(context, language):
    """The current page in `language` (the switcher's links)."""
    request = context["request"]
    query = request.GET.copy()
    query["lang"] = language
    return f"{request.path}?{query.urlencode()}"


# The workspace's navigation: (URL name, label, who sees it). "openers" are the members who
# record cases (workflow.permissions.opens_cases); "admins" the association's administrators;
# "officers" the members designated to read whistleblowing reports.
WORKSPACE_NAV = [
    ("workspace", _("Home"), "members"),
    ("case_list", _("Cases"), "members"),
    ("case_new", _("New case"), "openers"),
    ("privacy_requests", _("Data-subject requests"), "openers"),
    ("policy_settings", _("Policy"), "admins"),
    ("policies_overview", _("All policies"), "admins"),
    ("transparency", _("Transparency"), "admins"),
    ("disclosure_mine", _("My disclosure"), "members"),
    ("disclosure_register", _("Disclosures register"), "admins"),
    ("whistleblowing_reports", _("Whistleblowing reports"), "officers"),
    ("statistics", _("Published statistics"), "admins"),
    ("members", _("Members"), "admins"),
    ("association_settings", _("Settings"), "admins"),
    ("privacy_settings", _("Privacy"), "admins"),
    ("access_record_list", _("Access trail"), "admins"),
    ("breach_list", _("Breach register"), "admins"),
    ("billing", _("Plan and billing"), "admins"),
]


@register.simple_tag(takes_context=True)
def workspace_nav(context) -> list[dict]:
    """The links of the app shell the signed-in member may follow, the current one marked
    (the longest address the page's own starts with)."""
    user, path = context["user"], context["request"].path
    allowed = {
        "members": True,
        "openers": opens_cases(user),
        "admins": user.is_association_admin,
        "officers": user.whistleblowing_officer,
    }
    items = [
        {"name": name, "label": label, "url": reverse(name)}
        for name, label, who in WORKSPACE_NAV
        if allowed[who]
    ]
    current = max(
        (item for item in items if path.startswith(item["url"])),
        key=lambda item: len(item["url"]),
        default=None,
    )
    for item in items:
        item["current"] = item is current
    return items
