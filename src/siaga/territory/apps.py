from django.apps import AppConfig


class TerritoryConfig(AppConfig):
    name = "siaga.territory"
    label = "territory"
    verbose_name = "Territory"

    def ready(self) -> None:
        from . import lookup  # noqa: F401  (registers the index invalidation subscriber)
