from allauth.account.decorators import secure_admin_login
from django.contrib import admin
from django.templatetags.static import static
from django.urls import include, path
from django.views.generic import RedirectView

from accounts import views as account_views
from ops import views as ops_views

# Django admin signs in through the main login page (same rate limits and lockout).
admin.site.login = secure_admin_login(admin.site.login)
admin.site.site_header = "HMS administration"

urlpatterns = [
    path("", account_views.home, name="home"),
    path("dashboard/", account_views.dashboard, name="dashboard"),
    path("healthz/", account_views.healthz, name="healthz"),
    path("readyz/", ops_views.readyz, name="readyz"),
    path("favicon.ico", RedirectView.as_view(url=static("favicon.svg"), permanent=True)),
    path("accounts/signup/doctor/", account_views.doctor_signup, name="signup_doctor"),
    path("accounts/signup/hospital/", account_views.hospital_signup, name="signup_hospital"),
    path("accounts/", include("allauth.urls")),
    path("platform/", include("accounts.urls")),
    path("hospitals/", include("hospitals.urls")),
    path("doctors/", include("doctors.urls")),
    path("patients/", include("patients.urls")),
    path("appointments/", include("appointments.urls")),
    path("prescriptions/", include("prescriptions.urls")),
    path("notifications/", include("notifications.urls")),
    path("billing/", include("billing.urls")),
    path("django-admin/", admin.site.urls),
]

handler403 = "accounts.errors.permission_denied"
handler404 = "accounts.errors.page_not_found"
handler500 = "accounts.errors.server_error"
