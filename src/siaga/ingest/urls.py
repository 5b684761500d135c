from django.urls import path

from . import http, views

app_name = "ingest"
urlpatterns = [
    path("", views.devices_page, name="devices"),
    path("osmand", http.osmand, name="osmand"),
    path("events", http.events, name="events"),
]
