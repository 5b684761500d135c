from django.apps import AppConfig


class GeofencesConfig(AppConfig):
    name = "siaga.geofences"
    label = "geofences"
    verbose_name = "Geofences"

    def ready(self) -> None:
        from . import hooks  # noqa: F401  (subscribes the engine to unit positions)
