"""Addresses of the mapping app (staff pages under /wilayah/)."""

from django.urls import path

from . import views

app_name = "mapping"
urlpatterns = [
    path("", views.index, name="index"),
    path("masalah/", views.problem_list, name="problems"),
    path("masalah/peta/", views.problem_map, name="problem_map"),
    path("masalah/baru/", views.problem_new, name="problem_new"),
    path("masalah/<int:pk>/", views.problem_detail, name="problem"),
    path("sambang/", views.visit_list, name="visits"),
    path("sambang/baru/", views.visit_new, name="visit_new"),
    path("potensi/", views.potential_list, name="potentials"),
    path("potensi/peta/", views.potential_map, name="potential_map"),
    path("potensi/baru/", views.potential_new, name="potential_new"),
    path("mitra/", views.partner_list, name="partners"),
    path("mitra/baru/", views.partner_new, name="partner_new"),
    path("mitra/siaran/", views.broadcast, name="broadcast"),
    path("informan/", views.informant_list, name="informants"),
    path("informan/baru/", views.informant_new, name="informant_new"),
]
