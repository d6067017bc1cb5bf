from django.apps import AppConfig


class AuditConfig(AppConfig):
    name = "audit"
    verbose_name = "Access audit trail"

    def ready(self) -> None:
        # Imported here: models can be read only once the app registry is ready.
        from audit.services import access_record
        from common.access_trail import access_recorder_set

        access_recorder_set(access_record)
