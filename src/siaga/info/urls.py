"""Addresses of the info app. Stable public ones: /alerts/atom.xml and /alerts/<id>.cap.xml (CAP 1.2)."""

from django.urls import path

from . import views

app_name = "info"
urlpatterns = [
    path("info/", views.index, name="index"),
    path("info/<slug:slug>/", views.bulletin, name="bulletin"),
    path("peringatan/", views.alerts_page, name="alerts"),
    path("alerts/atom.xml", views.atom, name="atom"),
    path("alerts/<str:slug>.cap.xml", views.cap_document, name="cap"),
    path("statistik/", views.stats_page, name="stats"),
    path("statistik/data.json", views.stats_json, name="stats_json"),
    path("statistik/data.csv", views.stats_csv, name="stats_csv"),
    path("staf/info/", views.staff, name="staff"),
    path("staf/info/buletin/baru/", views.staff_bulletin_new, name="staff_bulletin_new"),
    path("staf/info/buletin/<int:pk>/", views.staff_bulletin, name="staff_bulletin"),
    path("staf/info/peringatan/baru/", views.staff_alert_new, name="staff_alert_new"),
    path("staf/info/peringatan/<int:pk>/", views.staff_alert, name="staff_alert"),
]
