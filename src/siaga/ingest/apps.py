from django.apps import AppConfig


class IngestConfig(AppConfig):
    name = "siaga.ingest"
    label = "ingest"
    verbose_name = "Device gateway"
