"""The cases and requests endpoints of CONTRACT.md (association host, /api/v1/)."""

from __future__ import annotations

import re
from functools import partial

from django.utils.translation import gettext as _
from django_tenants.utils import get_public_schema_name
from drf_spectacular.utils import (
    OpenApiParameter,
    extend_schema,
    extend_schema_field,
    inline_serializer,
)
from rest_framework import permissions, serializers, status
from rest_framework.exceptions import NotFound, Throttled
from rest_framework.pagination import PageNumberPagination
from rest_framework.parsers import JSONParser
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts.models import User
from common.access_trail import AccessAction, access_record
from common.pagination import CountedPaginator
from common.ratelimit import (
    LINK_WINDOW_SECONDS,
    client_ip,
    link_guessing,
    link_missed,
    rate_limit_exceeded,
    rate_limit_retry_after,
)
from publishing.selectors import policy_published
from publishing.services import CODE_PATTERN
from tenants.selectors import schema_current
from workflow import selectors, services
from workflow.models import Case, CaseEvent, CaseKind, CaseStatus, MessageLanguage
from workflow.permissions import SENSITIVE_FIELDS, opens_cases, sees_sensitive
from workflow.services import MAX_SUMMARY
from workflow.transitions import TRANSITIONS

PUBLIC_REQUESTS_PER_HOUR = 10
PUBLIC_WINDOW_SECONDS = 3600


def public_submission_exceeded(request) -> bool:
    """Count one public submission (a request or a complaint, by page or API) against the
    client's hourly budget; True once it is spent. One budget per address, whichever door."""
    return rate_limit_exceeded(
        scope="public-request", key=client_ip(request), limit=PUBLIC_REQUESTS_PER_HOUR,
        window_seconds=PUBLIC_WINDOW_SECONDS,
    )  # fmt: skip


# Bodies with a nested beneficiary: JSON, the one type the schema offers for them.
JSON_ONLY = [JSONParser]


class IsMember(permissions.BasePermission):
    def has_permission(self, request, view):
        return bool(request.user and request.user.is_authenticated and request.user.is_active)


class ChannelSerializer(serializers.Serializer):
    code = serializers.CharField(source="channel_code")
    name_ar = serializers.CharField(source="channel_name_ar")
    name_en = serializers.CharField(source="channel_name_en")


class BeneficiarySerializer(serializers.Serializer):
    id = serializers.IntegerField()
    national_id = serializers.CharField()
    full_name = serializers.CharField()
    phone = serializers.CharField()
    email = serializers.CharField()
    city = serializers.CharField()
    household_size = serializers.IntegerField(allow_null=True)
    language = serializers.CharField()
    # Only for the roles that need them (workflow.permissions); absent for the others.
    household_notes = serializers.CharField(required=False)
    health_notes = serializers.CharField(required=False)
    monthly_income = serializers.DecimalField(
        max_digits=12, decimal_places=2, allow_null=True, required=False
    )

    def to_representation(self, instance):
        data = super().to_representation(instance)
        if not self.context.get("sees_sensitive"):
            for field in SENSITIVE_FIELDS:
                data.pop(field, None)
        return data


class EventSerializer(serializers.ModelSerializer):
    actor = serializers.CharField(source="actor_email")

    class Meta:
        model = CaseEvent
        fields = ["action", "from_status", "to_status", "actor", "note", "data", "at"]


class CaseSerializer(serializers.ModelSerializer):
    channel = ChannelSerializer(source="*")
    beneficiary = BeneficiarySerializer()
    events = EventSerializer(many=True)
    referral_role = serializers.CharField(source="referral_role_code")
    # The version the case runs by, and what this member may do on it now.
    policy_version = serializers.IntegerField(source="policy_version_opened")
    actions = serializers.SerializerMethodField()

    class Meta:
        model = Case
        fields = [
            "id", "reference", "kind", "status", "channel", "beneficiary", "summary",
            "committee_due_on", "submitted_on", "decided_on", "decision_reason",
            "policy_version", "policy_version_opened", "policy_version_committee",
            "verified_at", "declared_at", "answered_at", "referral_role", "version",
            "created_at", "updated_at", "actions", "events",
        ]  # fmt: skip

    def get_actions(self, case) -> list[str]:
        return services.case_actions_for(case=case, actor=self.context["actor"])


class CaseListSerializer(CaseSerializer):
    class Meta(CaseSerializer.Meta):
        fields = [f for f in CaseSerializer.Meta.fields if f not in ("events", "actions")]


# The rules the service applies to each field, said in the schema, so that a client generated
# from it sends what the server accepts: lengths, patterns, enums; what no pattern says (an ID's
# check digit, the association's own channels) is in a format or filled in per association by
# `workflow_schema_hook`. The service still checks everything and names each bad field.
NO_NUL = r"^[^\x00]+$"  # the empty string is offered beside it, for the optional fields
NOT_BLANK = r"^[^\x00]*[^\s\x00][^\x00]*$"  # some text besides spaces, and no NUL
MOBILE = r"^(?:\+966|0)5(?:[013-689][0-9]{7}|7[0-8][0-9]{6}|79[0-8][0-9]{5})$"
EMAIL = (
    r"^[A-Za-z0-9_%+-]+(?:\.[A-Za-z0-9_%+-]+)*"
    r"@(?:[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?\.)+[A-Za-z]{2,63}$"
)
INCOME = r"^(?:|[0-9]{1,7}(?:\.[0-9]{1,2})?|10000000(?:\.00?)?)$"  # empty: not known


def _text(limit: int, *, required: bool = True) -> serializers.RegexField:
    if required:
        return serializers.RegexField(NOT_BLANK, max_length=limit)
    return serializers.RegexField(
        NO_NUL, max_length=limit, required=False, allow_blank=True, allow_null=True
    )


@extend_schema_field(
    {
        "type": "string",
        "format": "saudi-national-id",
        "pattern": r"^[12][0-9]{9}$",
        "description": "A national ID (1…) or iqama number (2…): ten digits, the last a Luhn "
        "check digit.",
    }
)
class NationalIdField(serializers.CharField):
    pass


@extend_schema_field(
    {
        "type": "string",
        "nullable": True,
        "pattern": INCOME,
        "description": "Riyals as text, at most two decimals, from 0 to 10,000,000.",
    }
)
class IncomeField(serializers.CharField):
    pass


class BeneficiaryInputSerializer(serializers.Serializer):
    national_id = NationalIdField()
    full_name = _text(200)
    phone = serializers.RegexField(MOBILE, help_text="A Saudi mobile: 05XXXXXXXX or +9665XXXXXXXX.")
    email = serializers.RegexField(
        EMAIL, max_length=254, required=False, allow_blank=True, allow_null=True
    )
    city = _text(100, required=False)
    household_size = serializers.IntegerField(
        min_value=1, max_value=50, required=False, allow_null=True
    )
    language = serializers.ChoiceField(
        choices=MessageLanguage.choices,
        required=False,
        help_text="The language of the SMS and e-mails they receive (an online request: the "
        "request's language by default; a known person keeps theirs).",
    )


class StaffBeneficiaryInputSerializer(BeneficiaryInputSerializer):
    """Staff also record the sensitive details; an online request never carries them."""

    household_notes = _text(2000, required=False)
    health_notes = _text(2000, required=False)
    monthly_income = IncomeField(required=False)


@extend_schema_field({"type": "boolean", "enum": [True]})
class ConsentField(serializers.BooleanField):
    """Only a yes: without the beneficiary's consent nothing is recorded."""


def _kind() -> serializers.ChoiceField:
    return serializers.ChoiceField(
        choices=CaseKind.choices, required=False, allow_blank=True, allow_null=True
    )


class OpenCaseSerializer(serializers.Serializer):
    """For the schema: the service checks the input and names every bad field."""

    channel = serializers.CharField(
        help_text="A channel of the association's published policy (the enum lists them)."
    )
    beneficiary = StaffBeneficiaryInputSerializer()
    summary = _text(MAX_SUMMARY)
    consent = ConsentField()
    kind = _kind()


class TransitionSerializer(serializers.Serializer):
    action = serializers.ChoiceField(choices=list(TRANSITIONS))
    version = serializers.IntegerField(required=False)
    role = serializers.CharField(required=False)
    note = serializers.CharField(required=False)
    signed_by = serializers.CharField(required=False)
    decision = serializers.ChoiceField(choices=["accepted", "rejected"], required=False)
    reason = serializers.CharField(required=False)


def workflow_schema_hook(result, generator, request, public):
    """drf-spectacular postprocessing hook for the rules a serializer cannot say.

    The channels a case may be opened through are the published policy's, of the association
    whose host serves the schema; the list filters on any channel of the catalogue (a case keeps
    a channel its association stopped offering). Request bodies take only the fields described:
    the server ignores others, but refuses a NUL anywhere in a body.
    """
    paths, components = result["paths"], result["components"]["schemas"]

    def component(schema: dict) -> dict:
        return components[schema["$ref"].rsplit("/", 1)[-1]]

    def closed(schema: dict) -> None:
        schema["additionalProperties"] = False
        for value in schema.get("properties", {}).values():
            if "$ref" in value:
                closed(component(value))

    for path in (
        "/api/v1/cases/",
        "/api/v1/cases/{case_id}/transitions/",
        "/api/v1/requests/",
        "/api/v1/complaints/",
    ):
        body = paths.get(path, {}).get("post", {}).get("requestBody")
        if body:
            closed(component(body["content"]["application/json"]["schema"]))
    cases = paths.get("/api/v1/cases/", {})
    policy = policy_published() if schema_current() != get_public_schema_name() else None
    if "post" in cases and policy is not None:
        opening = component(cases["post"]["requestBody"]["content"]["application/json"]["schema"])
        opening["properties"]["channel"]["enum"] = [
            item["code"] for item in policy.content["channels"]
        ]
    for parameter in cases.get("get", {}).get("parameters", []):
        if parameter["name"] == "channel":
            parameter["schema"]["pattern"] = CODE_PATTERN.pattern
    return result


def _beneficiary_shape_check(data: dict, serializer: type[serializers.Serializer]) -> None:
    """What the API takes more strictly than the forms, as its schema says: only the fields of
    `serializer`, the ID and the mobile as text in ASCII digits (no spaces or marks), the
    income as text."""
    person = data.get("beneficiary")
    if not isinstance(person, dict):
        return  # the service names it
    errors = {
        f"beneficiary.{name}": [_("Unknown field.")]
        for name in sorted(set(person) - set(serializer().fields))
    }
    national_id, phone = person.get("national_id"), person.get("phone")
    if national_id is not None and not (
        isinstance(national_id, str) and re.fullmatch(r"[12][0-9]{9}", national_id)
    ):
        errors["beneficiary.national_id"] = [_("A national ID or iqama number has 10 digits.")]
    if phone is not None and not (isinstance(phone, str) and re.fullmatch(MOBILE, phone)):
        errors["beneficiary.phone"] = [_("Enter a mobile number such as 0512345678.")]
    income = person.get("monthly_income")
    if income is not None and not isinstance(income, str):
        # A JSON number would carry a float's rounding.
        errors["beneficiary.monthly_income"] = [
            _("Enter the monthly income in riyals, such as 3500 or 3500.50.")
        ]
    if errors:
        raise serializers.ValidationError(errors)


def _kind_of(data: dict) -> str:
    # Absent, null or empty: a request. Anything else but one of the kinds is refused.
    kind = data.get("kind")
    if kind is None or kind == "":
        return CaseKind.REQUEST
    return kind if isinstance(kind, str) else "?"


def _object(data) -> dict:
    if not isinstance(data, dict):
        raise serializers.ValidationError({"detail": [_("Send a JSON object.")]})
    texts_within_limits(data, {"summary": MAX_SUMMARY})
    return data


def texts_within_limits(data: dict, limits: dict[str, int]) -> None:
    """The schema bounds a text as sent; the forms measure it after trimming the spaces people
    type, so the API refuses here what the service would trim into its limit."""
    errors = {
        name: [_("Ensure this field has no more than %(limit)s characters.") % {"limit": limit}]
        for name, limit in limits.items()
        if isinstance(data.get(name), str) and len(data[name]) > limit
    }
    if errors:
        raise serializers.ValidationError(errors)


def _case_response(case_id: int, *, actor: User, code=status.HTTP_200_OK) -> Response:
    case = Case.objects.select_related("beneficiary").prefetch_related("events").get(pk=case_id)
    context = {"sees_sensitive": sees_sensitive(actor), "actor": actor}
    return Response(CaseSerializer(case, context=context).data, status=code)


class CaseListView(APIView):
    """Cases of this association; staff open new ones through a published channel."""

    permission_classes = [IsMember]
    parser_classes = JSON_ONLY

    @extend_schema(
        # A hand-written page, not a `many` serializer: without its own id it collides with the
        # detail's (a warning that `check --deploy` reports).
        operation_id="v1_cases_list",
        parameters=[
            OpenApiParameter("status", str, enum=CaseStatus.values),
            OpenApiParameter("channel", str, description="A channel code of the catalogue."),
            OpenApiParameter("page", {"type": "integer", "minimum": 1}),
        ],
        responses=inline_serializer(
            "PaginatedCaseList",
            {
                "count": serializers.IntegerField(),
                "next": serializers.URLField(allow_null=True),
                "previous": serializers.URLField(allow_null=True),
                "results": CaseListSerializer(many=True),
            },
        ),
    )
    def get(self, request):
        wanted = request.query_params.get("status")
        # An empty filter is a mistake the schema's enum forbids too, not "no filter".
        if wanted is not None and wanted not in CaseStatus.values:
            raise serializers.ValidationError({"status": [_("Unknown status.")]})
        channel = request.query_params.get("channel")
        # Any channel's code, the association's own too: a case keeps a channel its
        # association stopped offering; a code that names none lists no case.
        if channel is not None and not CODE_PATTERN.match(channel):
            raise serializers.ValidationError({"channel": [_("Unknown channel.")]})
        page_number = request.query_params.get("page")
        if page_number is not None and not (
            page_number.isascii() and page_number.isdigit() and int(page_number) >= 1
        ):
            raise serializers.ValidationError({"page": [_("A page number, from 1.")]})
        filters = {"status": wanted or None, "channel": (channel or "")[:60] or None}
        cases = selectors.case_list(actor=request.user, **filters)
        paginator = PageNumberPagination()
        # The page count from the counters where they tell it, not a COUNT(*) of every case.
        known = selectors.case_list_count(actor=request.user, **filters)
        if known is not None:
            paginator.django_paginator_class = partial(CountedPaginator, count=known)
        page = paginator.paginate_queryset(cases, request, view=self)
        access_record(
            actor=request.user,
            action=AccessAction.SEARCH,
            object_type="case",
            detail={
                "status": wanted or "",
                "channel": channel or "",
                "page": paginator.page.number,
            },
        )
        context = {"sees_sensitive": sees_sensitive(request.user)}
        return paginator.get_paginated_response(
            CaseListSerializer(page, many=True, context=context).data
        )

    @extend_schema(request=OpenCaseSerializer, responses={201: CaseSerializer})
    def post(self, request):
        if not opens_cases(request.user):
            raise serializers.ValidationError(
                {"detail": [_("Only beneficiary relations staff open cases.")]}
            )
        data = _object(request.data)
        _beneficiary_shape_check(data, StaffBeneficiaryInputSerializer)
        case, _token = services.case_open(
            channel=str(data.get("channel") or ""),
            beneficiary=data.get("beneficiary"),
            summary=data.get("summary") if isinstance(data.get("summary"), str) else "",
            consent=data.get("consent") is True,
            kind=_kind_of(data),
            actor=request.user,
        )
        return _case_response(case.pk, actor=request.user, code=status.HTTP_201_CREATED)


class CaseDetailView(APIView):
    permission_classes = [IsMember]

    @extend_schema(responses=CaseSerializer)
    def get(self, request, case_id: int):
        try:
            case = services.case_get_for(actor=request.user, case_id=case_id)
        except Case.DoesNotExist as error:
            raise NotFound() from error
        return _case_response(case.pk, actor=request.user)


class CaseTransitionView(APIView):
    """One step of the lifecycle (CONTRACT.md's table); 409 if the case moved meanwhile."""

    permission_classes = [IsMember]
    parser_classes = JSON_ONLY

    @extend_schema(
        request=TransitionSerializer,
        responses={
            200: CaseSerializer,
            409: inline_serializer("Conflict", {"detail": serializers.CharField()}),
        },
    )
    def post(self, request, case_id: int):
        try:
            # The transition records the update.
            case = services.case_get_for(actor=request.user, case_id=case_id, record=None)
        except Case.DoesNotExist as error:
            raise NotFound() from error
        data = _object(request.data)
        version = data.get("version")
        if version is not None and (isinstance(version, bool) or not isinstance(version, int)):
            raise serializers.ValidationError({"version": ["A whole number."]})
        try:
            services.case_transition(
                case_id=case.pk,
                actor=request.user,
                action=str(data.get("action") or ""),
                data=data,
                expected_version=version,
            )
        except services.CaseConflict:
            return Response(
                {"detail": "The case changed since you read it; read it again and retry."},
                status=status.HTTP_409_CONFLICT,
            )
        return _case_response(case.pk, actor=request.user)


class PublicRequestSerializer(serializers.Serializer):
    beneficiary = BeneficiaryInputSerializer()
    summary = _text(MAX_SUMMARY)
    consent = ConsentField()
    kind = _kind()


class RequestCreateView(APIView):
    """A beneficiary files a request online (only if the policy publishes the website channel)."""

    permission_classes = [permissions.AllowAny]
    authentication_classes: list = []
    parser_classes = JSON_ONLY

    @extend_schema(
        request=PublicRequestSerializer,
        responses={
            201: inline_serializer(
                "RequestCreated",
                {"reference": serializers.CharField(), "status_token": serializers.CharField()},
            )
        },
    )
    def post(self, request):
        if public_submission_exceeded(request):
            raise Throttled(wait=rate_limit_retry_after(window_seconds=PUBLIC_WINDOW_SECONDS))
        data = _object(request.data)
        _beneficiary_shape_check(data, BeneficiaryInputSerializer)
        case, token = services.case_open(
            channel="website",
            beneficiary=data.get("beneficiary"),
            summary=data.get("summary") if isinstance(data.get("summary"), str) else "",
            consent=data.get("consent") is True,
            kind=_kind_of(data),
            actor=None,
        )
        return Response(
            {"reference": case.reference, "status_token": token}, status=status.HTTP_201_CREATED
        )


class RequestStatusView(APIView):
    permission_classes = [permissions.AllowAny]
    authentication_classes: list = []

    @extend_schema(
        parameters=[
            OpenApiParameter(
                "reference",
                {"type": "string", "pattern": r"^[A-Z0-9]{4}-[A-Z0-9]{4}$"},
                OpenApiParameter.PATH,
            ),
            OpenApiParameter("token", {"type": "string", "pattern": NO_NUL}, required=True),
        ],
        responses=inline_serializer(
            "RequestStatus",
            {
                "reference": serializers.CharField(),
                "status": serializers.CharField(),
                "committee_due_on": serializers.DateField(allow_null=True),
                "updated_at": serializers.DateTimeField(),
            },
        ),
    )
    def get(self, request, reference: str):
        if link_guessing(request):
            raise Throttled(wait=rate_limit_retry_after(window_seconds=LINK_WINDOW_SECONDS))
        case = services.case_status_for_token(
            reference=reference, token=request.query_params.get("token", "")
        )
        if case is None:
            link_missed(request)
            raise NotFound()
        return Response(
            {
                "reference": case.reference,
                "status": case.status,
                "committee_due_on": case.committee_due_on,
                "updated_at": case.updated_at,
            }
        )
