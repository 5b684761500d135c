from django.apps import AppConfig


class TerritoryConfig(AppConfig):
    name = "siaga.territory"
    label = "territory"
