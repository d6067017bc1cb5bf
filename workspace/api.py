from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.permissions import AllowAny
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts.models import User
from tenants.models import PROFILE_FIELDS, Association


class MemberSerializer(serializers.ModelSerializer):
    class Meta:
        model = User
        fields = ["id", "email", "full_name", "role", "referral_roles"]


class AssociationSerializer(serializers.ModelSerializer):
    class Meta:
        model = Association
        fields = [
            "slug",
            *PROFILE_FIELDS,
            "social_handles",
            "status",
        ]


class MeView(APIView):
    """The member the token or session belongs to, in this association."""

    @extend_schema(responses=MemberSerializer)
    def get(self, request):
        return Response(MemberSerializer(request.user).data)


class AssociationView(APIView):
    """This association's public profile."""

    permission_classes = [AllowAny]

    @extend_schema(responses=AssociationSerializer)
    def get(self, request):
        return Response(AssociationSerializer(request.association).data)
