"""The cases and requests endpoints of CONTRACT.md (association host, /api/v1/)."""

from __future__ import annotations

from drf_spectacular.utils import OpenApiParameter, extend_schema, inline_serializer
from rest_framework import permissions, serializers, status
from rest_framework.exceptions import NotFound, Throttled
from rest_framework.pagination import PageNumberPagination
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts.models import User
from common.access_trail import AccessAction, access_record
from common.ratelimit import client_ip, link_guessing, link_missed, rate_limit_exceeded
from workflow import selectors, services
from workflow.models import Case, CaseEvent, CaseKind, CaseStatus
from workflow.permissions import SENSITIVE_FIELDS, opens_cases, sees_sensitive

PUBLIC_REQUESTS_PER_HOUR = 10


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


class BeneficiaryInputSerializer(serializers.Serializer):
    national_id = serializers.CharField()
    full_name = serializers.CharField()
    phone = serializers.CharField()
    email = serializers.CharField(required=False)
    city = serializers.CharField(required=False)
    household_size = serializers.IntegerField(required=False)


class StaffBeneficiaryInputSerializer(BeneficiaryInputSerializer):
    """Staff also record the sensitive details; an online request never carries them."""

    household_notes = serializers.CharField(required=False)
    health_notes = serializers.CharField(required=False)
    monthly_income = serializers.DecimalField(max_digits=12, decimal_places=2, required=False)


class OpenCaseSerializer(serializers.Serializer):
    """For the schema: the service checks the input and names every bad field."""

    channel = serializers.CharField()
    beneficiary = StaffBeneficiaryInputSerializer()
    summary = serializers.CharField()
    consent = serializers.BooleanField()
    kind = serializers.ChoiceField(choices=CaseKind.choices, required=False)


class TransitionSerializer(serializers.Serializer):
    action = serializers.CharField()
    version = serializers.IntegerField(required=False)
    role = serializers.CharField(required=False)
    note = serializers.CharField(required=False)
    signed_by = serializers.CharField(required=False)
    decision = serializers.ChoiceField(choices=["accepted", "rejected"], required=False)
    reason = serializers.CharField(required=False)


def _object(data) -> dict:
    if not isinstance(data, dict):
        raise serializers.ValidationError({"detail": ["Send a JSON object."]})
    return data


def _case_response(case_id: int, *, actor: User, code=status.HTTP_200_OK) -> Response:
    case = Case.objects.select_related("beneficiary").prefetch_related("events").get(pk=case_id)
    context = {"sees_sensitive": sees_sensitive(actor), "actor": actor}
    return Response(CaseSerializer(case, context=context).data, status=code)


class CaseListView(APIView):
    """Cases of this association; staff open new ones through a published channel."""

    permission_classes = [IsMember]

    @extend_schema(
        # A hand-written page, not a `many` serializer: without its own id it collides with the
        # detail's (a warning that `check --deploy` reports).
        operation_id="v1_cases_list",
        parameters=[
            OpenApiParameter("status", str, enum=CaseStatus.values),
            OpenApiParameter("channel", str),
            OpenApiParameter("page", int),
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
        if wanted and wanted not in CaseStatus.values:
            raise serializers.ValidationError({"status": ["Unknown status."]})
        channel = request.query_params.get("channel")
        cases = selectors.case_list(
            actor=request.user, status=wanted or None, channel=(channel or "")[:60] or None
        )
        paginator = PageNumberPagination()
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
                {"detail": ["Only beneficiary relations staff open cases."]}
            )
        data = _object(request.data)
        case, _token = services.case_open(
            channel=str(data.get("channel") or ""),
            beneficiary=data.get("beneficiary"),
            summary=data.get("summary") if isinstance(data.get("summary"), str) else "",
            consent=data.get("consent") is True,
            kind=str(data.get("kind") or CaseKind.REQUEST),
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
    summary = serializers.CharField()
    consent = serializers.BooleanField()
    kind = serializers.ChoiceField(choices=CaseKind.choices, required=False)


class RequestCreateView(APIView):
    """A beneficiary files a request online (only if the policy publishes the website channel)."""

    permission_classes = [permissions.AllowAny]
    authentication_classes: list = []

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
        if rate_limit_exceeded(
            scope="public-request", key=client_ip(request), limit=PUBLIC_REQUESTS_PER_HOUR,
            window_seconds=3600,
        ):  # fmt: skip
            raise Throttled(wait=3600)
        data = _object(request.data)
        case, token = services.case_open(
            channel="website",
            beneficiary=data.get("beneficiary"),
            summary=data.get("summary") if isinstance(data.get("summary"), str) else "",
            consent=data.get("consent") is True,
            kind=str(data.get("kind") or CaseKind.REQUEST),
            actor=None,
        )
        return Response(
            {"reference": case.reference, "status_token": token}, status=status.HTTP_201_CREATED
        )


class RequestStatusView(APIView):
    permission_classes = [permissions.AllowAny]
    authentication_classes: list = []

    @extend_schema(
        parameters=[OpenApiParameter("token", str, required=True)],
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
            raise Throttled(wait=3600)
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
