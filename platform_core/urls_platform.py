"""URLs of the platform host (public schema)."""

from django.urls import include, path

from billing import views as billing_views
from notifications import views as sms_views
from platform_core import health, views
from workspace import views as tenant_views

urlpatterns = [
    path("", views.platform_home, name="platform_home"),
    path("signup/", tenant_views.signup, name="signup"),
    path("after-login/", tenant_views.home_after_login, name="home_after_login"),
    path("accounts/", include("allauth.urls")),
    path("console/", include("console.urls")),
    path("billing/stripe/webhook/", billing_views.stripe_webhook, name="stripe_webhook"),
    # The platform's SMS account's delivery receipts, routed to each association by message id.
    path("sms/receipts/", sms_views.sms_receipt_platform, name="sms_receipt_platform"),
    path("healthz", health.healthz, name="healthz"),
    path("readyz", health.readyz, name="readyz"),
]

handler400 = "platform_core.errors.bad_request"
handler403 = "platform_core.errors.permission_denied"
handler404 = "platform_core.errors.not_found"
handler500 = "platform_core.errors.server_error"
