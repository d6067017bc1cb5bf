"""URLs of an association's host (its own schema)."""

from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerView

from platform_core import health
from tenants import api as tenant_api
from tenants import views

api_v1 = [
    path("me/", tenant_api.MeView.as_view(), name="api_me"),
    path("association/", tenant_api.AssociationView.as_view(), name="api_association"),
]

urlpatterns = [
    path("", views.association_home, name="association_home"),
    path("accounts/handoff/<str:token>/", views.login_handoff, name="login_handoff"),
    path("accounts/", include("allauth.urls")),
    path("after-login/", views.home_after_login, name="home_after_login"),
    path("app/", views.workspace, name="workspace"),
    path("app/settings/", views.association_settings, name="association_settings"),
    path("app/members/", views.members, name="members"),
    path("app/join/<str:uidb64>/<str:token>/", views.join, name="join"),
    path("media/<str:schema>/<path:path>", views.association_media, name="association_media"),
    path("api/v1/", include(api_v1)),
    path("api/schema/", SpectacularAPIView.as_view(), name="api_schema"),
    path("api/docs/", SpectacularSwaggerView.as_view(url_name="api_schema"), name="api_docs"),
    path("healthz", health.healthz),
    path("readyz", health.readyz),
]
