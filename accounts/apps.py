from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "accounts"
    label = "accounts"
    verbose_name = "Members and operators"

    def ready(self) -> None:
        # Imported here: models can be read only once the app registry is ready.
        from accounts.selectors import member_seats_count
        from billing.limits import MEMBERS, limit_counter_register

        limit_counter_register(MEMBERS, member_seats_count)
