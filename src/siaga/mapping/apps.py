from django.apps import AppConfig


class MappingConfig(AppConfig):
    name = "siaga.mapping"
    label = "mapping"
    verbose_name = "Territory mapping"
