from django.urls import include, path, re_path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView
from rest_framework.routers import SimpleRouter

from api import views
from api.errors import json_not_found

app_name = "api"

router = SimpleRouter()
router.register("patients", views.PatientViewSet, basename="patient")
router.register(r"patients/(?P<patient_pk>[0-9]+)/record", views.PatientRecordViewSet, basename="record")
router.register("visits", views.VisitNoteViewSet, basename="visit")
router.register("diagnoses", views.DiagnosisViewSet, basename="diagnosis")
router.register("prescriptions", views.PrescriptionViewSet, basename="prescription")
router.register("documents", views.DocumentViewSet, basename="document")
router.register("doctors", views.DoctorViewSet, basename="doctor")
router.register("specializations", views.SpecializationViewSet, basename="specialization")
router.register("hospitals", views.HospitalViewSet, basename="hospital")
router.register("staff", views.StaffViewSet, basename="staff")
router.register("appointments", views.AppointmentViewSet, basename="appointment")
router.register("notifications", views.NotificationViewSet, basename="notification")
router.register("invoices", views.InvoiceViewSet, basename="invoice")
router.register("payments", views.PaymentViewSet, basename="payment")

urlpatterns = [
    path("schema/", SpectacularAPIView.as_view(), name="schema"),
    path(
        "docs/",
        SpectacularSwaggerSplitView.as_view(url_name="api:schema", template_name="api/swagger_ui.html"),
        name="docs",
    ),
    path("v1/me/", views.MeView.as_view(), name="me"),
    path("v1/", include(router.urls)),
    # Anything else under /api/ is a JSON 404, not the HTML error page.
    re_path(r"^.*$", json_not_found),
]
