from django.urls import path

from hospitals import views

app_name = "hospitals"

# manage/ and desk/ come first: they win over a hospital slug (and those slugs are refused for hospitals).
urlpatterns = [
    path("manage/", views.admin_dashboard, name="admin_dashboard"),
    path("manage/profile/", views.edit_profile, name="edit_profile"),
    path("manage/departments/", views.departments, name="departments"),
    path("manage/departments/<int:pk>/rename/", views.department_rename, name="department_rename"),
    path("manage/departments/<int:pk>/retire/", views.department_retire, name="department_retire"),
    path("manage/doctors/", views.doctor_list, name="doctor_list"),
    path("manage/doctors/add/", views.doctor_add, name="doctor_add"),
    path("manage/doctors/add/<int:doctor_pk>/", views.doctor_add_confirm, name="doctor_add_confirm"),
    path("manage/doctors/<int:doctor_pk>/", views.doctor_detail, name="doctor_detail"),
    path("manage/join-requests/<int:pk>/", views.join_request_decide, name="join_request_decide"),
    path("manage/affiliations/<int:pk>/remove/", views.doctor_remove, name="doctor_remove"),
    path("manage/staff/", views.staff_list, name="staff"),
    path("manage/staff/<int:pk>/deactivate/", views.staff_deactivate, name="staff_deactivate"),
    path("desk/", views.staff_dashboard, name="staff_dashboard"),
    path("<slug:slug>/", views.detail, name="detail"),
]
