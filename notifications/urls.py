"""The SMS pages on an association's host (included at the root)."""

from django.urls import path

from notifications import views

urlpatterns = [
    path("sms/receipts/", views.sms_receipt, name="sms_receipt"),
    path("sms/stop/<str:token>/", views.sms_stop, name="sms_stop"),
    path("app/sms/", views.sms_log, name="sms_log"),
]
