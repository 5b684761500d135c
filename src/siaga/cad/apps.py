from django.apps import AppConfig


class CadConfig(AppConfig):
    name = "siaga.cad"
    label = "cad"
