"""The portal's addresses. Stable public ones: / (home), /darurat/ (SOS), /lacak/ (tracking).
Part B adds its own patterns (letters, alerts, legal, Open311) to `urlpatterns`."""

from django.urls import path

from . import views

app_name = "portal"
urlpatterns = [
    path("", views.home, name="home"),
    path("darurat/", views.sos_page, name="sos"),
    path("lapor/", views.report_page, name="report"),
    path("lacak/", views.track, name="track"),
    path("lacak/<str:code>/", views.track_code, name="track_code"),
    path("kantor-polisi/", views.stations_page, name="stations"),
    path("luring/", views.offline, name="offline"),
    path("sw.js", views.service_worker, name="sw"),
    path("manifest.webmanifest", views.manifest, name="manifest"),
    path("staf/laporan/", views.staff_queue, name="staff_queue"),
    path("staf/laporan/<int:pk>/", views.staff_report, name="staff_report"),
    path("staf/laporan/<int:pk>/foto/<int:photo_id>/", views.staff_photo, name="staff_photo"),
    path("staf/sp2hp/", views.staff_sp2hp, name="staff_sp2hp"),
    path("staf/sos/", views.staff_sos, name="staff_sos"),
]
