"""Addresses of the mapping app (staff pages under /wilayah/)."""

from django.urls import path

from . import views

app_name = "mapping"
urlpatterns = [
    path("", views.index, name="index"),
    path("masalah/", views.problem_list, name="problems"),
    path("sambang/", views.visit_list, name="visits"),
    path("potensi/", views.potential_list, name="potentials"),
    path("mitra/", views.partner_list, name="partners"),
    path("informan/", views.informant_list, name="informants"),
]
