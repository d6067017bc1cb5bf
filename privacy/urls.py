"""The privacy app's pages on an association's host (included at the root)."""

from django.urls import path

from privacy import views

urlpatterns = [
    path("privacy/", views.notice_page, name="privacy_notice"),
    path("privacy/<int:number>/", views.notice_page, name="privacy_notice_version"),
    path("app/settings/privacy/", views.privacy_settings, name="privacy_settings"),
    path(
        "app/settings/privacy/publish/",
        views.privacy_notice_publish,
        name="privacy_notice_publish",
    ),
    path("app/settings/privacy/retention/", views.privacy_retention, name="privacy_retention"),
    path("app/privacy/requests/", views.request_list, name="privacy_requests"),
    path("app/privacy/requests/new/", views.request_new, name="privacy_request_new"),
    path("app/privacy/requests/<int:request_id>/", views.request_detail, name="privacy_request"),
    path(
        "app/privacy/requests/<int:request_id>/verify/",
        views.request_verify,
        name="privacy_request_verify",
    ),
    path(
        "app/privacy/requests/<int:request_id>/extend/",
        views.request_extend,
        name="privacy_request_extend",
    ),
    path(
        "app/privacy/requests/<int:request_id>/refuse/",
        views.request_refuse,
        name="privacy_request_refuse",
    ),
    path(
        "app/privacy/requests/<int:request_id>/complete/",
        views.request_complete,
        name="privacy_request_complete",
    ),
    path(
        "app/privacy/requests/<int:request_id>/correct/",
        views.request_correct,
        name="privacy_request_correct",
    ),
    path(
        "app/privacy/requests/<int:request_id>/delete/",
        views.request_delete,
        name="privacy_request_delete",
    ),
    path(
        "app/privacy/requests/<int:request_id>/export.zip",
        views.request_export,
        name="privacy_request_export",
    ),
    path(
        "app/privacy/beneficiaries/<int:beneficiary_id>/consent/withdraw/",
        views.consent_withdraw_view,
        name="privacy_consent_withdraw",
    ),
    path(
        "app/privacy/beneficiaries/<int:beneficiary_id>/holds/",
        views.hold_set,
        name="privacy_hold_set",
    ),
    path(
        "app/privacy/holds/<int:hold_id>/release/",
        views.hold_release,
        name="privacy_hold_release",
    ),
]
