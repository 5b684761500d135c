"""Addresses of the open311 app (public and staff pages)."""

from django.urls import path  # noqa: F401

app_name = "open311"
urlpatterns: list = []
