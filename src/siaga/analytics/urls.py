"""Addresses of the analytics app (mounted at /analitik/)."""

from django.urls import path

from . import views

app_name = "analytics"
urlpatterns = [
    path("risiko/", views.risk_map, name="risk_map"),
    path("risiko/<str:level>/<path:key>/", views.risk_area, name="risk_area"),
    path("hotspot/", views.hotspot, name="hotspot"),
    path("prediksi/", views.forecast, name="forecast"),
]
