"""Addresses of the permits app (public and staff pages)."""

from django.urls import path  # noqa: F401

app_name = "permits"
urlpatterns: list = []
