from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "siaga.accounts"
    label = "accounts"
