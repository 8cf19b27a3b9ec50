from django.apps import AppConfig


class PaymentsConfig(AppConfig):
    name = "payments"

    def ready(self) -> None:
        # Registers the jobs in every process (web, tests, worker): services queue them by name.
        from payments import tasks  # noqa: F401
