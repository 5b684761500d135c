from django.apps import AppConfig


class CadConfig(AppConfig):
    name = "siaga.cad"
    label = "cad"

    def ready(self):
        from . import recommend  # noqa: F401  (registers the unit-stamp hooks of the recommendation cache)
