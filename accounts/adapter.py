from allauth.account.adapter import DefaultAccountAdapter
from allauth.account.internal.flows.login import (
    AUTHENTICATION_METHODS_SESSION_KEY,
    get_authentication_records,
)
from django import forms
from django.contrib import messages
from django.template.loader import render_to_string
from django.utils.safestring import mark_safe

from tenants.middleware import association_suspended_message
from tenants.models import Association


class AccountAdapter(DefaultAccountAdapter):
    def is_open_for_signup(self, request):
        # Associations sign up at /signup/ on the platform host; their members are invited.
        return False

    def pre_authenticate(self, request, **credentials):
        # A suspended association's members are refused before their password is even checked.
        association = getattr(request, "association", None)
        if association is not None and association.status == Association.Status.SUSPENDED:
            raise forms.ValidationError(association_suspended_message())
        return super().pre_authenticate(request, **credentials)

    def add_message(
        self,
        request,
        level,
        message_template=None,
        message_context=None,
        extra_tags="",
        message=None,
    ):
        """allauth's messages as their templates render them, markup kept: the templates
        (templates/account/messages/) isolate an e-mail address left-to-right in a <bdi>, and
        everything a template prints is escaped by it. allauth's own unescapes the text, which
        the page would then show as "<bdi …>"."""
        if message or not message_template:
            return super().add_message(
                request, level, message_template, message_context, extra_tags, message
            )
        text = render_to_string(message_template, message_context or {}, request).strip()
        if text:
            messages.add_message(request, level, mark_safe(text), extra_tags=extra_tags)  # noqa: S308
        return None

    def post_login(self, request, user, **kwargs):
        # allauth counts only re-authentications as recent: an operator sent to set up TOTP
        # right after signing in would be asked for the password again. The steps of this
        # sign-in are just as recent (they still expire after ACCOUNT_REAUTHENTICATION_TIMEOUT).
        records = get_authentication_records(request, user)
        if records:
            request.session[AUTHENTICATION_METHODS_SESSION_KEY] = [
                {**record, "reauthenticated": True} for record in records
            ]
        return super().post_login(request, user, **kwargs)
