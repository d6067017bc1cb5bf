"""POST /api/v1/complaints/ (CONTRACT.md): a complaint or suggestion filed by a program."""

from __future__ import annotations

import re

from django.utils.translation import gettext as _
from drf_spectacular.utils import extend_schema, inline_serializer
from rest_framework import permissions, serializers, status
from rest_framework.exceptions import Throttled
from rest_framework.response import Response
from rest_framework.views import APIView

from common.ratelimit import rate_limit_retry_after
from complaints.models import ComplaintKind
from complaints.services import MAX_NAME, MAX_TEXT, complaint_file
from workflow.api import (
    JSON_ONLY,
    MOBILE,
    NOT_BLANK,
    PUBLIC_WINDOW_SECONDS,
    ConsentField,
    public_submission_exceeded,
    texts_within_limits,
)

FIELDS = ("kind", "name", "phone", "text", "consent")


class ComplaintInputSerializer(serializers.Serializer):
    """For the schema: the service checks the input and names every bad field."""

    kind = serializers.ChoiceField(choices=ComplaintKind.choices)
    name = serializers.RegexField(NOT_BLANK, max_length=MAX_NAME)
    phone = serializers.RegexField(MOBILE, help_text="A Saudi mobile: 05XXXXXXXX or +9665XXXXXXXX.")
    text = serializers.RegexField(NOT_BLANK, max_length=MAX_TEXT)
    consent = ConsentField()


def _shape_check(data) -> dict:
    """What the API takes more strictly than the form: a JSON object of the five fields only,
    the mobile as text in ASCII digits."""
    if not isinstance(data, dict):
        raise serializers.ValidationError({"detail": [_("Send a JSON object.")]})
    errors = {name: [_("Unknown field.")] for name in sorted(set(data) - set(FIELDS))}
    phone = data.get("phone")
    if phone is not None and not (isinstance(phone, str) and re.fullmatch(MOBILE, phone)):
        errors["phone"] = [_("Enter a mobile number such as 0512345678.")]
    if errors:
        raise serializers.ValidationError(errors)
    texts_within_limits(data, {"name": MAX_NAME, "text": MAX_TEXT})
    return data


class ComplaintCreateView(APIView):
    """Anyone files a complaint or a suggestion; staff see it in the complaints log, never as
    a case."""

    permission_classes = [permissions.AllowAny]
    authentication_classes: list = []
    parser_classes = JSON_ONLY

    @extend_schema(
        request=ComplaintInputSerializer,
        responses={
            201: inline_serializer(
                "ComplaintCreated",
                {"reference": serializers.CharField(), "status_token": serializers.CharField()},
            )
        },
    )
    def post(self, request):
        if public_submission_exceeded(request):
            raise Throttled(wait=rate_limit_retry_after(window_seconds=PUBLIC_WINDOW_SECONDS))
        data = _shape_check(request.data)
        complaint, token = complaint_file(
            kind=data.get("kind"),
            name=data.get("name"),
            phone=data.get("phone"),
            text=data.get("text"),
            consent=data.get("consent") is True,
            actor=None,
        )
        return Response(
            {"reference": complaint.reference, "status_token": token},
            status=status.HTTP_201_CREATED,
        )
