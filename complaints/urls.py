"""The complaints app's pages on an association's host (included at the root)."""

from django.urls import path

from complaints import views

urlpatterns = [
    path("complaints/", views.complaint_form, name="complaints"),
    path("complaints/<str:reference>/", views.complaint_status, name="complaint_status"),
    path("app/complaints/", views.complaint_list, name="complaint_list"),
    path("app/complaints/new/", views.complaint_new, name="complaint_new"),
    path("app/complaints/settings/", views.complaint_settings, name="complaint_settings"),
    path("app/complaints/<int:complaint_id>/", views.complaint_detail, name="complaint_detail"),
    path(
        "app/complaints/<int:complaint_id>/assign/",
        views.complaint_assign,
        name="complaint_assign",
    ),
    path(
        "app/complaints/<int:complaint_id>/answer/",
        views.complaint_answer,
        name="complaint_answer",
    ),
]
