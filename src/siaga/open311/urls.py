"""Addresses of the open311 app: GeoReport v2 at /open311/v2/ (each resource as .xml and .json)."""

from django.urls import path, re_path

from . import views

app_name = "open311"
F = r"\.(?P<fmt>xml|json)$"
urlpatterns = [
    path("", views.root, name="root"),
    re_path(r"^discovery" + F, views.discovery, name="discovery"),
    re_path(r"^services" + F, views.services, name="services"),
    re_path(r"^services/(?P<code>[A-Za-z0-9_\-]{1,40})" + F, views.service_definition, name="service"),
    re_path(r"^requests" + F, views.requests_view, name="requests"),
    re_path(r"^requests/(?P<code>[A-Za-z0-9\-]{1,40})" + F, views.request_detail, name="request"),
]
