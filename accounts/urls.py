from django.urls import path

from accounts import views

app_name = "accounts"

urlpatterns = [
    path("", views.platform_dashboard, name="platform_dashboard"),
    path("hospitals/", views.platform_hospitals, name="platform_hospitals"),
    path("hospitals/<int:pk>/", views.platform_hospital, name="platform_hospital"),
    path("doctors/", views.platform_doctors, name="platform_doctors"),
    path("doctors/<int:pk>/", views.platform_doctor, name="platform_doctor"),
    path("patients/", views.platform_patients, name="platform_patients"),
    path("patients/<int:pk>/", views.platform_patient, name="platform_patient"),
    path("hospitals/<int:pk>/status/", views.platform_hospital_status, name="platform_hospital_status"),
]
