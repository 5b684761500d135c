from django.apps import AppConfig


class CoreConfig(AppConfig):
    name = "siaga.core"
    label = "core"
    verbose_name = "Siaga core"

    def ready(self) -> None:
        from . import subscribers  # noqa: F401  (registers the audit and realtime subscribers)
