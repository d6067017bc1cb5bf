from __future__ import annotations

import mimetypes
from pathlib import Path

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import login
from django.contrib.auth.tokens import default_token_generator
from django.core.exceptions import ValidationError
from django.http import FileResponse, Http404
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.encoding import force_str
from django.utils.http import urlsafe_base64_decode
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods, require_POST
from django_tenants.utils import schema_context

from accounts.models import ApiToken, User
from accounts.services import (
    invitation_expires_on,
    login_handoff_make,
    login_handoff_user,
    member_active_set,
    member_invite,
    member_invite_accept,
    member_invite_resend,
    member_invite_revoke,
    member_update,
)
from accounts.tokens import api_token_create, api_token_revoke
from common import clock
from common.hijri import hijri_with_gregorian
from common.i18n import current_language
from common.validation import errors_onto_form
from governance.selectors import transparency_checklist
from publishing.selectors import policy_published, referral_roles_known
from tenants.permissions import admin_required, member_required
from tenants.services import association_profile_update
from workflow.dashboard import workspace_dashboard
from workflow.selectors import decides_cases, decision_queue
from workspace.forms import (
    ApiTokenForm,
    AssociationProfileForm,
    BankAccountFormSet,
    InviteForm,
    JoinForm,
    MemberRolesForm,
    SignupForm,
    referral_role_choices,
)
from workspace.provisioning import association_provision
from workspace.selectors import setup_checklist


@require_http_methods(["GET", "POST"])
def signup(request):
    """An association signs up on the platform host and lands in its own workspace."""
    form = SignupForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            association, admin = association_provision(
                slug=data["slug"],
                name_ar=data["name_ar"],
                name_en=data["name_en"],
                admin_email=data["email"],
                admin_password=data["password"],
                admin_name=data["admin_name"],
            )
        except ValidationError as error:
            errors_onto_form(form, error)
        else:
            with schema_context(association.schema_name):
                token = login_handoff_make(user=admin)
            return redirect(association.url(f"/accounts/handoff/{token}/"))
    return render(request, "platform/signup.html", {"form": form})


def login_handoff(request, token: str):
    """Signs in the admin who just signed up on the platform host, once, within two minutes."""
    user = login_handoff_user(token=token)
    if user is None:
        messages.error(request, _("This sign-in link has expired. Please sign in."))
        return redirect("account_login")
    login(request, user, backend="django.contrib.auth.backends.ModelBackend")
    return redirect("workspace")


def association_home(request):
    """The association's landing page: how to ask for help, where to reach it, its policy."""
    policy = policy_published()
    context = {
        "bank_accounts": request.association.bank_accounts.all(),
        "has_policy": policy is not None,
        "channels": policy.channel_names(current_language()) if policy else [],
        "takes_requests": policy is not None and policy.takes_online_requests,
    }
    return render(request, "association/home.html", context)


def home_after_login(request):
    return redirect("workspace" if request.association else "platform_home")


@member_required
def workspace(request):
    context = {
        "today": timezone.localdate(clock.now()),
        "dashboard": workspace_dashboard(actor=request.user),
        # Admins set the association up; the checklist goes once every step is done.
        "checklist": setup_checklist(association=request.association)
        if request.user.is_association_admin
        else None,
        # What a reviewer of the governance standard would score on the association's site.
        "transparency": transparency_checklist() if request.user.is_association_admin else None,
    }
    if decides_cases(request.user):
        context["queue"], context["queue_total"] = decision_queue(actor=request.user)
    return render(request, "app/workspace.html", context)


@admin_required
@require_http_methods(["GET", "POST"])
def association_settings(request):
    association = request.association
    accounts = [
        {"iban": a.iban, "bank_name": a.bank_name, "holder_name": a.holder_name}
        for a in association.bank_accounts.all()
    ]
    if request.method == "POST":
        form = AssociationProfileForm(request.POST, request.FILES, instance=_fresh(association))
        formset = BankAccountFormSet(request.POST, prefix="bank")
        if form.is_valid() and formset.is_valid():
            try:
                association_profile_update(
                    association=association,
                    data={
                        **form.to_data(),
                        "bank_accounts": [row for row in formset.cleaned_data if row.get("iban")],
                    },
                )
            except ValidationError as error:
                _errors_onto_settings(form, formset, error)
            else:
                messages.success(request, _("The association's profile was saved."))
                return redirect("association_settings")
        _logo_asked_again(form, request.FILES.get("logo"))
    else:
        form = AssociationProfileForm(instance=association)
        formset = BankAccountFormSet(initial=accounts, prefix="bank")
    return render(request, "app/settings.html", {"form": form, "formset": formset})


def _logo_asked_again(form, chosen) -> None:
    """A browser never sends a file again: when a refused form had a logo chosen, say beside the
    logo field that it was not saved and is to be chosen again (rather than drop it silently)."""
    if chosen is not None and "logo" not in form.errors:
        form.add_error(
            "logo",
            _(
                "The logo you chose (%(name)s) was not saved, as nothing on this page was: "
                "correct what is marked, then choose the logo again."
            )
            % {"name": chosen.name},
        )


def _fresh(association):
    # The cached association must not carry half-applied edits if the form is invalid.
    return type(association).objects.get(pk=association.pk)


def _errors_onto_settings(form, formset, error: ValidationError) -> None:
    for field, field_messages in error.message_dict.items():
        if field.startswith("bank_accounts["):
            index = int(field[len("bank_accounts[") : -1])
            formset.forms[index].add_error("iban", field_messages)
        else:
            form.add_error(field if field in form.fields else None, field_messages)


@admin_required
@require_http_methods(["GET", "POST"])
def members(request):
    roles = referral_roles_known()
    form = InviteForm(request.POST or None, roles=roles)
    if request.method == "POST" and form.is_valid():
        try:
            member_invite(
                email=form.cleaned_data["email"],
                role=form.cleaned_data["role"],
                full_name=form.cleaned_data["full_name"],
                referral_roles=form.cleaned_data["referral_roles"],
                offered={item["code"] for item in roles if item["offered"]},
                invited_by=request.user,
                base_url=request.association.url("").rstrip("/"),
            )
        except ValidationError as error:
            errors_onto_form(form, error)
        else:
            messages.success(request, _("The invitation was sent."))
            return redirect("members")
    return _members_page(request, roles=roles, invite_form=form)


@admin_required
@require_POST
def member_roles(request, member_id: int):
    """One member's role and referral roles, from their row of the members page."""
    member = User.objects.filter(pk=member_id).first()
    if member is None:
        raise Http404
    roles = referral_roles_known()
    form = MemberRolesForm(request.POST, member=member, roles=roles)
    if form.is_valid():
        try:
            member_update(
                member_id=member.pk,
                role=form.cleaned_data["role"],
                referral_roles=form.cleaned_data["referral_roles"],
                offered={item["code"] for item in roles if item["offered"]},
                actor=request.user,
            )
        except ValidationError as error:
            errors_onto_form(form, error)
        else:
            messages.success(request, _("The roles of %(member)s were saved.") % {"member": member})
            return redirect("members")
    return _members_page(request, roles=roles, roles_form=form)


def _member_or_404(member_id: int) -> User:
    member = User.objects.filter(pk=member_id).first()
    if member is None:
        raise Http404
    return member


def _refused(request, error: ValidationError):
    messages.error(request, " ".join(error.messages))
    return redirect("members")


@admin_required
@require_POST
def member_resend(request, member_id: int):
    member = _member_or_404(member_id)
    try:
        member_invite_resend(
            member_id=member.pk,
            invited_by=request.user,
            base_url=request.association.url("").rstrip("/"),
        )
    except ValidationError as error:
        return _refused(request, error)
    messages.success(
        request,
        _("The invitation was sent again to %(member)s; the new link works until %(date)s.")
        % {"member": member, "date": _invitation_expiry()},
    )
    return redirect("members")


def _invitation_expiry() -> str:
    return hijri_with_gregorian(invitation_expires_on(sent_at=timezone.now()), current_language())


# What each confirmed step on a member does, and what it leaves behind.
MEMBER_STEPS = {
    "revoke": (
        gettext_lazy("Revoke the invitation of %(member)s"),
        gettext_lazy(
            "Their invitation link stops working at once and their seat is freed. To have them "
            "join later, invite them again."
        ),
    ),
    "deactivate": (
        gettext_lazy("Deactivate %(member)s"),
        gettext_lazy(
            "They are signed out and can no longer sign in nor use their API keys. Their cases "
            "and the timeline keep their name. You can reactivate them later."
        ),
    ),
}


def _member_confirmed_step(request, member_id: int, step: str, take):
    """A member step asked on a page of its own (GET), taken only when that page's form is sent
    back with `confirm` (POST); then back to the members page."""
    member = _member_or_404(member_id)
    if request.method == "POST" and request.POST.get("confirm") == "1":
        try:
            text = take(member)
        except ValidationError as error:
            return _refused(request, error)
        messages.success(request, text)
        return redirect("members")
    if request.method == "POST":
        return redirect(request.path)
    title, consequence = MEMBER_STEPS[step]
    return render(
        request,
        "app/member_confirm.html",
        {
            "member": member,
            "step": step,
            "title": title % {"member": member},
            "consequence": consequence,
        },
    )


@admin_required
@require_http_methods(["GET", "POST"])
def member_revoke(request, member_id: int):
    def take(member):
        email = member_invite_revoke(member_id=member.pk, actor=request.user)
        return _("The invitation of %(email)s was revoked.") % {"email": email}

    return _member_confirmed_step(request, member_id, "revoke", take)


@admin_required
@require_http_methods(["GET", "POST"])
def member_deactivate(request, member_id: int):
    def take(member):
        member_active_set(member_id=member.pk, active=False, actor=request.user)
        return _("%(member)s was deactivated: they can no longer sign in.") % {"member": member}

    return _member_confirmed_step(request, member_id, "deactivate", take)


@admin_required
@require_POST
def member_reactivate(request, member_id: int):
    member = _member_or_404(member_id)
    try:
        member_active_set(member_id=member.pk, active=True, actor=request.user)
    except ValidationError as error:
        return _refused(request, error)
    messages.success(
        request, _("%(member)s was reactivated and can sign in again.") % {"member": member}
    )
    return redirect("members")


def _members_page(request, *, roles, invite_form=None, roles_form=None):
    """The members with a roles form each (the one just sent keeps what was typed)."""
    rows = [
        {
            "member": member,
            "form": roles_form
            if roles_form is not None and roles_form.member.pk == member.pk
            else MemberRolesForm(member=member, roles=roles),
            "referral_roles": [
                name
                for code, name in referral_role_choices(roles, held=member.referral_roles)
                if code in member.referral_roles
            ],
        }
        for member in User.objects.all()
    ]
    context = {"form": invite_form or InviteForm(roles=roles), "rows": rows}
    return render(request, "app/members.html", context)


@admin_required
@require_http_methods(["GET", "POST"])
def api_tokens(request):
    """Members' API keys: a new one is shown once, on the page that made it."""
    form = ApiTokenForm(request.POST or None)
    new_key = None
    if request.method == "POST" and form.is_valid():
        try:
            token, new_key = api_token_create(
                user=form.cleaned_data["user"], name=form.cleaned_data["name"]
            )
        except ValidationError as error:
            errors_onto_form(form, error)
        else:
            form = ApiTokenForm()
            messages.success(request, _("Copy the key now: it cannot be shown again."))
    tokens = ApiToken.objects.select_related("user")
    response = render(
        request, "app/api_tokens.html", {"form": form, "tokens": tokens, "new_key": new_key}
    )
    response["Cache-Control"] = "no-store"  # the new key is on this page
    return response


@admin_required
@require_http_methods(["GET", "POST"])
def api_token_revoke_view(request, token_id: int):
    """Revoking a key is asked on a page of its own (GET), naming what stops working; it is done
    only when that page's form is sent back with `confirm` (POST)."""
    token = ApiToken.objects.select_related("user").filter(pk=token_id).first()
    if token is None or not token.is_active:
        raise Http404
    if request.method == "POST" and request.POST.get("confirm") == "1":
        try:
            token = api_token_revoke(token_id=token_id)
        except ValidationError as error:
            raise Http404 from error
        messages.success(request, _("The key “%(name)s” no longer works.") % {"name": token.name})
        return redirect("api_tokens")
    if request.method == "POST":
        return redirect(request.path)
    return render(request, "app/api_token_revoke.html", {"token": token})


@require_http_methods(["GET", "POST"])
def join(request, uidb64: str, token: str):
    try:
        user = User.objects.get(pk=int(force_str(urlsafe_base64_decode(uidb64))), is_active=False)
    except (ValueError, TypeError, OverflowError, User.DoesNotExist):
        user = None
    if user is None or not default_token_generator.check_token(user, token):
        return render(request, "app/join_invalid.html", status=404)
    form = JoinForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            member_invite_accept(user=user, password=form.cleaned_data["password"])
        except ValidationError as error:
            errors_onto_form(form, error)
        else:
            login(request, user, backend="django.contrib.auth.backends.ModelBackend")
            return redirect("workspace")
    return render(request, "app/join.html", {"form": form, "invited": user})


def association_media(request, schema: str, path: str):
    """Serves a file of this association only: the path is resolved inside its own folder."""
    # Only the logo is public; documents get their own access-checked views.
    if schema != request.association.schema_name or not path.startswith("logo/"):
        raise Http404
    folder = (Path(settings.MEDIA_ROOT) / schema).resolve()
    target = (folder / path).resolve()
    if folder not in target.parents or not target.is_file():
        raise Http404
    content_type = mimetypes.guess_type(target.name)[0] or "application/octet-stream"
    return FileResponse(target.open("rb"), content_type=content_type)
