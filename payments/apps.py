from django.apps import AppConfig
from django.utils.translation import pgettext_lazy


class PaymentsConfig(AppConfig):
    name = "payments"
    verbose_name = pgettext_lazy("application", "Payments")

    def ready(self) -> None:
        from customers import wallet
        from payments import tasks  # noqa: F401 - registers the jobs; services queue them by name
        from payments.customer_wallet import LedgerWalletBook

        wallet.register(LedgerWalletBook())
        from facepay import health
        from payments.services.recovery import queue_health

        health.register("queue", queue_health)
