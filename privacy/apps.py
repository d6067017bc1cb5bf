from django.apps import AppConfig


class PrivacyConfig(AppConfig):
    name = "privacy"
    verbose_name = "Personal data protection"

    def ready(self) -> None:
        # Imported here: models can be read only once the app registry is ready.
        from privacy.consent import consent_record, consent_refusal
        from workflow.hooks import case_action_refusal_connect, case_opened_connect

        case_opened_connect(consent_record)
        case_action_refusal_connect(consent_refusal)
