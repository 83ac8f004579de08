from django.urls import path

from accounts import views

app_name = "accounts"

urlpatterns = [
    path("", views.platform_dashboard, name="platform_dashboard"),
    path("hospitals/<int:pk>/status/", views.platform_hospital_status, name="platform_hospital_status"),
]
