from django.apps import AppConfig


class ConsoleConfig(AppConfig):
    name = "platform_core.console"
    label = "console"
    verbose_name = "Operators' console"

    def ready(self) -> None:
        from platform_core.console import signals  # noqa: F401 - connects the receiver
