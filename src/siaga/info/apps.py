from django.apps import AppConfig


class InfoConfig(AppConfig):
    name = "siaga.info"
    label = "info"
    verbose_name = "Information and alerts"
