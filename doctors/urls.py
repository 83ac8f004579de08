from django.urls import path

from doctors import views

app_name = "doctors"

urlpatterns = [
    path("", views.directory, name="directory"),
    path("dashboard/", views.dashboard, name="dashboard"),
    path("me/profile/", views.my_profile, name="my_profile"),
    path("me/hospitals/", views.my_hospitals, name="my_hospitals"),
    path("me/hospitals/link/", views.link_hospital, name="link_hospital"),
    path("me/hospitals/<int:pk>/fee/", views.set_fee, name="set_fee"),
    path("me/hospitals/<int:pk>/leave/", views.leave_hospital, name="leave_hospital"),
    path("<int:pk>/", views.detail, name="detail"),
    path("<int:pk>/photo/", views.photo, name="photo"),
]
