from django.apps import AppConfig


class BillingConfig(AppConfig):
    name = "platform_core.billing"
    label = "billing"
    verbose_name = "Plans and billing"
