"""Privacy panels shown on the workspace's own pages (dashboard, case, beneficiary): each
reads what it shows, so those pages only include one tag."""

from django import template
from django.utils import timezone

from common import clock
from privacy import selectors
from privacy.forms import ConsentWithdrawForm, HoldForm
from privacy.models import ConsentRecord
from privacy.permissions import HANDLERS

register = template.Library()


def _base(context) -> dict:
    user = context["user"]
    return {
        "csrf_token": context.get("csrf_token"),
        "request": context.get("request"),
        "user": user,
        "may_act": user.role in HANDLERS,
    }


@register.inclusion_tag("privacy/_case_panel.html", takes_context=True)
def privacy_case_panel(context, case):
    """The consent the case was opened under, and a button to record its withdrawal."""
    record = ConsentRecord.objects.filter(case_id=case.pk).first()
    return _base(context) | {
        "case": case,
        "record": record,
        "form": ConsentWithdrawForm(initial={"case": case.pk}, auto_id="consent_%s"),
    }


@register.inclusion_tag("privacy/_beneficiary_panel.html", takes_context=True)
def privacy_beneficiary_panel(context, beneficiary):
    """The person's consents, legal holds and erasure, with the forms to change them."""
    consents = selectors.consents_of(beneficiary_id=beneficiary.pk)
    return _base(context) | {
        "beneficiary": beneficiary,
        "consents": consents,
        "has_active": any(record.is_active for record in consents),
        "holds": selectors.holds_active(beneficiary_id=beneficiary.pk),
        "anonymisation": selectors.anonymisation_of(beneficiary_id=beneficiary.pk),
        "form": ConsentWithdrawForm(auto_id="consent_%s"),
        "hold_form": HoldForm(auto_id="hold_%s"),
    }


@register.inclusion_tag("privacy/_clock.html", takes_context=True)
def privacy_clock(context):
    """The dashboard's open data-subject requests with the days left to answer each."""
    base = _base(context)
    today = timezone.localdate(clock.now())
    base["clocks"] = selectors.request_clocks(today=today) if base["may_act"] else []
    return base
