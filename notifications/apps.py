from django.apps import AppConfig


class NotificationsConfig(AppConfig):
    name = "notifications"
    verbose_name = "SMS to beneficiaries"

    def ready(self) -> None:
        # Imported here: models can be read only once the app registry is ready.
        from billing.limits import SMS_SEGMENTS, limit_counter_register
        from notifications.selectors import sms_segments_this_month

        limit_counter_register(SMS_SEGMENTS, sms_segments_this_month)
