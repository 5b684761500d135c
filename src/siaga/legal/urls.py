"""Addresses of the legal app: the public library and consultations under /hukum/, Si Kum's queue
under /staf/hukum/. Fixed paths come before /hukum/<slug>/ (regulation slugs are kind-number-year)."""

from django.urls import path

from . import views

app_name = "legal"
urlpatterns = [
    path("hukum/", views.index, name="index"),
    path("hukum/kuhp/", views.kuhp, name="kuhp"),
    path("hukum/faq/", views.faq, name="faq"),
    path("hukum/konsultasi/", views.consult, name="consult"),
    path("hukum/konsultasi/<str:code>/", views.consultation, name="consultation"),
    path("hukum/<slug:slug>/", views.regulation, name="regulation"),
    path("hukum/<slug:slug>/pasal-<str:number>/", views.article, name="article"),
    path("staf/hukum/", views.staff_queue, name="staff_queue"),
    path("staf/hukum/<int:pk>/", views.staff_consultation, name="staff_consultation"),
]
