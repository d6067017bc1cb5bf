"""The governance app's pages on an association's host (included at the root)."""

from django.urls import path

from governance import views

urlpatterns = [
    path("governance/", views.governance_page, name="governance"),
    path("governance/bylaws.pdf", views.governance_bylaws, name="governance_bylaws"),
    path("app/settings/governance/", views.governance_settings, name="governance_settings"),
    path("app/transparency/", views.transparency, name="transparency"),
]
