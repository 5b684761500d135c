from django.urls import path

from . import views

app_name = "cad"
urlpatterns = [
    path("", views.room, name="room"),
    path("intake/", views.intake, name="intake"),
    path("report/", views.report, name="report"),
]
officer_urlpatterns = ([path("", views.officer, name="officer")], "officer")
