"""The console's addresses, under /console/ on the platform host only."""

from django.urls import path

from console import views

app_name = "console"

urlpatterns = [
    path("", views.association_list, name="associations"),
    path("associations/new/", views.association_new, name="association_new"),
    path("associations/<slug:slug>/", views.association_detail, name="association"),
    path("associations/<slug:slug>/suspend/", views.association_suspend, name="suspend"),
    path("associations/<slug:slug>/reactivate/", views.association_reactivate, name="reactivate"),
    path("associations/<slug:slug>/plan/", views.association_plan, name="plan"),
    path("associations/<slug:slug>/sms/", views.association_sms, name="sms"),
    path("associations/<slug:slug>/export/", views.association_export, name="export"),
    path(
        "associations/<slug:slug>/exports/<int:export_id>/progress/",
        views.export_progress,
        name="export_progress",
    ),
    path(
        "associations/<slug:slug>/exports/<int:export_id>/download/",
        views.export_download,
        name="export_download",
    ),
    path("associations/<slug:slug>/delete/", views.association_delete, name="delete"),
    path("jobs/<int:job_id>/", views.job_detail, name="job"),
    path("jobs/<int:job_id>/progress/", views.job_progress, name="job_progress"),
    path("transparency/", views.transparency, name="transparency"),
    path("templates/", views.template_list, name="templates"),
    path("templates/new/", views.template_draft_new, name="template_new"),
    path("templates/<int:number>/", views.template_detail, name="template"),
    path("templates/<int:number>/preview/", views.template_preview, name="template_preview"),
    path("templates/<int:number>/release/", views.template_release, name="template_release"),
    path(
        "templates/<int:number>/sections/new/",
        views.template_section_new,
        name="template_section_new",
    ),
    path(
        "templates/<int:number>/sections/<slug:key>/",
        views.template_section,
        name="template_section",
    ),
    path(
        "templates/<int:number>/sections/<slug:key>/remove/",
        views.template_section_remove,
        name="template_section_remove",
    ),
    path("templates/kinds/<slug:kind>/", views.kind_template, name="kind_template"),
    path("audit/", views.audit_log, name="audit"),
]
