"""Members after the invitation: the e-mail's words, sending it again, revoking it,
deactivating and reactivating a member (each asked first where it cannot simply be redone),
and beta's admin trying each on alpha's members."""

import datetime
import re

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone
from django_tenants.utils import schema_context

from accounts.models import User
from accounts.services import member_active_set, member_invite_revoke
from accounts.tokens import api_token_create
from billing.models import Plan
from tests.helpers import PASSWORD, client_for

# 12:00 in Riyadh; the link lives three days (PASSWORD_RESET_TIMEOUT).
SENT_AT = datetime.datetime(2026, 3, 10, 9, 0, tzinfo=datetime.UTC)
LINK = re.compile(r"http://\S+/app/join/\S+/")


def _invite(alpha, *, email="sara@alpha.example", full_name="سارة الحربي", role="committee"):
    admin = client_for(alpha, email=alpha.admin_email)
    response = admin.post("/app/members/", {"email": email, "full_name": full_name, "role": role})
    assert response.status_code == 302
    with schema_context(alpha.association.schema_name):
        return User.objects.get(email=email)


def _in(alpha, **lookup) -> User | None:
    with schema_context(alpha.association.schema_name):
        return User.objects.filter(**lookup).first()


def test_the_invitation_greets_by_name_and_names_the_association_inviter_role_and_expiry(
    alpha, mailoutbox, monkeypatch
):
    monkeypatch.setattr(timezone, "now", lambda: SENT_AT)
    _invite(alpha)
    [mail] = mailoutbox
    assert mail.subject == (
        "دعوة للانضمام إلى جمعية ألفا الخيرية على مستفيد · Invitation to Alpha Charity on Mustafid"
    )
    link = LINK.search(mail.body).group(0)
    assert mail.body == (
        "السلام عليكم سارة الحربي،\n\n"
        "دعاكم Admin of alpha للانضمام إلى مساحة عمل «جمعية ألفا الخيرية» على منصة مستفيد "
        "بدور «عضو اللجنة».\n"
        f"اختاروا كلمة المرور من هذا الرابط:\n{link}\n\n"
        "يعمل الرابط حتى 24/09/1447هـ الموافق 13/03/2026م. إن انتهت مدته قبل استخدامه فاطلبوا "
        "من Admin of alpha إرسال الدعوة من جديد.\n\n—\n\n"
        "Hello سارة الحربي,\n\n"
        "Admin of alpha invited you to the workspace of Alpha Charity on Mustafid, as Committee "
        "member.\n"
        f"Choose your password here:\n{link}\n\n"
        "The link works until 24 Ramadan 1447 AH (13 March 2026). If it expires before you use "
        "it, ask Admin of alpha to send the invitation again.\n"
    )


def test_an_invitation_without_a_name_greets_without_the_address(alpha, mailoutbox):
    _invite(alpha, full_name="")
    body = mailoutbox[-1].body
    assert body.startswith("السلام عليكم،\n")
    assert "\nHello,\n" in body


def test_admin_sends_an_invitation_again_and_the_new_link_lets_them_join(alpha, mailoutbox):
    invited = _invite(alpha)
    admin = client_for(alpha, email=alpha.admin_email)
    page = admin.get("/app/members/").content.decode()
    assert "لم ينضم بعد" in page
    assert f'action="/app/members/{invited.pk}/resend/"' in page

    response = admin.post(f"/app/members/{invited.pk}/resend/?lang=en")
    assert response["Location"] == "/app/members/"
    assert len(mailoutbox) == 2 and mailoutbox[-1].to == ["sara@alpha.example"]
    assert (
        "was sent again to سارة الحربي; the new link works until"
        in admin.get("/app/members/?lang=en").content.decode()
    )
    path = LINK.search(mailoutbox[-1].body).group(0).split(":8000", 1)[1]
    joining = client_for(alpha)
    assert joining.post(path, {"password": "Another-strong-2026"})["Location"] == "/app/"
    assert _in(alpha, pk=invited.pk).is_active


def test_a_member_who_joined_has_no_invitation_to_resend_or_revoke(alpha, mailoutbox):
    admin = client_for(alpha, email=alpha.admin_email)
    staff = _in(alpha, email=alpha.staff_email)
    admin.post(f"/app/members/{staff.pk}/resend/?lang=en")
    assert "has joined already" in admin.get("/app/members/?lang=en").content.decode()
    admin.post(f"/app/members/{staff.pk}/revoke/", {"confirm": "1"})
    assert _in(alpha, pk=staff.pk) is not None
    assert mailoutbox == []


def test_revoking_an_invitation_is_asked_first_then_the_link_stops_working(alpha, mailoutbox):
    invited = _invite(alpha)
    path = LINK.search(mailoutbox[-1].body).group(0).split(":8000", 1)[1]
    admin = client_for(alpha, email=alpha.admin_email)
    url = f"/app/members/{invited.pk}/revoke/"

    asked = admin.get(url).content.decode()
    assert "سحب دعوة سارة الحربي" in asked
    assert "يتوقف رابط الدعوة عن العمل فورًا" in asked
    assert 'name="confirm" value="1"' in asked
    # A post without the page's confirmation goes back to the question and takes nothing.
    assert admin.post(url)["Location"] == url
    assert _in(alpha, pk=invited.pk) is not None

    assert admin.post(url, {"confirm": "1"})["Location"] == "/app/members/"
    assert _in(alpha, pk=invited.pk) is None
    assert client_for(alpha).get(path).status_code == 404
    table = admin.get("/app/members/").content.decode().split("<table")[1].split("</table>")[0]
    assert "sara@alpha.example" not in table


def test_a_deactivated_member_is_signed_out_loses_the_api_and_comes_back_when_reactivated(alpha):
    admin = client_for(alpha, email=alpha.admin_email)
    staff_client = client_for(alpha, email=alpha.staff_email)
    staff = _in(alpha, email=alpha.staff_email)
    with schema_context(alpha.association.schema_name):
        _, key = api_token_create(user=staff, name="المحاسبة")
    url = f"/app/members/{staff.pk}/deactivate/"
    asked = admin.get(url).content.decode()
    assert "لا يعود بإمكانه تسجيل الدخول" in asked
    assert admin.post(url)["Location"] == url  # not confirmed: nothing happens
    assert _in(alpha, pk=staff.pk).is_active

    assert admin.post(url, {"confirm": "1"})["Location"] == "/app/members/"
    assert not _in(alpha, pk=staff.pk).is_active
    assert staff_client.get("/app/").status_code == 302  # the open session ends
    api = client_for(alpha).get("/api/v1/me/", HTTP_AUTHORIZATION=f"Token {key}")
    assert api.status_code == 401
    page = admin.get("/app/members/").content.decode()
    assert "موقوف" in page
    assert f'action="/app/members/{staff.pk}/reactivate/"' in page

    assert admin.post(f"/app/members/{staff.pk}/reactivate/")["Location"] == "/app/members/"
    again = client_for(alpha)
    again.post("/accounts/login/", {"login": alpha.staff_email, "password": PASSWORD})
    assert again.get("/app/").status_code == 200


def test_the_last_administrator_cannot_be_deactivated_nor_deactivate_themselves(alpha):
    with schema_context(alpha.association.schema_name):
        admin = User.objects.get(email=alpha.admin_email)
        staff = User.objects.get(email=alpha.staff_email)
        with pytest.raises(ValidationError, match="إيقاف حسابك بنفسك"):
            member_active_set(member_id=admin.pk, active=False, actor=admin)
        second = User.objects.create_user("admin2@alpha.example", PASSWORD, role="admin")
        member_active_set(member_id=admin.pk, active=False, actor=second)
        with pytest.raises(ValidationError, match="آخر مدير"):
            member_active_set(member_id=second.pk, active=False, actor=staff)
        assert User.objects.get(pk=second.pk).is_active
    page = client_for(alpha, email="admin2@alpha.example").get("/app/members/").content.decode()
    assert f"/app/members/{second.pk}/deactivate/" not in page  # no link to deactivate oneself


def test_an_invited_member_is_revoked_not_deactivated(alpha, mailoutbox):
    invited = _invite(alpha)
    admin = client_for(alpha, email=alpha.admin_email)
    admin.post(f"/app/members/{invited.pk}/deactivate/?lang=en", {"confirm": "1"})
    assert "revoke the invitation instead" in admin.get("/app/members/?lang=en").content.decode()
    assert _in(alpha, pk=invited.pk).is_invited


def test_beta_cannot_resend_revoke_deactivate_reactivate_or_change_alphas_members(
    alpha, beta, mailoutbox
):
    invited = _invite(alpha)
    staff = _in(alpha, email=alpha.staff_email)
    sent = len(mailoutbox)
    intruder = client_for(beta, email=beta.admin_email)
    beta_ids = set()
    with schema_context(beta.association.schema_name):
        beta_ids = set(User.objects.values_list("pk", flat=True))
    for member in (invited, staff):
        if member.pk in beta_ids:
            continue  # the same number is one of beta's own members: not alpha's
        for step in ("resend", "revoke", "deactivate", "reactivate", "roles"):
            response = intruder.post(
                f"/app/members/{member.pk}/{step}/", {"confirm": "1", "role": "staff"}
            )
            assert response.status_code == 404, (member.email, step)
        assert intruder.get(f"/app/members/{member.pk}/revoke/").status_code == 404
    with schema_context(beta.association.schema_name):
        with pytest.raises(User.DoesNotExist):
            member_invite_revoke(member_id=invited.pk + 1000, actor=User.objects.first())
    assert len(mailoutbox) == sent
    assert _in(alpha, pk=invited.pk).is_invited
    after = _in(alpha, pk=staff.pk)
    assert (after.is_active, after.role) == (True, "staff")


def test_a_deactivated_member_frees_a_seat_and_a_reactivation_needs_one(alpha, mailoutbox):
    Plan.objects.filter(code="trial").update(max_members=2)  # the admin and the staff member
    admin = client_for(alpha, email=alpha.admin_email)
    staff = _in(alpha, email=alpha.staff_email)
    admin.post(f"/app/members/{staff.pk}/deactivate/", {"confirm": "1"})
    _invite(alpha, email="new@alpha.example")  # the seat freed is taken
    admin.post(f"/app/members/{staff.pk}/reactivate/?lang=en")
    assert "allows 2 members" in admin.get("/app/members/?lang=en").content.decode()
    assert not _in(alpha, pk=staff.pk).is_active
    admin.post(f"/app/members/{_in(alpha, email='new@alpha.example').pk}/revoke/", {"confirm": "1"})
    admin.post(f"/app/members/{staff.pk}/reactivate/")
    assert _in(alpha, pk=staff.pk).is_active
