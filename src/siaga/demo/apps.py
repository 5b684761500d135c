from django.apps import AppConfig


class DemoConfig(AppConfig):
    name = "siaga.demo"
    label = "demo"
