"""Addresses of the permits app (public and staff pages). Stable: /verifikasi/<code>/ (printed in the
QR code of every issued letter) and /layanan/status/<code>/ (the public status page)."""

from django.urls import path

from . import views

app_name = "permits"
urlpatterns = [
    path("layanan/", views.index, name="index"),
    path("layanan/status/", views.status_lookup, name="status_lookup"),
    path("layanan/status/<str:code>/", views.status, name="status"),
    path("layanan/status/<str:code>/surat.pdf", views.letter, name="letter"),
    path("layanan/<str:service>/", views.form, name="form"),
    path("verifikasi/<str:code>/", views.verify, name="verify"),
    path("staf/layanan/", views.staff_queue, name="staff_queue"),
    path("staf/layanan/jadwal-skck/", views.staff_slots, name="staff_slots"),
    path("staf/layanan/<int:pk>/", views.staff_request, name="staff_request"),
    path("staf/layanan/<int:pk>/surat.pdf", views.staff_letter, name="staff_letter"),
]
