from django.apps import AppConfig
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext_lazy as _

# Back ends that print or keep what they send (codes, reset and set-password links).
DEVELOPMENT_EMAIL_BACKENDS = {
    "django.core.mail.backends.console.EmailBackend",
    "django.core.mail.backends.filebased.EmailBackend",
    "django.core.mail.backends.locmem.EmailBackend",
}
DEVELOPMENT_SMS_SENDERS = {"customers.sms.ConsoleSender"}


def refuse_development_messaging() -> None:
    """Outside DEBUG, refuse to start with the console e-mail or the development text-message
    sender unless FACEPAY_DEVELOPMENT_MESSAGES says they were chosen on purpose."""
    if settings.DEBUG or settings.FACEPAY_DEVELOPMENT_MESSAGES:
        return
    chosen = []
    if settings.EMAIL_BACKEND in DEVELOPMENT_EMAIL_BACKENDS:
        chosen.append(f"DJANGO_EMAIL_URL ({settings.EMAIL_BACKEND})")
    if settings.FACEPAY_SMS_SENDER in DEVELOPMENT_SMS_SENDERS:
        chosen.append(f"FACEPAY_SMS_SENDER ({settings.FACEPAY_SMS_SENDER})")
    if chosen:
        raise ImproperlyConfigured(
            "DJANGO_DEBUG is off but these would print or keep one-time codes and links: "
            + ", ".join(chosen)
            + ". Configure a real mail server and text-message sender, or set "
            "FACEPAY_DEVELOPMENT_MESSAGES=true to choose the development ones on purpose."
        )


class FacepayConfig(AppConfig):
    name = "facepay"
    verbose_name = _("FacePay Street")

    def ready(self) -> None:
        refuse_development_messaging()
