"""Integrated profiles and problem-oriented case files (mounted at /wilayah/profil/)."""

from django.urls import path

from . import profile_views as views

app_name = "profiles"
urlpatterns = [
    path("", views.index, name="index"),
    path("area/<str:level>/<path:key>/", views.area, name="area"),
    path("kelompok/<slug:group>/", views.group, name="group"),
    path("kasus/", views.casefile_list, name="casefiles"),
    path("kasus/baru/", views.casefile_new, name="casefile_new"),
    path("kasus/<int:pk>/", views.casefile_detail, name="casefile"),
    path("kasus/<int:pk>/ubah/", views.casefile_edit, name="casefile_edit"),
    path("kasus/<int:pk>/tahap/", views.casefile_stage, name="casefile_stage"),
]
