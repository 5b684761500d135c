"""Addresses of the info app (public and staff pages)."""

from django.urls import path  # noqa: F401

app_name = "info"
urlpatterns: list = []
