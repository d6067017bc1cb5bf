"""URLs of an association's host (its own schema)."""

from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView

from audit import views as audit_views
from billing import views as billing_views
from breaches import views as breach_views
from complaints import api as complaints_api
from platform_core import health
from publishing import api as policy_api
from publishing import kind_views
from publishing import views as policy_views
from workflow import api as workflow_api
from workflow import public_views as workflow_public
from workflow import views as workflow_views
from workspace import api as tenant_api
from workspace import views

api_v1 = [
    path("me/", tenant_api.MeView.as_view(), name="api_me"),
    path("association/", tenant_api.AssociationView.as_view(), name="api_association"),
    path("members/", tenant_api.MembersView.as_view(), name="api_members"),
    path("members/<int:member_id>/", tenant_api.MemberView.as_view(), name="api_member"),
    path("cases/", workflow_api.CaseListView.as_view(), name="api_cases"),
    path("cases/<int:case_id>/", workflow_api.CaseDetailView.as_view(), name="api_case"),
    path(
        "cases/<int:case_id>/transitions/",
        workflow_api.CaseTransitionView.as_view(),
        name="api_case_transitions",
    ),
    path("requests/", workflow_api.RequestCreateView.as_view(), name="api_requests"),
    path(
        "requests/<str:reference>/",
        workflow_api.RequestStatusView.as_view(),
        name="api_request_status",
    ),
    path("complaints/", complaints_api.ComplaintCreateView.as_view(), name="api_complaints"),
    path("policy/", policy_api.PolicyView.as_view(), name="api_policy"),
    path("policy/versions/", policy_api.PolicyVersionsView.as_view(), name="api_policy_versions"),
    path(
        "policy/versions/<int:number>/",
        policy_api.PolicyVersionView.as_view(),
        name="api_policy_version",
    ),
    path("policies/<slug:kind>/", policy_api.KindPolicyView.as_view(), name="api_kind_policy"),
    path(
        "policies/<slug:kind>/versions/",
        policy_api.KindPolicyVersionsView.as_view(),
        name="api_kind_policy_versions",
    ),
    path(
        "policies/<slug:kind>/versions/<int:number>/",
        policy_api.KindPolicyVersionView.as_view(),
        name="api_kind_policy_version",
    ),
    path("policy/draft/", policy_api.PolicyDraftView.as_view(), name="api_policy_draft"),
    path(
        "policy/draft/approve/", policy_api.PolicyApproveView.as_view(), name="api_policy_approve"
    ),
    path(
        "policy/draft/publish/", policy_api.PolicyPublishView.as_view(), name="api_policy_publish"
    ),
]

urlpatterns = [
    path("", views.association_home, name="association_home"),
    path("accounts/handoff/<str:token>/", views.login_handoff, name="login_handoff"),
    path("accounts/", include("allauth.urls")),
    path("after-login/", views.home_after_login, name="home_after_login"),
    path("policy/", policy_views.policy_page, name="policy"),
    path("policy/updates/", workflow_public.policy_updates, name="policy_updates"),
    path(
        "policy/updates/confirm/<str:token>/",
        workflow_public.policy_updates_confirm,
        name="policy_updates_confirm",
    ),
    path(
        "policy/updates/stop/<str:token>/",
        workflow_public.policy_updates_stop,
        name="policy_updates_stop",
    ),
    path("policy/<int:number>/", policy_views.policy_page, name="policy_version"),
    path("policy/<int:number>/changes/", policy_views.policy_changes, name="policy_changes"),
    path("policy.pdf", policy_views.policy_pdf, name="policy_pdf"),
    path("policy/<int:number>.pdf", policy_views.policy_pdf, name="policy_version_pdf"),
    path("policies/<slug:kind>/", kind_views.kind_policy_page, name="kind_policy"),
    path(
        "policies/<slug:kind>/<int:number>/",
        kind_views.kind_policy_page,
        name="kind_policy_version",
    ),
    path("policies/<slug:kind>.pdf", kind_views.kind_policy_pdf, name="kind_policy_pdf"),
    path(
        "policies/<slug:kind>/<int:number>.pdf",
        kind_views.kind_policy_pdf,
        name="kind_policy_version_pdf",
    ),
    path("request/", workflow_public.request_form, name="request_form"),
    path("request/<str:reference>/", workflow_public.request_status, name="request_status"),
    path("r/<str:token>", workflow_public.request_short_link, name="request_short_link"),
    path("survey/<str:token>/", workflow_public.survey, name="survey"),
    path("", include("privacy.urls")),
    path("", include("complaints.urls")),
    path("", include("governance.urls")),
    path("", include("notifications.urls")),
    path("", include("reporting.urls")),
    path("app/", views.workspace, name="workspace"),
    path("app/settings/policy/", policy_views.policy_settings, name="policy_settings"),
    path("app/settings/policy/preview/", policy_views.policy_preview, name="policy_preview"),
    path("app/settings/policy/approve/", policy_views.policy_approve, name="policy_approve"),
    path("app/settings/policy/publish/", policy_views.policy_publish, name="policy_publish"),
    path("app/settings/policy/diff/", policy_views.policy_diff, name="policy_diff"),
    path(
        "app/settings/policy/template/",
        policy_views.policy_template_update,
        name="policy_template_update",
    ),
    path("app/settings/policies/", kind_views.policies_overview, name="policies_overview"),
    path(
        "app/settings/policies/<slug:kind>/",
        kind_views.kind_policy_settings,
        name="kind_policy_settings",
    ),
    path(
        "app/settings/policies/<slug:kind>/approve/",
        kind_views.kind_policy_approve,
        name="kind_policy_approve",
    ),
    path(
        "app/settings/policies/<slug:kind>/publish/",
        kind_views.kind_policy_publish,
        name="kind_policy_publish",
    ),
    path(
        "app/settings/policies/<slug:kind>/diff/",
        kind_views.kind_policy_diff,
        name="kind_policy_diff",
    ),
    path(
        "app/settings/policies/<slug:kind>/template/",
        kind_views.kind_policy_template_update,
        name="kind_policy_template_update",
    ),
    path("app/settings/", views.association_settings, name="association_settings"),
    path("app/members/", views.members, name="members"),
    path("app/members/<int:member_id>/roles/", views.member_roles, name="member_roles"),
    path("app/members/<int:member_id>/resend/", views.member_resend, name="member_resend"),
    path("app/members/<int:member_id>/revoke/", views.member_revoke, name="member_revoke"),
    path(
        "app/members/<int:member_id>/deactivate/",
        views.member_deactivate,
        name="member_deactivate",
    ),
    path(
        "app/members/<int:member_id>/reactivate/",
        views.member_reactivate,
        name="member_reactivate",
    ),
    path("app/members/api-keys/", views.api_tokens, name="api_tokens"),
    path(
        "app/members/api-keys/<int:token_id>/revoke/",
        views.api_token_revoke_view,
        name="api_token_revoke",
    ),
    path("app/billing/", billing_views.billing, name="billing"),
    path("app/billing/subscribe/", billing_views.billing_subscribe, name="billing_subscribe"),
    path("app/billing/portal/", billing_views.billing_portal, name="billing_portal"),
    path("app/billing/success/", billing_views.billing_success, name="billing_success"),
    path("app/cases/", workflow_views.case_list, name="case_list"),
    path("app/cases/new/", workflow_views.case_new, name="case_new"),
    path("app/cases/export.csv", workflow_views.cases_csv, name="cases_csv"),
    path("app/cases/<int:case_id>/", workflow_views.case_detail, name="case_detail"),
    path(
        "app/cases/<int:case_id>/transitions/",
        workflow_views.case_transition,
        name="case_transition",
    ),
    path("app/cases/<int:case_id>/confirm/", workflow_views.case_confirm, name="case_confirm"),
    path(
        "app/cases/<int:case_id>/status-link/",
        workflow_views.case_status_link,
        name="case_status_link",
    ),
    path(
        "app/cases/<int:case_id>/documents/",
        workflow_views.case_document_upload,
        name="case_document_upload",
    ),
    path(
        "app/cases/<int:case_id>/documents/<int:document_id>/",
        workflow_views.case_document_download,
        name="case_document_download",
    ),
    path(
        "app/beneficiaries/<int:beneficiary_id>/",
        workflow_views.beneficiary_detail,
        name="beneficiary_detail",
    ),
    path(
        "app/beneficiaries/<int:beneficiary_id>/sensitive/",
        workflow_views.beneficiary_sensitive_update,
        name="beneficiary_sensitive_update",
    ),
    path("app/audit/", audit_views.access_record_list, name="access_record_list"),
    path("app/audit/export.csv", audit_views.access_records_csv, name="access_records_csv"),
    path("app/breaches/", breach_views.breach_list, name="breach_list"),
    path("app/breaches/new/", breach_views.breach_new, name="breach_new"),
    path("app/breaches/<int:breach_id>/", breach_views.breach_detail, name="breach_detail"),
    path("app/join/<str:uidb64>/<str:token>/", views.join, name="join"),
    path("media/<str:schema>/<path:path>", views.association_media, name="association_media"),
    path("api/v1/", include(api_v1)),
    path("api/schema/", SpectacularAPIView.as_view(), name="api_schema"),
    # The split view serves Swagger UI's settings as a script file: no inline script (CSP).
    path("api/docs/", SpectacularSwaggerSplitView.as_view(url_name="api_schema"), name="api_docs"),
    path("healthz", health.healthz),
    path("readyz", health.readyz),
]

handler400 = "platform_core.errors.bad_request"
handler403 = "platform_core.errors.permission_denied"
handler404 = "platform_core.errors.not_found"
handler500 = "platform_core.errors.server_error"
