from django.apps import AppConfig


class CatalogConfig(AppConfig):
    name = "platform_core.catalog"
    label = "catalog"
    verbose_name = "Policy template and catalogue"
