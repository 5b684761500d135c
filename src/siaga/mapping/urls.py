"""Addresses of the mapping app."""

from django.urls import path  # noqa: F401

app_name = "mapping"
urlpatterns: list = []
