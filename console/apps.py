from django.apps import AppConfig


class ConsoleConfig(AppConfig):
    name = "console"
    label = "console"
    verbose_name = "Operators' console"

    def ready(self) -> None:
        from console import signals  # noqa: F401 - connects the receiver
