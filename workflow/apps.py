from django.apps import AppConfig


class WorkflowConfig(AppConfig):
    name = "workflow"
    verbose_name = "Beneficiaries and cases"

    def ready(self) -> None:
        # Imported here: models can be read only once the app registry is ready.
        from billing.limits import OPEN_CASES, limit_counter_register
        from publishing.hooks import policy_published_connect
        from workflow.policy_notice import policy_notice_enqueue
        from workflow.selectors import open_cases_count

        limit_counter_register(OPEN_CASES, open_cases_count)
        policy_published_connect(policy_notice_enqueue)
