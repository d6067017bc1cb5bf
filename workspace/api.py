"""The association's own endpoints of CONTRACT.md: who is signed in, the association, its
members (association host, /api/v1/)."""

from django.utils.translation import gettext as _
from drf_spectacular.utils import extend_schema
from rest_framework import serializers, status
from rest_framework.exceptions import NotFound
from rest_framework.permissions import AllowAny
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts.models import User
from accounts.services import MEMBER_ROLES, member_invite, member_update
from publishing.api import BankAccountSerializer, IsAssociationAdmin
from publishing.selectors import referral_role_codes_offered
from tenants.models import PROFILE_FIELDS, Association
from tenants.services import association_profile_update


class MemberSerializer(serializers.ModelSerializer):
    # An association's roles (operators are in the public schema): one enum in the schema.
    role = serializers.ChoiceField(choices=MEMBER_ROLES)

    class Meta:
        model = User
        fields = ["id", "email", "full_name", "role", "referral_roles"]


class AssociationSerializer(serializers.ModelSerializer):
    """The letterhead (CONTRACT.md): `phone` and `email` are the first of their lists."""

    bank_accounts = BankAccountSerializer(many=True, read_only=True)

    class Meta:
        model = Association
        fields = ["slug", *PROFILE_FIELDS, "social_handles", "bank_accounts", "status"]
        read_only_fields = ["slug", "status"]


class AssociationPatchSerializer(serializers.Serializer):
    """For the schema only: the service checks the input, with a message per field."""

    name_ar = serializers.CharField(required=False)
    name_en = serializers.CharField(required=False)
    license_label_ar = serializers.CharField(required=False)
    license_label_en = serializers.CharField(required=False)
    license_number = serializers.CharField(required=False)
    supervising_authority = serializers.CharField(required=False)
    address = serializers.CharField(required=False)
    postal_code = serializers.CharField(required=False)
    phone = serializers.CharField(required=False)
    phones = serializers.ListField(child=serializers.CharField(), required=False)
    email = serializers.CharField(required=False)
    emails = serializers.ListField(child=serializers.CharField(), required=False)
    website = serializers.CharField(required=False)
    social_handles = serializers.DictField(child=serializers.CharField(), required=False)
    bank_accounts = BankAccountSerializer(many=True, required=False)
    basmala = serializers.BooleanField(required=False)
    reference_header = serializers.BooleanField(required=False)
    digits = serializers.ChoiceField(choices=["latin", "arabic"], required=False)


class MeView(APIView):
    """The member the token or session belongs to, in this association."""

    @extend_schema(responses=MemberSerializer)
    def get(self, request):
        return Response(MemberSerializer(request.user).data)


class AssociationView(APIView):
    """This association's letterhead: public to read, its admins change it."""

    def get_permissions(self):
        return [AllowAny()] if self.request.method == "GET" else [IsAssociationAdmin()]

    @extend_schema(responses=AssociationSerializer)
    def get(self, request):
        return Response(AssociationSerializer(request.association).data)

    @extend_schema(request=AssociationPatchSerializer, responses=AssociationSerializer)
    def patch(self, request):
        if not isinstance(request.data, dict) or "logo" in request.data:
            raise serializers.ValidationError({"detail": [_("Send a JSON object.")]})
        association = association_profile_update(association=request.association, data=request.data)
        return Response(AssociationSerializer(association).data)


class MemberInviteSerializer(serializers.Serializer):
    """What an invitation takes (checked by accounts.services.member_invite, per field)."""

    email = serializers.CharField()
    full_name = serializers.CharField(required=False, allow_blank=True)
    role = serializers.ChoiceField(choices=MEMBER_ROLES)
    referral_roles = serializers.ListField(
        child=serializers.CharField(),
        required=False,
        help_text="Codes of the draft's or the published policy's referral roles; at least one "
        "for the role `referral`, none for the others.",
    )


class MemberPatchSerializer(serializers.Serializer):
    role = serializers.ChoiceField(choices=MEMBER_ROLES, required=False)
    referral_roles = serializers.ListField(
        child=serializers.CharField(),
        required=False,
        help_text="The member's codes, all of them: a code a newer version dropped may be kept, "
        "not given anew.",
    )


def _fields(data, allowed: set[str]) -> dict:
    """The request's JSON object, refusing fields this endpoint does not take."""
    if not isinstance(data, dict):
        raise serializers.ValidationError({"detail": [_("Send a JSON object.")]})
    unknown = sorted(set(data) - allowed)
    if unknown:
        raise serializers.ValidationError(
            {field: [_("This field cannot be changed here.")] for field in unknown}
        )
    return data


class MembersView(APIView):
    """The association's members and invitations (admins). POST invites one by e-mail, within
    the plan's member limit."""

    permission_classes = [IsAssociationAdmin]

    @extend_schema(responses=MemberSerializer(many=True))
    def get(self, request):
        return Response(MemberSerializer(User.objects.all(), many=True).data)

    @extend_schema(request=MemberInviteSerializer, responses={201: MemberSerializer})
    def post(self, request):
        data = _fields(request.data, {"email", "full_name", "role", "referral_roles"})
        member = member_invite(
            email=data.get("email"),
            role=data.get("role"),
            full_name=data.get("full_name", ""),
            referral_roles=data.get("referral_roles", []),
            offered=referral_role_codes_offered(),
            invited_by=request.user,
            base_url=request.association.url("").rstrip("/"),
        )
        return Response(MemberSerializer(member).data, status=status.HTTP_201_CREATED)


class MemberView(APIView):
    """One member's role and referral roles (admins); the last administrator stays one."""

    permission_classes = [IsAssociationAdmin]

    @extend_schema(request=MemberPatchSerializer, responses=MemberSerializer)
    def patch(self, request, member_id: int):
        data = _fields(request.data, {"role", "referral_roles"})
        try:
            member = member_update(
                member_id=member_id,
                role=data.get("role"),
                referral_roles=data.get("referral_roles"),
                offered=referral_role_codes_offered(),
                actor=request.user,
            )
        except User.DoesNotExist as error:
            raise NotFound from error
        return Response(MemberSerializer(member).data)
