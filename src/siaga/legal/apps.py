from django.apps import AppConfig


class LegalConfig(AppConfig):
    name = "siaga.legal"
    label = "legal"
    verbose_name = "Legal service"
