from django.apps import AppConfig


class CreditConfig(AppConfig):
    name = "credit"
