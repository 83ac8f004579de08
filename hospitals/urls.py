from django.urls import path

from hospitals import views

app_name = "hospitals"

urlpatterns = [
    path("manage/", views.admin_dashboard, name="admin_dashboard"),
    path("desk/", views.staff_dashboard, name="staff_dashboard"),
]
