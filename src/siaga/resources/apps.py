from django.apps import AppConfig


class ResourcesConfig(AppConfig):
    name = "siaga.resources"
    label = "resources"
