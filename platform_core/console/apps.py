from django.apps import AppConfig


class ConsoleConfig(AppConfig):
    name = "platform_core.console"
    label = "console"
    verbose_name = "Operators' console"
