from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.permissions import AllowAny
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts.models import User
from publishing.api import IsAssociationAdmin
from tenants.models import PROFILE_FIELDS, Association
from tenants.services import association_profile_update


class MemberSerializer(serializers.ModelSerializer):
    class Meta:
        model = User
        fields = ["id", "email", "full_name", "role", "referral_roles"]


class BankAccountSerializer(serializers.Serializer):
    bank_name = serializers.CharField()
    iban = serializers.CharField()


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
            raise serializers.ValidationError({"detail": ["Send a JSON object of the fields."]})
        association = association_profile_update(association=request.association, data=request.data)
        return Response(AssociationSerializer(association).data)
