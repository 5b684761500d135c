from django.apps import AppConfig


class AnalyticsConfig(AppConfig):
    name = "siaga.analytics"
    label = "analytics"
    verbose_name = "Territory analytics"
