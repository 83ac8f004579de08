from django.urls import path

from patients import views

app_name = "patients"

urlpatterns = [
    path("dashboard/", views.dashboard, name="dashboard"),
    path("history/", views.my_history, name="my_history"),
    path("me/record.fhir.json", views.my_record_fhir, name="record_fhir"),
    path("background/", views.background, name="background"),
    path("profile/", views.profile, name="profile"),
    path("visits/<int:pk>/allergies-and-blood-group/", views.visit_facts, name="visit_facts"),
    path("who-viewed-my-record/", views.access_log, name="access_log"),
    path("mine/", views.my_patients, name="my_patients"),
    path("<int:pk>/history/", views.history, name="history"),
    path("<int:pk>/documents/new/", views.document_upload, name="document_upload"),
    path("documents/<int:pk>/", views.document_detail, name="document"),
    path("documents/<int:pk>/file/", views.document_file, name="document_file"),
    path("documents/<int:pk>/preview/", views.document_preview, name="document_preview"),
]
