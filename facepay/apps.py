from django.apps import AppConfig


class FacepayConfig(AppConfig):
    name = "facepay"
    verbose_name = "FacePay Street"
