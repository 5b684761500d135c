from django.apps import AppConfig


class PortalConfig(AppConfig):
    name = "siaga.portal"
    label = "portal"
    verbose_name = "Public services portal"

    def ready(self) -> None:
        from . import jobs  # noqa: F401  (registers the ticker jobs: escort deadlines, SOS retries)
