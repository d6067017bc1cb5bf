"""The policy endpoints of CONTRACT.md (association host, /api/v1/policy/…), and the other
kinds' read-only ones (/api/v1/policies/<kind>/…)."""

from __future__ import annotations

import datetime
import hashlib

from django.core.cache import cache
from django.http import HttpResponse
from django.utils.cache import get_conditional_response, patch_vary_headers
from django.utils.http import http_date
from drf_spectacular.utils import extend_schema, inline_serializer
from rest_framework import permissions, serializers, status
from rest_framework.exceptions import NotFound
from rest_framework.renderers import JSONRenderer
from rest_framework.response import Response
from rest_framework.views import APIView

from catalog.models import PolicyKind
from common.hijri import hijri_iso
from common.i18n import current_language
from publishing import services
from publishing.models import PolicyDraft, PolicyVersion
from publishing.procedure import STEP_KINDS, version_decision_body
from publishing.rendering import (
    approval_statement,
    policy_sections,
    procedure_steps,
    version_language,
    version_languages,
)
from publishing.selectors import (
    kind_version_latest,
    kind_versions,
    policy_latest_number,
    policy_version_get,
)


class IsAssociationAdmin(permissions.BasePermission):
    def has_permission(self, request, view):
        return bool(
            request.user and request.user.is_authenticated and request.user.is_association_admin
        )


class ItemSerializer(serializers.Serializer):
    code = serializers.CharField()
    name_ar = serializers.CharField()
    name_en = serializers.CharField()


class DeadlineSerializer(serializers.Serializer):
    days = serializers.IntegerField(allow_null=True, min_value=1, max_value=90)
    kind = serializers.ChoiceField(choices=["working", "calendar", "asap"])
    wording_ar = serializers.CharField(required=False, allow_blank=True)
    wording_en = serializers.CharField(required=False, allow_blank=True)


class DecisionBodySerializer(serializers.Serializer):
    name_ar = serializers.CharField(allow_blank=True)
    name_en = serializers.CharField(allow_blank=True)


class StepSerializer(serializers.Serializer):
    step = serializers.ChoiceField(choices=list(STEP_KINDS))
    text = serializers.CharField()


class DraftStepSerializer(serializers.Serializer):
    step = serializers.ChoiceField(choices=list(STEP_KINDS))
    text_ar = serializers.CharField(allow_blank=True)
    text_en = serializers.CharField(allow_blank=True)


class ApprovalSerializer(serializers.Serializer):
    meeting_number = serializers.CharField()
    session = serializers.CharField()
    term = serializers.CharField()
    approved_on = serializers.DateField(allow_null=True)
    approved_on_hijri = serializers.CharField(allow_null=True, read_only=True)
    chair_name = serializers.CharField()
    statement_ar = serializers.CharField()
    statement_en = serializers.CharField()
    effect_ar = serializers.CharField()
    effect_en = serializers.CharField()
    position = serializers.ChoiceField(choices=["end", "title"])
    statement = serializers.CharField(help_text="The approval as the page prints it.")


class SectionSerializer(serializers.Serializer):
    key = serializers.CharField()
    title = serializers.CharField()
    body = serializers.CharField()


class DraftSectionSerializer(SectionSerializer):
    """A draft's section: as it reads (`title`, `body`) and as stored; empty own texts
    (`title_*`, `body_*`) read as the template's."""

    included = serializers.BooleanField()
    optional = serializers.BooleanField()
    title_ar = serializers.CharField(allow_blank=True)
    title_en = serializers.CharField(allow_blank=True)
    body_ar = serializers.CharField(allow_blank=True)
    body_en = serializers.CharField(allow_blank=True)
    extra_ar = serializers.CharField(allow_blank=True)
    extra_en = serializers.CharField(allow_blank=True)


class BankAccountSerializer(serializers.Serializer):
    bank_name = serializers.CharField()
    iban = serializers.CharField()


class PolicyAssociationSerializer(serializers.Serializer):
    slug = serializers.CharField()
    name_ar = serializers.CharField()
    name_en = serializers.CharField()
    license_label_ar = serializers.CharField()
    license_label_en = serializers.CharField()
    license_number = serializers.CharField()
    supervising_authority = serializers.CharField()
    address = serializers.CharField()
    postal_code = serializers.CharField()
    email = serializers.CharField()
    emails = serializers.ListField(child=serializers.CharField())
    phone = serializers.CharField()
    phones = serializers.ListField(child=serializers.CharField())
    website = serializers.CharField()
    social_handles = serializers.DictField(child=serializers.CharField())
    bank_accounts = BankAccountSerializer(many=True)
    basmala = serializers.BooleanField()


class PolicySerializer(serializers.Serializer):
    languages = serializers.ListField(
        child=serializers.ChoiceField(choices=["ar", "en"]),
        help_text='["ar"] or ["ar", "en"]; an Arabic-only policy answers in Arabic.',
    )
    association = PolicyAssociationSerializer()
    channels = ItemSerializer(many=True)
    tools = ItemSerializer(many=True)
    referral_roles = ItemSerializer(many=True)
    committee_deadline = DeadlineSerializer()
    decision_body = DecisionBodySerializer()
    approval = ApprovalSerializer()
    sections = SectionSerializer(many=True)


class PublishedPolicySerializer(PolicySerializer):
    version = serializers.IntegerField()
    published_at = serializers.DateTimeField()
    procedure = StepSerializer(many=True)


class DraftSerializer(PolicySerializer):
    revision = serializers.IntegerField()
    approved = serializers.BooleanField()
    procedure = DraftStepSerializer(many=True)
    sections = DraftSectionSerializer(many=True)


VersionListSerializer = inline_serializer(
    "PolicyVersionSummary",
    {"version": serializers.IntegerField(), "published_at": serializers.DateTimeField()},
    many=True,
)


LETTERHEAD_TEXTS = (
    "slug",
    "name_ar",
    "name_en",
    "license_label_ar",
    "license_label_en",
    "license_number",
    "supervising_authority",
    "address",
    "postal_code",
    "email",
    "phone",
    "website",
)
APPROVAL_TEXTS = (
    "meeting_number",
    "session",
    "term",
    "chair_name",
    "statement_ar",
    "statement_en",
    "effect_ar",
    "effect_en",
)


def _association_payload(association: dict) -> dict:
    """The letterhead as published; versions from before the lists give their one phone and
    e-mail as the list."""
    return {
        **{key: association.get(key) or "" for key in LETTERHEAD_TEXTS},
        "phones": association.get(
            "phones", [association["phone"]] if association.get("phone") else []
        ),
        "emails": association.get(
            "emails", [association["email"]] if association.get("email") else []
        ),
        "social_handles": association.get("social_handles") or {},
        "bank_accounts": [
            {"bank_name": account.get("bank_name") or "", "iban": account["iban"]}
            for account in association.get("bank_accounts") or []
        ],
        "basmala": bool(association.get("basmala")),
    }


def policy_payload(content: dict, language: str) -> dict:
    language = version_language(content, language)
    association = content["association"]
    approval = content.get("approval") or {}
    return {
        "languages": version_languages(content),
        "association": _association_payload(association),
        "channels": content["channels"],
        "tools": content["tools"],
        "referral_roles": content["referral_roles"],
        "committee_deadline": {
            "days": content["committee_deadline"]["days"],
            "kind": content["committee_deadline"]["kind"],
            "wording_ar": content["committee_deadline"].get("wording_ar", ""),
            "wording_en": content["committee_deadline"].get("wording_en", ""),
        },
        "procedure": procedure_steps(content, language),
        "decision_body": version_decision_body(content),
        "approval": _approval_payload(approval, language),
        "sections": [
            {"key": section.key, "title": section.title, "body": section.text}
            for section in policy_sections(content, language)
        ],
    }


def _approval_payload(approval: dict, language: str) -> dict:
    approved_on = approval.get("approved_on")
    return {
        **{key: approval.get(key) or "" for key in APPROVAL_TEXTS},
        "approved_on": approved_on,
        "approved_on_hijri": hijri_iso(datetime.date.fromisoformat(approved_on))
        if approved_on
        else None,
        "position": approval.get("position") or "end",
        "statement": approval_statement(approval, language),
    }


def kind_version_payload(version: PolicyVersion, language: str) -> dict:
    """A published policy of another kind: its sections, approval and letterhead (and, for the
    retention policy, the periods the retention job applies)."""
    content = version.content
    language = version_language(content, language)
    return {
        "kind": version.kind,
        "version": version.number,
        "published_at": version.published_at.isoformat(),
        "languages": version_languages(content),
        "association": _association_payload(content["association"]),
        "approval": _approval_payload(content.get("approval") or {}, language),
        "sections": [
            {"key": section.key, "title": section.title, "body": section.text}
            for section in policy_sections(content, language)
        ],
        **({"retention": content["retention"]} if "retention" in content else {}),
    }


def version_payload(version: PolicyVersion, language: str) -> dict:
    return {
        "version": version.number,
        "published_at": version.published_at.isoformat(),
        **policy_payload(version.content, language),
    }


def draft_payload(draft: PolicyDraft, language: str) -> dict:
    payload = policy_payload(services.policy_snapshot(draft), language)
    rendered = {section["key"]: section for section in payload["sections"]}
    language = version_language(payload, language)
    return {
        "revision": draft.revision,
        "approved": draft.is_approved,
        **payload,
        # What the association typed (empty: the template's wording), as a PATCH gives it.
        "procedure": draft.procedure,
        "sections": [
            {
                "key": section["key"],
                "title": services.section_in_force(section)[f"title_{language}"],
                "body": "",
                **rendered.get(section["key"], {}),
                "included": section["included"],
                "optional": section["optional"],
                **{field: services.section_own(section, field) for field in services.SECTION_TEXTS},
                "extra_ar": section["extra_ar"],
                "extra_en": section["extra_en"],
            }
            for section in draft.sections
        ],
    }


# A version never changes, so its JSON is kept per version and language, as the public page is
# (publishing.views.policy_page); the cache's keys carry the association's schema.
API_KEY = "policy-api:{number}:{language}"
API_CACHE_SECONDS = 3600


KIND_API_KEY = "policy-api:{kind}:{number}:{language}"


def _published_response(request, number: int, *, missing: str, kind: str = PolicyKind.BENEFICIARY):
    """Version `number` of `kind` as JSON, from the cache once made, with its ETag and
    Last-Modified; a 304 when the client holds it already. Another format (the browsable API)
    is made afresh."""
    language = current_language()
    payload = version_payload if kind == PolicyKind.BENEFICIARY else kind_version_payload
    if request.accepted_renderer.format != "json":
        version = policy_version_get(number=number, kind=kind)
        if version is None:
            raise NotFound(missing)
        return Response(payload(version, language))
    key = (
        API_KEY.format(number=number, language=language)
        if kind == PolicyKind.BENEFICIARY
        else KIND_API_KEY.format(kind=kind, number=number, language=language)
    )
    kept = cache.get(key)
    if kept is None:
        version = policy_version_get(number=number, kind=kind)
        if version is None:
            raise NotFound(missing)
        body = JSONRenderer().render(payload(version, language))
        digest = hashlib.sha256(body).hexdigest()[:20]
        tag = number if kind == PolicyKind.BENEFICIARY else f"{kind}-{number}"
        kept = {
            "body": body,
            "etag": f'"{tag}-{language}-{digest}"',
            "modified": version.published_at.timestamp(),
        }
        cache.set(key, kept, API_CACHE_SECONDS)
    response = HttpResponse(kept["body"], content_type="application/json")
    response["ETag"] = kept["etag"]
    response["Last-Modified"] = http_date(kept["modified"])
    response["Cache-Control"] = "no-cache"  # kept, but asked again (a 304 when unchanged)
    patch_vary_headers(response, ("Accept", "Accept-Language", "Cookie"))
    return get_conditional_response(
        request, etag=kept["etag"], last_modified=int(kept["modified"]), response=response
    )


class PolicyView(APIView):
    """The published policy in force (404 before the first publication)."""

    permission_classes = [permissions.AllowAny]

    @extend_schema(responses=PublishedPolicySerializer)
    def get(self, request):
        missing = "This association has not published its policy yet."
        number = policy_latest_number()
        if number is None:
            raise NotFound(missing)
        return _published_response(request, number, missing=missing)


class PolicyVersionsView(APIView):
    """Every published version, newest first."""

    permission_classes = [permissions.AllowAny]

    @extend_schema(responses=VersionListSerializer)
    def get(self, request):
        versions = PolicyVersion.objects.order_by("-number").only("number", "published_at")
        return Response(
            [{"version": v.number, "published_at": v.published_at.isoformat()} for v in versions]
        )


class PolicyVersionView(APIView):
    """One published version."""

    permission_classes = [permissions.AllowAny]

    @extend_schema(responses=PublishedPolicySerializer)
    def get(self, request, number: int):
        return _published_response(request, number, missing="No such version.")


OTHER_KINDS = [kind for kind in PolicyKind.values if kind != PolicyKind.BENEFICIARY]


class RetentionSerializer(serializers.Serializer):
    closed_cases = serializers.IntegerField(min_value=1, max_value=50)
    complaints = serializers.IntegerField(min_value=1, max_value=50)


class KindPolicySerializer(serializers.Serializer):
    kind = serializers.ChoiceField(choices=OTHER_KINDS)
    version = serializers.IntegerField()
    published_at = serializers.DateTimeField()
    languages = serializers.ListField(child=serializers.ChoiceField(choices=["ar", "en"]))
    association = PolicyAssociationSerializer()
    approval = ApprovalSerializer()
    sections = SectionSerializer(many=True)
    retention = RetentionSerializer(
        required=False,
        help_text="document-retention only: the years after which the retention job erases "
        "each class of record's personal data.",
    )


def _kind_or_404(kind: str) -> str:
    if kind not in OTHER_KINDS:
        raise NotFound("No such policy.")
    return kind


class KindPolicyView(APIView):
    """The published policy of `kind` in force (404 before its first publication); the
    beneficiary policy is /api/v1/policy/."""

    permission_classes = [permissions.AllowAny]

    @extend_schema(responses=KindPolicySerializer)
    def get(self, request, kind: str):
        kind = _kind_or_404(kind)
        latest = kind_version_latest(kind)
        missing = "This association has not published this policy yet."
        if latest is None:
            raise NotFound(missing)
        return _published_response(request, latest.number, missing=missing, kind=kind)


class KindPolicyVersionsView(APIView):
    """Every published version of `kind`, newest first."""

    permission_classes = [permissions.AllowAny]

    @extend_schema(responses=VersionListSerializer)
    def get(self, request, kind: str):
        versions = kind_versions(_kind_or_404(kind))
        return Response(
            [{"version": v.number, "published_at": v.published_at.isoformat()} for v in versions]
        )


class KindPolicyVersionView(APIView):
    """One published version of `kind`."""

    permission_classes = [permissions.AllowAny]

    @extend_schema(responses=KindPolicySerializer)
    def get(self, request, kind: str, number: int):
        return _published_response(
            request, number, missing="No such version.", kind=_kind_or_404(kind)
        )


class DraftPatchSerializer(serializers.Serializer):
    """For the schema only: the service checks the input, with a message per field."""

    revision = serializers.IntegerField(required=False)
    languages = serializers.ListField(child=serializers.CharField(), required=False)
    channels = serializers.ListField(child=serializers.JSONField(), required=False)
    tools = serializers.ListField(child=serializers.JSONField(), required=False)
    referral_roles = serializers.ListField(child=serializers.JSONField(), required=False)
    committee_deadline = DeadlineSerializer(required=False)
    procedure = DraftStepSerializer(many=True, required=False)
    decision_body = DecisionBodySerializer(required=False)
    sections = serializers.ListField(
        child=serializers.JSONField(),
        required=False,
        help_text="{key, included, title_ar, title_en, body_ar, body_en, extra_ar, extra_en}; "
        "an empty title or body is the template's.",
    )


def _conflict() -> Response:
    return Response(
        {"detail": "The draft changed since you read it; read it again and retry."},
        status=status.HTTP_409_CONFLICT,
    )


def _revision(data) -> int | None:
    value = data.get("revision") if isinstance(data, dict) else None
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int):
        raise serializers.ValidationError({"revision": ["A whole number."]})
    return value


class PolicyDraftView(APIView):
    """The draft (admins). PATCH changes it and clears a recorded approval."""

    permission_classes = [IsAssociationAdmin]

    @extend_schema(responses=DraftSerializer)
    def get(self, request):
        return Response(draft_payload(services.policy_draft_ensure(), current_language()))

    @extend_schema(request=DraftPatchSerializer, responses=DraftSerializer)
    def patch(self, request):
        if not isinstance(request.data, dict):
            raise serializers.ValidationError({"detail": ["Send a JSON object."]})
        services.policy_draft_ensure()
        allowed = {
            "languages",
            "channels",
            "tools",
            "referral_roles",
            "committee_deadline",
            "procedure",
            "decision_body",
            "sections",
        }
        unknown = set(request.data) - allowed - {"revision"}
        if unknown:
            raise serializers.ValidationError(
                {field: ["This field cannot be changed here."] for field in sorted(unknown)}
            )
        try:
            draft = services.policy_draft_update(
                data={k: v for k, v in request.data.items() if k in allowed},
                revision=_revision(request.data),
            )
        except services.PolicyConflict:
            return _conflict()
        return Response(draft_payload(draft, current_language()))


class ApprovalRequestSerializer(serializers.Serializer):
    """The shapes only; the service checks the values, each with its own message."""

    meeting_number = serializers.CharField(required=False, allow_blank=True, trim_whitespace=False)
    session = serializers.CharField(required=False, allow_blank=True, trim_whitespace=False)
    term = serializers.CharField(required=False, allow_blank=True, trim_whitespace=False)
    approved_on = serializers.DateField(required=False, allow_null=True)
    approved_on_hijri = serializers.CharField(
        required=False, allow_blank=True, allow_null=True, help_text="Umm al-Qura: 1446-10-26"
    )
    chair_name = serializers.CharField(required=False, allow_blank=True, trim_whitespace=False)
    statement_ar = serializers.CharField(required=False, allow_blank=True, trim_whitespace=False)
    statement_en = serializers.CharField(required=False, allow_blank=True, trim_whitespace=False)
    effect_ar = serializers.CharField(required=False, allow_blank=True, trim_whitespace=False)
    effect_en = serializers.CharField(required=False, allow_blank=True, trim_whitespace=False)
    position = serializers.CharField(required=False)
    revision = serializers.IntegerField(required=False)


class PolicyApproveView(APIView):
    """Record the board's approval of the draft as it stands (admins)."""

    permission_classes = [IsAssociationAdmin]

    @extend_schema(request=ApprovalRequestSerializer, responses=DraftSerializer)
    def post(self, request):
        services.policy_draft_ensure()
        data = ApprovalRequestSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        try:
            draft = services.policy_draft_approve(**data.validated_data)
        except services.PolicyConflict:
            return _conflict()
        return Response(draft_payload(draft, current_language()))


class PolicyPublishView(APIView):
    """Publish the approved draft as the next version (admins); 400 if it is not ready."""

    permission_classes = [IsAssociationAdmin]

    @extend_schema(request=None, responses={201: PublishedPolicySerializer})
    def post(self, request):
        services.policy_draft_ensure()
        try:
            version = services.policy_publish(
                actor_email=request.user.email,
                revision=_revision(request.data if isinstance(request.data, dict) else {}),
            )
        except services.PolicyConflict:
            return _conflict()
        return Response(
            version_payload(version, current_language()), status=status.HTTP_201_CREATED
        )
