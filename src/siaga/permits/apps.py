from django.apps import AppConfig


class PermitsConfig(AppConfig):
    name = "siaga.permits"
    label = "permits"
    verbose_name = "Online administration"
