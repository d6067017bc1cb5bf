"""The reporting app's pages on an association's host (included at the root)."""

from django.urls import path

from reporting import views

urlpatterns = [
    path("governance/statistics/<int:number>/", views.statistics_public, name="statistics_public"),
    path(
        "governance/satisfaction/<int:year>/",
        views.satisfaction_public,
        name="satisfaction_public",
    ),
    path("app/statistics/", views.statistics, name="statistics"),
    path("app/statistics/publish/", views.statistics_publish, name="statistics_publish"),
    path("app/statistics/satisfaction/", views.satisfaction_reports, name="satisfaction_reports"),
    path(
        "app/statistics/satisfaction/<int:year>/",
        views.satisfaction_report,
        name="satisfaction_report",
    ),
    path(
        "app/statistics/satisfaction/<int:year>.pdf",
        views.satisfaction_report_pdf_view,
        name="satisfaction_report_pdf",
    ),
]
