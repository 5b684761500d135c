"""Patrol plans (mounted at /analitik/patroli/)."""

from django.urls import path

from . import patrol_views as views

app_name = "patrol"
urlpatterns = [
    path("", views.plan_list, name="list"),
    path("<int:pk>/", views.plan_detail, name="plan"),
    path("<int:pk>/terbitkan/", views.plan_publish, name="publish"),
    path("<int:pk>/dosis/", views.plan_dosage, name="dosage"),
]
