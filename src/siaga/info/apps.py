from django.apps import AppConfig


class InfoConfig(AppConfig):
    name = "siaga.info"
    label = "info"
    verbose_name = "Information and alerts"

    def ready(self) -> None:
        from . import jobs  # noqa: F401  (registers the ticker job that records expired alerts)
