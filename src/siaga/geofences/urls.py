"""Addresses of the geofences app (staff pages under /geofence/)."""

from django.urls import path

from . import views

app_name = "geofences"
urlpatterns = [
    path("", views.index, name="index"),
    path("<int:pk>/", views.detail, name="detail"),
]
