"""Addresses of the legal app (public and staff pages)."""

from django.urls import path  # noqa: F401

app_name = "legal"
urlpatterns: list = []
