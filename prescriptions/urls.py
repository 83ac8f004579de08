from django.urls import path

from prescriptions import views

app_name = "prescriptions"

urlpatterns = [
    path("appointments/<int:pk>/visit/", views.visit, name="visit"),
    path("appointments/<int:pk>/visit/diagnoses/", views.diagnosis_create, name="diagnosis_create"),
    path("appointments/<int:pk>/visit/items/", views.item_create, name="item_create"),
    path("items/<int:pk>/remove/", views.item_delete, name="item_delete"),
    path("visits/<int:pk>/", views.visit_note_detail, name="visit_note"),
    path("<int:pk>/", views.detail, name="detail"),
    path("<int:pk>/issue/", views.issue, name="issue"),
    path("<int:pk>/correct/", views.correct, name="correct"),
    path("<int:pk>/pdf/", views.pdf, name="pdf"),
    path("icd10/", views.icd10_search, name="icd10_search"),
    path("medicines/", views.medicine_search, name="medicine_search"),
]
